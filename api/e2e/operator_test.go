package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/apitest"
	"github.com/konstruct/konstruct/api/fakes/graphfake"
)

// A phoneStep is one message the operator sends from their own WhatsApp,
// once its condition holds.
type phoneStep struct {
	when func() bool
	text string
}

// operatorPhone plays the operator's own phone in the onboarding loop: it
// watches what the fake Graph API sends to phone and answers with each step's
// text once that step's condition holds (the test template arrived, a key
// was added), as a person would after reading the wizard. It stops when the
// test ends. Sending errors are reported on the test.
func operatorPhone(t *testing.T, srv *apitest.Server, fakes *apitest.Fakes, num graphfake.Number, phone, name string, steps ...phoneStep) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for _, step := range steps {
			for !step.when() {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
			}
			body := whatsAppText(num, phone, name, step.text)
			h := http.Header{}
			h.Set("Content-Type", "application/json")
			h.Set("X-Hub-Signature-256", graphfake.Sign(body, fakes.WhatsAppAppSecret))
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/api/webhooks/whatsapp", strings.NewReader(string(body)))
			if err != nil {
				t.Errorf("operator phone: %v", err)
				return
			}
			req.Header = h
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				if ctx.Err() == nil {
					t.Errorf("operator phone: %v", err)
				}
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("operator phone: the webhook answered %d", resp.StatusCode)
				return
			}
		}
	}()
}

// templateReached reports whether the test template went to phone.
func templateReached(fakes *apitest.Fakes, phoneNumberID, phone string) func() bool {
	return func() bool {
		for _, m := range fakes.Graph.Sent(false) {
			if m.PhoneNumberID == phoneNumberID && strings.TrimPrefix(fmt.Sprint(m.Body["to"]), "+") == phone && m.Body["type"] == "template" {
				return true
			}
		}
		return false
	}
}

// textReached reports whether a text containing part went to phone.
func textReached(fakes *apitest.Fakes, phoneNumberID, phone, part string) func() bool {
	return func() bool {
		for _, m := range fakes.Graph.Sent(false) {
			body, _ := m.Body["text"].(map[string]any)
			if m.PhoneNumberID == phoneNumberID && m.Body["to"] == phone && body != nil && strings.Contains(fmt.Sprint(body["body"]), part) {
				return true
			}
		}
		return false
	}
}

// whatsAppText is Meta's webhook for one text message from phone, with the
// sender's profile name.
func whatsAppText(num graphfake.Number, phone, name, text string) []byte {
	value := map[string]any{
		"messaging_product": "whatsapp",
		"metadata":          map[string]string{"display_phone_number": num.Display, "phone_number_id": num.PhoneNumberID},
		"contacts":          []map[string]any{{"profile": map[string]string{"name": name}, "wa_id": phone}},
		"messages": []map[string]any{{"from": phone, "id": "wamid." + uuid.NewString(), "timestamp": strconv.FormatInt(time.Now().Unix(), 10),
			"type": "text", "text": map[string]string{"body": text}}},
	}
	body, _ := json.Marshal(map[string]any{"object": "whatsapp_business_account",
		"entry": []map[string]any{{"id": num.WABAID, "changes": []map[string]any{{"field": "messages", "value": value}}}}})
	return body
}
