package whatsapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/channels"
	"github.com/konstruct/konstruct/api/conversations"
)

func sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// FuzzValidSignature: a body signed with the app secret always verifies;
// with another secret, without the sha256= prefix, truncated, or with any
// single byte of the body or the header changed (other than the case of a
// hex digit, which names the same MAC) it never does.
func FuzzValidSignature(f *testing.F) {
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[]}`), "app-secret", uint(0), byte(1))
	f.Add([]byte{}, "", uint(7), byte('a'^'A'))
	f.Add([]byte("\xff\x00"), "s\x00", uint(70), byte(0x80))
	f.Fuzz(func(t *testing.T, body []byte, secret string, pos uint, delta byte) {
		sig := sign(secret, body)
		if !validSignature(sig, body, secret) {
			t.Fatal("correctly signed body refused")
		}
		if validSignature(sign(secret+"x", body), body, secret) {
			t.Fatal("signature made with another secret verified")
		}
		if validSignature(strings.TrimPrefix(sig, "sha256="), body, secret) || validSignature(sig[:len(sig)-2], body, secret) ||
			validSignature("", body, secret) || validSignature("sha256=", body, secret) {
			t.Fatal("a header without prefix, truncated or empty verified")
		}
		if delta == 0 {
			delta = 1
		}
		if len(body) > 0 {
			b := append([]byte(nil), body...)
			b[pos%uint(len(b))] ^= delta
			if validSignature(sig, b, secret) {
				t.Fatalf("body changed at %d still verifies", pos%uint(len(b)))
			}
		}
		sb := []byte(sig)
		i := pos % uint(len(sb))
		sb[i] ^= delta
		sameMAC := i >= uint(len("sha256=")) && strings.EqualFold(string(sb), sig)
		if validSignature(string(sb), body, secret) && !sameMAC {
			t.Fatalf("header changed at %d still verifies", i)
		}
	})
}

// FuzzParseWebhook: whatever the webhook body, decoding never panics; every
// message it accepts has its wamid as the dedupe key, a sender (phone or
// business-scoped id) that keys the thread and receives the reply, its own
// type as kind, a plausible time, and is storable after Receive's
// normalisation; statuses become storable JSON patches. Decoding is stable:
// the payload re-marshalled decodes to the same messages.
func FuzzParseWebhook(f *testing.F) {
	for _, seed := range []string{
		`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{` +
			`"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},` +
			`"contacts":[{"profile":{"name":"Sheena"},"wa_id":"16505551234","user_id":"US.13491208655302741918","country_code":"US"}],` +
			`"messages":[{"from":"16505551234","from_user_id":"US.13491208655302741918","id":"wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTdCNTg5RjY1MEEyQjZFNUIxNwA=",` +
			`"timestamp":"1749416383","type":"text","text":{"body":"hi"}}]}}]}]}`,
		`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1"},` +
			`"messages":[{"from_user_id":"US.1349","id":"wamid.2","timestamp":"1749416384","type":"image","image":{"id":"1479537139650973","mime_type":"image/jpeg","sha256":"abc","caption":"what is this?"}},` +
			`{"from":"16505551234","id":"wamid.3","timestamp":"1749416385","type":"audio","audio":{"id":"m2","mime_type":"audio/ogg; codecs=opus","voice":true}},` +
			`{"from":"16505551234","id":"wamid.4","timestamp":"1749416386","type":"document","document":{"id":"m3","mime_type":"application/pdf","filename":"invoice.pdf"}},` +
			`{"from":"16505551234","id":"wamid.5","timestamp":"1749416387","type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"r1","title":"Refunds","description":"money back"}}},` +
			`{"from":"16505551234","id":"wamid.6","timestamp":"1749416388","type":"button","button":{"payload":"YES","text":"Yes"}},` +
			`{"from":"16505551234","id":"wamid.7","timestamp":"1749416389","type":"location","location":{"latitude":52.52,"longitude":13.405,"name":"Office","address":"Main St 1"}},` +
			`{"from":"16505551234","id":"wamid.8","timestamp":"1749416390","type":"reaction","reaction":{"message_id":"wamid.1","emoji":"👍"}},` +
			`{"from":"16505551234","id":"wamid.9","timestamp":"1749416391","type":"unsupported","errors":[{"code":131051,"title":"Message type unknown"}]}]}}]}]}`,
		`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1"},` +
			`"statuses":[{"id":"wamid.out","status":"failed","timestamp":"1749416390","recipient_id":"16505551234",` +
			`"errors":[{"code":131047,"title":"Re-engagement message","error_data":{"details":"more than 24 hours"}}]}]}}]}]}`,
		`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[` +
			`{"from":"1\u0000","id":"wamid.\u0000","timestamp":"99999999999999","type":"text","text":{"body":"a\u0000b"}},` +
			`{"from":"","id":"wamid.x","type":"text","text":{"body":"nobody"}},{"from":"1","id":"","type":"text","text":{"body":"no id"}}],` +
			`"statuses":[{"id":"x\u0000","status":"read","timestamp":"-1"}]}}]}]}`,
		`{"entry":[{"changes":[{"field":"messages","value":{"messages":[{"from":"1","id":"w","type":"text"},{"from":"1","id":"w2","type":"interactive","interactive":{"type":"nfm_reply"}}]}}]}]}`,
	} {
		f.Add([]byte(seed))
	}
	route := &channels.Route{TenantID: uuid.New(), ConnectionID: uuid.New(), Status: channels.StatusActive}
	decode := func(body []byte) (*payload, []any) {
		var p payload
		if json.Unmarshal(body, &p) != nil {
			return nil, nil
		}
		var out []any
		for _, e := range p.Entry {
			for _, ch := range e.Changes {
				v := ch.Value
				contacts := contactsOf(&v)
				for i := range v.Messages {
					if in, ok := firstContact(route, &v.Messages[i], contacts); ok {
						out = append(out, in)
					}
				}
				for _, st := range v.Statuses {
					if id, patch, ok := statusPatch(st); ok {
						out = append(out, id, string(patch))
					}
				}
			}
		}
		return &p, out
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, out := decode(body)
		if p == nil {
			return
		}
		for _, e := range p.Entry {
			for _, ch := range e.Changes {
				contacts := contactsOf(&ch.Value)
				for i := range ch.Value.Messages {
					m := &ch.Value.Messages[i]
					in, ok := firstContact(route, m, contacts)
					if !ok {
						continue
					}
					who := m.From
					if who == "" {
						who = m.FromUserID
					}
					switch {
					case m.ID == "" || in.ExternalID != m.ID:
						t.Fatalf("dedupe key %q for message id %q", in.ExternalID, m.ID)
					case who == "" || in.ParticipantID != who || in.ChannelRef != who || in.ThreadKey != "wa:"+who:
						t.Fatalf("sender %q/%q became participant %q, reply to %q, thread %q", m.From, m.FromUserID, in.ParticipantID, in.ChannelRef, in.ThreadKey)
					case in.ParticipantPhone != m.From || in.Kind != m.Type:
						t.Fatalf("phone %q kind %q from %q %q", in.ParticipantPhone, in.Kind, m.From, m.Type)
					case m.Type == "text" && in.Body != m.Text.Body:
						t.Fatalf("text %q became %q", m.Text.Body, in.Body)
					}
					if at := in.SentAt; !at.IsZero() && (at.Year() < 1970 || at.Year() > 9999) {
						t.Fatalf("implausible time %v from %q", at, m.Timestamp)
					}
					assertStorable(t, in.Storable())
				}
				for _, st := range ch.Value.Statuses {
					id, patch, ok := statusPatch(st)
					if !ok {
						continue
					}
					var back map[string]any
					if id == "" || strings.ContainsRune(id, 0) || json.Unmarshal(patch, &back) != nil || back["status"] == "" ||
						strings.Contains(string(patch), `\u0000`) {
						t.Fatalf("status patch %q for %q", patch, id)
					}
				}
			}
		}
		again, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("re-marshal: %v", err)
		}
		_, out2 := decode(again)
		if len(out) != len(out2) {
			t.Fatalf("decoding is unstable: %d then %d items", len(out), len(out2))
		}
		for i := range out {
			a, b := out[i], out2[i]
			if s, ok := a.(string); ok && strings.Contains(s, `"status_at"`) {
				continue // a status without a valid time is stamped now
			}
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("decoding is unstable:\n%+v\n%+v", a, b)
			}
		}
	})
}

func contactsOf(v *value) map[string]contact {
	contacts := map[string]contact{}
	for _, c := range v.Contacts {
		for _, id := range []string{c.WaID, c.UserID} {
			if id != "" {
				contacts[id] = c
			}
		}
	}
	return contacts
}

// firstContact maps m as the webhook does for a person seen for the first
// time (whatsapp_person keys them by phone, else by BSUID).
func firstContact(route *channels.Route, m *message, contacts map[string]contact) (conversations.Inbound, bool) {
	in, ok := inbound(route, m)
	if !ok {
		return in, false
	}
	who := identify(m, contacts)
	who.Key = who.Phone
	if who.Key == "" {
		who.Key = who.BSUID
	}
	return from(in, who), true
}

// assertStorable checks what a parser hands to conversations.Receive after its
// normalisation: valid UTF-8 without NUL, a time PostgreSQL can hold.
func assertStorable(t *testing.T, in any) {
	t.Helper()
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			if s := v.String(); !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
				t.Fatalf("unstorable text %q", s)
			}
		case reflect.Struct:
			if tm, ok := v.Interface().(time.Time); ok {
				if tm.Year() < 1970 || tm.After(time.Now().Add(25*time.Hour)) {
					t.Fatalf("unstorable time %v", tm)
				}
				return
			}
			for i := 0; i < v.NumField(); i++ {
				walk(v.Field(i))
			}
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i))
			}
		}
	}
	walk(reflect.ValueOf(in))
}
