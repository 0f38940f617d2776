// Package graphfake is a fake Meta Graph API (WhatsApp Cloud API) for tests:
// phone number and account lookups, webhook subscriptions, sending messages
// and marking them read, media download, with Meta's error object on failure;
// plus helpers that build and sign webhook deliveries the way Meta does.
package graphfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Version is the Graph API version the fake serves.
const Version = "v25.0"

// Number is a WhatsApp business number known to the fake.
type Number struct {
	PhoneNumberID string
	WABAID        string
	Display       string
	VerifiedName  string
	Token         string // the system user token that may use it
}

// Sent is one POST to /{phone}/messages.
type Sent struct {
	PhoneNumberID string
	Token         string
	Body          map[string]any
	At            time.Time
}

// Failure makes sends fail with Meta's error object (or a bare status).
type Failure struct {
	Status     int
	Code       int
	Message    string
	RetryAfter int
	Times      int
}

// Server is the fake.
type Server struct {
	*httptest.Server

	mu         sync.Mutex
	numbers    map[string]Number
	subscribed map[string]bool // waba id
	sent       []Sent
	failure    *Failure
	media      map[string]Media
	seq        int
	// AppID is reported as subscribed to accounts.
	AppID string
}

// Media is a file the user sent.
type Media struct {
	Mime string
	Data []byte
}

// New starts a fake Graph API, closed when the test ends.
func New(t testing.TB) *Server {
	s := NewServer()
	t.Cleanup(s.Close)
	return s
}

// NewServer starts a fake Graph API; the caller closes it.
func NewServer() *Server {
	s := &Server{numbers: map[string]Number{}, subscribed: map[string]bool{}, media: map[string]Media{}, AppID: "1234567890"}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// AddNumber registers a number.
func (s *Server) AddNumber(n Number) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.numbers[n.PhoneNumberID] = n
}

// AddMedia registers a media id and its bytes.
func (s *Server) AddMedia(id string, m Media) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.media[id] = m
}

// Unsubscribe removes an account's webhook subscription.
func (s *Server) Unsubscribe(waba string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.subscribed, waba)
}

// Subscribed reports whether an account's webhooks are subscribed.
func (s *Server) Subscribed(waba string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.subscribed[waba]
}

// FailSends injects a failure for message sends.
func (s *Server) FailSends(f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failure = &f
}

// Sent returns the messages sent (excluding read receipts unless all).
func (s *Server) Sent(includeRead bool) []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Sent
	for _, m := range s.sent {
		if includeRead || m.Body["status"] != "read" {
			out = append(out, m)
		}
	}
	return out
}

// WaitSent waits until n messages (not read receipts) were sent.
func (s *Server) WaitSent(t testing.TB, n int, timeout time.Duration) []Sent {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		sent := s.Sent(false)
		if len(sent) >= n {
			return sent
		}
		if time.Now().After(deadline) {
			t.Fatalf("graphfake: waited %s for %d sends, got %d", timeout, n, len(sent))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func graphError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"message": msg, "type": "OAuthException", "code": code, "fbtrace_id": "AFakeTrace"}})
}

func ok(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/media-bytes/") {
		s.mediaBytes(w, r)
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 2 || parts[0] != Version {
		graphError(w, http.StatusBadRequest, 2500, "Unknown path components")
		return
	}
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	defer s.mu.Unlock()
	valid := false
	for _, n := range s.numbers {
		if n.Token == token && token != "" {
			valid = true
		}
	}
	if !valid {
		graphError(w, http.StatusUnauthorized, 190, "Invalid OAuth access token - Cannot parse access token")
		return
	}
	id := parts[1]
	switch {
	case len(parts) == 2 && r.Method == http.MethodGet:
		if m, found := s.media[id]; found {
			ok(w, map[string]any{"messaging_product": "whatsapp", "url": s.URL + "/media-bytes/" + id, "mime_type": m.Mime,
				"sha256": "fake", "file_size": strconv.Itoa(len(m.Data)), "id": id})
			return
		}
		n, found := s.numbers[id]
		if !found || n.Token != token {
			graphError(w, http.StatusBadRequest, 100, "Unsupported get request. Object with ID '"+id+"' does not exist, cannot be loaded due to missing permissions, or does not support this operation.")
			return
		}
		ok(w, map[string]any{"id": n.PhoneNumberID, "display_phone_number": n.Display, "verified_name": n.VerifiedName, "quality_rating": "GREEN"})
	case len(parts) == 3 && parts[2] == "phone_numbers" && r.Method == http.MethodGet:
		var data []map[string]string
		known := false
		for _, n := range s.numbers {
			if n.WABAID == id && n.Token == token {
				known = true
				data = append(data, map[string]string{"id": n.PhoneNumberID})
			}
		}
		if !known {
			graphError(w, http.StatusBadRequest, 100, "Unsupported get request. Object with ID '"+id+"' does not exist.")
			return
		}
		ok(w, map[string]any{"data": data})
	case len(parts) == 3 && parts[2] == "subscribed_apps":
		if r.Method == http.MethodPost {
			s.subscribed[id] = true
			ok(w, map[string]any{"success": true})
			return
		}
		data := []map[string]any{}
		if s.subscribed[id] {
			data = append(data, map[string]any{"whatsapp_business_api_data": map[string]string{"id": s.AppID, "name": "Konstruct"}})
		}
		ok(w, map[string]any{"data": data})
	case len(parts) == 3 && parts[2] == "messages" && r.Method == http.MethodPost:
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			graphError(w, http.StatusBadRequest, 100, "Invalid JSON")
			return
		}
		if body["messaging_product"] != "whatsapp" {
			graphError(w, http.StatusBadRequest, 100, "The parameter messaging_product is required.")
			return
		}
		s.sent = append(s.sent, Sent{PhoneNumberID: id, Token: token, Body: body, At: time.Now()})
		if f := s.failure; f != nil && body["status"] != "read" {
			if f.Times > 0 {
				if f.Times--; f.Times == 0 {
					s.failure = nil
				}
			}
			if f.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
			}
			if f.Code == 0 {
				w.WriteHeader(f.Status)
				return
			}
			graphError(w, f.Status, f.Code, f.Message)
			return
		}
		if body["status"] == "read" {
			ok(w, map[string]any{"success": true})
			return
		}
		s.seq++
		to, _ := body["to"].(string)
		ok(w, map[string]any{"messaging_product": "whatsapp", "contacts": []map[string]string{{"input": to, "wa_id": to}},
			"messages": []map[string]string{{"id": fmt.Sprintf("wamid.fake-%d", s.seq)}}})
	default:
		graphError(w, http.StatusBadRequest, 100, "Unsupported request")
	}
}

func (s *Server) mediaBytes(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/media-bytes/")
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	m, found := s.media[id]
	valid := false
	for _, n := range s.numbers {
		valid = valid || (n.Token == token && token != "")
	}
	s.mu.Unlock()
	if !valid {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if !found {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", m.Mime)
	_, _ = w.Write(m.Data)
}

// Sign returns the X-Hub-Signature-256 value Meta sends for body.
func Sign(body []byte, appSecret string) string {
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Message is an inbound WhatsApp message as Meta delivers it.
type Message map[string]any

// Text builds a text message from a phone number.
func Text(from, wamid, body string) Message {
	return Message{"from": from, "id": wamid, "timestamp": strconv.FormatInt(time.Now().Unix(), 10), "type": "text", "text": map[string]string{"body": body}}
}

// Image builds an image message.
func Image(from, wamid, mediaID, caption string) Message {
	return Message{"from": from, "id": wamid, "timestamp": strconv.FormatInt(time.Now().Unix(), 10), "type": "image",
		"image": map[string]string{"id": mediaID, "mime_type": "image/png", "sha256": "fake", "caption": caption}}
}

// Delivery builds a webhook body for a number with messages and statuses.
func Delivery(n Number, messages []Message, statuses []map[string]any) []byte {
	value := map[string]any{
		"messaging_product": "whatsapp",
		"metadata":          map[string]string{"display_phone_number": n.Display, "phone_number_id": n.PhoneNumberID},
	}
	if len(messages) > 0 {
		var contacts []map[string]any
		for _, m := range messages {
			contacts = append(contacts, map[string]any{"profile": map[string]string{"name": "Chat User"}, "wa_id": m["from"]})
		}
		value["contacts"] = contacts
		value["messages"] = messages
	}
	if len(statuses) > 0 {
		value["statuses"] = statuses
	}
	body, _ := json.Marshal(map[string]any{"object": "whatsapp_business_account",
		"entry": []map[string]any{{"id": n.WABAID, "changes": []map[string]any{{"field": "messages", "value": value}}}}})
	return body
}
