// Package graphfake is a fake Meta Graph API (WhatsApp Cloud API) for tests:
// phone number and account lookups, webhook subscriptions, sending messages
// (to a phone number in "to" or a business-scoped user id in "recipient")
// and marking them read, media download, with Meta's error object on failure;
// plus helpers that build and sign webhook deliveries the way Meta does.
//
// Like Meta, it accepts a message the moment the request arrives: a send is
// recorded as delivered to the user before any answer is written, and
// Failure can then answer late (after the client's timeout) or with a 5xx
// although the message went out. With DeliverStatuses it sends the status
// webhooks Meta sends for every accepted message (sent, then delivered), with
// the biz_opaque_callback_data of the send, retrying a delivery that is not
// acknowledged with a 2xx.
package graphfake

import (
	"bytes"
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
	// WAMID is set when Meta accepted the message: the user received it,
	// whatever the HTTP answer said.
	WAMID string
}

// Recipient is who a message was sent to: "to" (a phone number) when
// given, else "recipient" (a BSUID), as Meta resolves them.
func (m Sent) Recipient() string {
	if to, _ := m.Body["to"].(string); to != "" {
		return to
	}
	r, _ := m.Body["recipient"].(string)
	return r
}

// Text is the body of a text message.
func (m Sent) Text() string {
	t, _ := m.Body["text"].(map[string]any)
	s, _ := t["body"].(string)
	return s
}

// Failure makes sends fail with Meta's error object (or a bare status).
type Failure struct {
	Status     int
	Code       int
	Message    string
	RetryAfter int // seconds; 0 sends no Retry-After header
	Times      int
	// Accepted makes the message go out (recorded, statuses sent) before the
	// failure is answered: a 5xx or a timeout the sender cannot tell from a
	// refusal.
	Accepted bool
	// Delay holds the answer this long; with Status 0 the message is
	// accepted and the success answer comes late (after a client timeout).
	Delay time.Duration
}

// Server is the fake.
type Server struct {
	*httptest.Server

	mu         sync.Mutex
	numbers    map[string]Number
	subscribed map[string]bool // waba id
	sent       []Sent
	failure    *Failure
	faults     func(Sent) *Failure
	media      map[string]Media
	seq        int
	hooks      *hookTarget
	done       chan struct{}
	closeOnce  sync.Once
	wg         sync.WaitGroup
	// AppID is reported as subscribed to accounts.
	AppID string
	// BSUIDUnsupported makes sends to a BSUID ("recipient") fail with error
	// 131062, as for message kinds that do not support BSUIDs.
	BSUIDUnsupported bool
}

type hookTarget struct {
	url, secret string
	client      *http.Client
	retryAfter  func(attempt int) time.Duration
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
	s := &Server{numbers: map[string]Number{}, subscribed: map[string]bool{}, media: map[string]Media{}, AppID: "1234567890",
		done: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Close stops status deliveries and answers held by Delay, then the server.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.done) })
	s.wg.Wait()
	s.Server.Close()
}

// DeliverStatuses makes the fake send Meta's status webhooks for every
// accepted message to url, signed with appSecret: "sent" at once, then
// "delivered". A delivery not acknowledged with a 2xx is retried (after 0.5
// s, doubling to 5 s) until it is, as Meta retries for days.
func (s *Server) DeliverStatuses(url, appSecret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hooks = &hookTarget{url: url, secret: appSecret, client: &http.Client{Timeout: 10 * time.Second},
		retryAfter: func(attempt int) time.Duration { return min(500*time.Millisecond<<min(attempt, 4), 5*time.Second) }}
}

// SetFaults decides each later send's fate (nil: answered normally); it
// replaces FailSends while set.
func (s *Server) SetFaults(f func(Sent) *Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
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

// Accepted returns the messages Meta accepted: what users received.
func (s *Server) Accepted() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Sent
	for _, m := range s.sent {
		if m.WAMID != "" {
			out = append(out, m)
		}
	}
	return out
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
		if body["status"] == "read" {
			s.sent = append(s.sent, Sent{PhoneNumberID: id, Token: token, Body: body, At: time.Now()})
			ok(w, map[string]any{"success": true})
			return
		}
		s.send(w, Sent{PhoneNumberID: id, Token: token, Body: body, At: time.Now()})
	default:
		graphError(w, http.StatusBadRequest, 100, "Unsupported request")
	}
}

// send handles a message send with s.mu held: the fault to play, Meta's
// acceptance (recorded at once, statuses queued), then the answer, which
// may be held (Delay) with the lock released.
func (s *Server) send(w http.ResponseWriter, m Sent) {
	var f *Failure
	switch {
	case s.faults != nil:
		f = s.faults(m)
	case s.failure != nil:
		f = s.failure
		if f.Times > 0 {
			if f.Times--; f.Times == 0 {
				s.failure = nil
			}
		}
	}
	to, _ := m.Body["to"].(string)
	recipient, _ := m.Body["recipient"].(string)
	refused := f != nil && (f.Status != 0 || f.Code != 0) && !f.Accepted
	switch {
	case to == "" && recipient == "":
		refused, f = true, &Failure{Status: http.StatusBadRequest, Code: 100, Message: "The parameter to or recipient is required."}
	case to != "" && !phoneNumber(to):
		// "to" takes phone numbers only; a BSUID goes in "recipient".
		refused, f = true, &Failure{Status: http.StatusBadRequest, Code: 100, Message: "(#100) Invalid parameter: to must be a phone number."}
	}
	if to == "" && recipient != "" && s.BSUIDUnsupported && !refused {
		refused, f = true, &Failure{Status: http.StatusBadRequest, Code: 131062,
			Message: "Business-scoped User ID (BSUID) recipients are not supported for this message."}
	}
	if !refused {
		s.seq++
		m.WAMID = fmt.Sprintf("wamid.fake-%d", s.seq)
		if s.hooks != nil {
			s.statuses(m)
		}
	}
	s.sent = append(s.sent, m)
	if f != nil && f.Delay > 0 {
		s.mu.Unlock()
		select {
		case <-time.After(f.Delay):
		case <-s.done:
		}
		s.mu.Lock()
	}
	if f != nil && (f.Status != 0 || f.Code != 0) {
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
	contact := map[string]string{"input": to, "wa_id": to}
	if to == "" {
		contact = map[string]string{"input": recipient, "user_id": recipient}
	}
	ok(w, map[string]any{"messaging_product": "whatsapp", "contacts": []map[string]string{contact},
		"messages": []map[string]string{{"id": m.WAMID}}})
}

func phoneNumber(s string) bool {
	s = strings.TrimPrefix(s, "+")
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// statuses queues the status webhooks of an accepted message (s.mu held).
func (s *Server) statuses(m Sent) {
	n, h := s.numbers[m.PhoneNumberID], s.hooks
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for _, state := range []string{"sent", "delivered"} {
			st := map[string]any{"id": m.WAMID, "status": state, "timestamp": strconv.FormatInt(time.Now().Unix(), 10)}
			if to, _ := m.Body["to"].(string); to != "" {
				st["recipient_id"] = to
			} else {
				st["recipient_user_id"] = m.Body["recipient"]
			}
			if cb, _ := m.Body["biz_opaque_callback_data"].(string); cb != "" {
				st["biz_opaque_callback_data"] = cb
			}
			if !s.post(h, Delivery(n, nil, []map[string]any{st})) {
				return
			}
		}
	}()
}

// post delivers one webhook until it is acknowledged; false when the fake
// is closing.
func (s *Server) post(h *hookTarget, body []byte) bool {
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequest(http.MethodPost, h.url, bytes.NewReader(body))
		if err != nil {
			return false
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Hub-Signature-256", Sign(body, h.secret))
		resp, err := h.client.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				return true
			}
		}
		select {
		case <-time.After(h.retryAfter(attempt)):
		case <-s.done:
			return false
		}
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

// WithUser adds the sender's business-scoped user id, as Meta sends it since
// 2026 (from_user_id, and user_id in contacts); with from empty the message
// carries the BSUID only, as for a user with a username.
func WithUser(m Message, bsuid, from string) Message {
	out := Message{}
	for k, v := range m {
		out[k] = v
	}
	out["from_user_id"] = bsuid
	if from == "" {
		delete(out, "from")
	} else {
		out["from"] = from
	}
	return out
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
			c := map[string]any{"profile": map[string]string{"name": "Chat User"}}
			if from, _ := m["from"].(string); from != "" {
				c["wa_id"] = from
			}
			if user, _ := m["from_user_id"].(string); user != "" {
				c["user_id"] = user
			}
			contacts = append(contacts, c)
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
