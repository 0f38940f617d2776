// Package slackfake is a fake Slack for tests: an httptest server speaking the
// Web API's real wire format (form-encoded requests with the token as a form
// field or Bearer header; HTTP 200 with {"ok":false,"error":…} for app errors;
// 429 with Retry-After), the OAuth authorize page and oauth.v2.access, and
// helpers that sign Events API requests the way Slack does.
//
// Like Slack it keeps the messages it was asked to post (chat.update edits
// one that exists, else message_not_found), and it posts a message the
// moment the request arrives: Failure can then answer late (after the
// client's timeout) or with a 5xx although the message was posted. With
// DeliverEvents it sends the message_metadata_posted event of every posted
// message that carries metadata to the app's Request URL, retrying as Slack
// does.
package slackfake

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Call is one Web API request the fake received.
type Call struct {
	Method string // "chat.postMessage"
	Token  string
	Form   url.Values
	At     time.Time
}

// Install is what oauth.v2.access answers for a code.
type Install struct {
	TeamID, TeamName, BotUserID, AppID, InstallerID, Token string
	Scope                                                  string
}

// Failure makes a method fail: Status (default 200) with Error (an app
// error like "channel_not_found"), 429 with RetryAfter seconds (Status 429
// alone: without Retry-After), or a 5xx.
type Failure struct {
	Status     int
	Error      string
	RetryAfter int
	Times      int // how many calls fail; 0 means all
	// Accepted makes the call take effect (the message is posted, its event
	// sent) before the failure is answered; only a 5xx or Delay can do so.
	Accepted bool
	// Delay holds the answer this long; with nothing else set the call
	// succeeds and the answer comes late.
	Delay time.Duration
}

// Message is a message the fake holds, as a channel shows it now.
type Message struct {
	Token, Channel, ThreadTS, TS, Text string
	Metadata                           map[string]any
}

// Server is the fake.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	calls    []Call
	installs map[string]Install // by code
	tokens   map[string]string  // token -> team id
	revoked  map[string]bool
	failures map[string]*Failure
	faults   func(Call) *Failure
	files    map[string]file // by path
	users    map[string]User // by user id, for users.info
	watchers []chan Call
	seq      int64
	messages map[string]*Message // by token/channel/ts
	order    []string
	apps     map[string]string // token -> app id
	events   *eventTarget
	done     chan struct{}
	closing  sync.Once
	wg       sync.WaitGroup
	// Scopes is sent as X-OAuth-Scopes by auth.test.
	Scopes string
	// AutoApprove makes the authorize page approve at once with this code.
	AutoApprove Install
}

// New starts a fake Slack, closed when the test ends.
func New(t testing.TB) *Server {
	s := NewServer()
	t.Cleanup(s.Close)
	return s
}

// NewServer starts a fake Slack; the caller closes it.
func NewServer() *Server {
	s := &Server{installs: map[string]Install{}, tokens: map[string]string{}, revoked: map[string]bool{}, failures: map[string]*Failure{},
		files: map[string]file{}, messages: map[string]*Message{}, apps: map[string]string{}, users: map[string]User{}, done: make(chan struct{}),
		Scopes: "app_mentions:read,chat:write,im:history,im:write,files:read,metadata.message:read,users:read"}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.api)
	mux.HandleFunc("/oauth/v2/authorize", s.authorize)
	mux.HandleFunc("/files/", s.file)
	s.Server = httptest.NewServer(mux)
	return s
}

// Close stops event deliveries and answers held by Delay, then the server.
func (s *Server) Close() {
	s.closing.Do(func() { close(s.done) })
	s.wg.Wait()
	s.Server.Close()
}

type eventTarget struct {
	url, secret string
	client      *http.Client
	retries     []time.Duration
}

// DeliverEvents makes the fake send a message_metadata_posted event for
// every message posted with metadata to url (the Events API Request URL),
// signed with signingSecret. A delivery not acknowledged with a 2xx is
// retried as Slack does: at once, after retries[0], retries[1], …
// (Slack: 0, 1 min, 5 min), then dropped.
func (s *Server) DeliverEvents(url, signingSecret string, retries ...time.Duration) {
	if len(retries) == 0 {
		retries = []time.Duration{0, time.Minute, 5 * time.Minute}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = &eventTarget{url: url, secret: signingSecret, client: &http.Client{Timeout: 10 * time.Second}, retries: retries}
}

// SetFaults decides each later call's fate (nil: answered normally); it
// replaces Fail while set.
func (s *Server) SetFaults(f func(Call) *Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// Messages returns the messages the fake holds, in the order they were
// posted (what the workspace shows).
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, 0, len(s.order))
	for _, k := range s.order {
		out = append(out, *s.messages[k])
	}
	return out
}

// APIURL is the base to configure as SLACK_API_URL.
func (s *Server) APIURL() string { return s.URL + "/api/" }

// AuthorizeURL is the page to configure as SLACK_AUTHORIZE_URL.
func (s *Server) AuthorizeURL() string { return s.URL + "/oauth/v2/authorize" }

// AddInstall makes code exchangeable for inst; its token becomes valid.
func (s *Server) AddInstall(code string, inst Install) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.installs[code] = inst
}

// User is a person users.info knows.
type User struct {
	ID, RealName, DisplayName string
}

// AddUser makes users.info answer for u (any workspace); unknown users are
// user_not_found, as for a deleted account.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

// Revoke makes a token invalid (as after an uninstall).
func (s *Server) Revoke(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revoked[token] = true
}

// Fail injects a failure for a method.
func (s *Server) Fail(method string, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[method] = &f
}

// Calls returns the calls of a method (all when method is "").
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Watch streams every later call (buffered; benchmarks wait on it).
func (s *Server) Watch() <-chan Call {
	ch := make(chan Call, 1024)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.watchers = append(s.watchers, ch)
	return ch
}

// WaitCalls waits until n calls of method arrived (or fails the test).
func (s *Server) WaitCalls(t testing.TB, method string, n int, timeout time.Duration) []Call {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		calls := s.Calls(method)
		if len(calls) >= n {
			return calls
		}
		if time.Now().After(deadline) {
			t.Fatalf("slackfake: waited %s for %d %s calls, got %d", timeout, n, method, len(calls))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *Server) write(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) api(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	_ = r.ParseForm()
	token := r.Form.Get("token")
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		token = strings.TrimPrefix(h, "Bearer ")
	}
	s.mu.Lock()
	call := Call{Method: method, Token: token, Form: r.Form, At: time.Now()}
	s.calls = append(s.calls, call)
	for _, w := range s.watchers {
		select {
		case w <- call:
		default: // a slow watcher misses calls rather than stalling the fake
		}
	}
	f := s.faults
	var fail *Failure
	if f != nil {
		fail = f(call)
	} else if fail = s.failures[method]; fail != nil {
		if fail.Times > 0 {
			fail.Times--
			if fail.Times == 0 {
				delete(s.failures, method)
			}
		}
	}
	s.mu.Unlock()
	refuse := fail != nil && (fail.RetryAfter > 0 || fail.Status == http.StatusTooManyRequests || fail.Error != "" ||
		(fail.Status >= 500 && !fail.Accepted))
	if refuse {
		s.hold(fail)
		s.fail(w, fail)
		return
	}

	if method == "oauth.v2.access" {
		s.oauthAccess(w, r)
		return
	}
	s.mu.Lock()
	team, known := s.tokens[token]
	revoked := s.revoked[token]
	s.mu.Unlock()
	switch {
	case token == "":
		s.write(w, map[string]any{"ok": false, "error": "not_authed"})
		return
	case revoked:
		s.write(w, map[string]any{"ok": false, "error": "token_revoked"})
		return
	case !known:
		s.write(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}

	var answer map[string]any
	switch method {
	case "auth.test":
		w.Header().Set("X-OAuth-Scopes", s.Scopes)
		answer = map[string]any{"ok": true, "url": "https://fake.slack.com/", "team": "Team " + team, "team_id": team, "user": "konstruct", "user_id": "UBOT", "bot_id": "BBOT"}
	case "chat.postMessage":
		answer = s.postMessage(token, team, r.Form)
	case "chat.update":
		answer = map[string]any{"ok": false, "error": "message_not_found"}
		s.mu.Lock()
		if m := s.messages[token+"/"+r.Form.Get("channel")+"/"+r.Form.Get("ts")]; m != nil {
			m.Text = r.Form.Get("text")
			answer = map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS, "text": m.Text}
		}
		s.mu.Unlock()
	case "users.info":
		s.mu.Lock()
		u, ok := s.users[r.Form.Get("user")]
		s.mu.Unlock()
		answer = map[string]any{"ok": false, "error": "user_not_found"}
		if ok {
			answer = map[string]any{"ok": true, "user": map[string]any{"id": u.ID, "name": strings.ToLower(strings.ReplaceAll(u.RealName, " ", ".")),
				"real_name": u.RealName, "profile": map[string]any{"real_name": u.RealName, "display_name": u.DisplayName}}}
		}
	case "conversations.open":
		users := r.Form.Get("users")
		answer = map[string]any{"ok": true, "channel": map[string]any{"id": "D" + strings.ToUpper(users)}}
	default:
		answer = map[string]any{"ok": false, "error": "unknown_method"}
	}
	if fail != nil {
		s.hold(fail)
		if fail.Status >= 500 {
			s.fail(w, fail)
			return
		}
	}
	s.write(w, answer)
}

// postMessage posts a message and queues its metadata event.
func (s *Server) postMessage(token, team string, form url.Values) map[string]any {
	ch := form.Get("channel")
	if ch == "" {
		return map[string]any{"ok": false, "error": "channel_not_found"}
	}
	ts := s.nextTS()
	m := &Message{Token: token, Channel: ch, ThreadTS: form.Get("thread_ts"), TS: ts, Text: form.Get("text")}
	if raw := form.Get("metadata"); raw != "" {
		_ = json.Unmarshal([]byte(raw), &m.Metadata)
	}
	s.mu.Lock()
	k := token + "/" + ch + "/" + ts
	s.messages[k], s.order = m, append(s.order, k)
	if s.events != nil && m.Metadata != nil {
		s.metadataEvent(team, s.apps[token], *m)
	}
	s.mu.Unlock()
	return map[string]any{"ok": true, "channel": ch, "ts": ts,
		"message": map[string]any{"type": "message", "subtype": "bot_message", "text": m.Text, "ts": ts, "bot_id": "BBOT"}}
}

// metadataEvent queues the message_metadata_posted event of m (s.mu held).
func (s *Server) metadataEvent(team, app string, m Message) {
	target := s.events
	body := Envelope(team, fmt.Sprintf("EvMeta%s", strings.ReplaceAll(m.TS, ".", "")), Event{
		"type": "message_metadata_posted", "app_id": app, "bot_id": "BBOT", "user_id": "UBOT", "team_id": team,
		"channel_id": m.Channel, "metadata": m.Metadata, "message_ts": m.TS, "event_ts": m.TS})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for i, wait := range target.retries {
			select {
			case <-time.After(wait):
			case <-s.done:
				return
			}
			req, err := http.NewRequest(http.MethodPost, target.url, bytes.NewReader(body))
			if err != nil {
				return
			}
			Sign(req.Header, target.secret, body, time.Now())
			req.Header.Set("Content-Type", "application/json")
			if i > 0 {
				req.Header.Set("X-Slack-Retry-Num", strconv.Itoa(i))
				req.Header.Set("X-Slack-Retry-Reason", "http_error")
			}
			resp, err := target.client.Do(req)
			if err == nil {
				_ = resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					return
				}
			}
		}
	}()
}

// hold waits out a failure's Delay (or until the fake closes).
func (s *Server) hold(f *Failure) {
	if f.Delay <= 0 {
		return
	}
	select {
	case <-time.After(f.Delay):
	case <-s.done:
	}
}

func (s *Server) fail(w http.ResponseWriter, f *Failure) {
	switch {
	case f.RetryAfter > 0 || f.Status == http.StatusTooManyRequests:
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		}
		w.WriteHeader(http.StatusTooManyRequests)
		s.write(w, map[string]any{"ok": false, "error": "ratelimited"})
	case f.Status >= 500:
		w.WriteHeader(f.Status)
		fmt.Fprint(w, "<html>upstream error</html>")
	default:
		s.write(w, map[string]any{"ok": false, "error": f.Error})
	}
}

func (s *Server) nextTS() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return fmt.Sprintf("%d.%06d", time.Now().Unix(), s.seq%1000000)
}

func (s *Server) oauthAccess(w http.ResponseWriter, r *http.Request) {
	code := r.Form.Get("code")
	s.mu.Lock()
	inst, ok := s.installs[code]
	if ok {
		delete(s.installs, code) // codes are single-use
		s.tokens[inst.Token] = inst.TeamID
		s.apps[inst.Token] = inst.AppID
	}
	s.mu.Unlock()
	if !ok {
		s.write(w, map[string]any{"ok": false, "error": "invalid_code"})
		return
	}
	if r.Form.Get("client_id") == "" || r.Form.Get("client_secret") == "" {
		s.write(w, map[string]any{"ok": false, "error": "invalid_client_id"})
		return
	}
	scope := inst.Scope
	if scope == "" {
		scope = s.Scopes
	}
	s.write(w, map[string]any{
		"ok": true, "access_token": inst.Token, "token_type": "bot", "scope": scope, "bot_user_id": inst.BotUserID,
		"app_id": inst.AppID, "team": map[string]string{"id": inst.TeamID, "name": inst.TeamName}, "enterprise": nil,
		"is_enterprise_install": false, "authed_user": map[string]string{"id": inst.InstallerID},
	})
}

// authorize plays the user clicking "Allow": it redirects back with a code
// for AutoApprove (or with error=access_denied when none is set).
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || back.Host == "" {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	v := back.Query()
	v.Set("state", q.Get("state"))
	s.mu.Lock()
	inst := s.AutoApprove
	s.mu.Unlock()
	if inst.TeamID == "" {
		v.Set("error", "access_denied")
	} else {
		code := fmt.Sprintf("code-%d", time.Now().UnixNano())
		s.AddInstall(code, inst)
		v.Set("code", code)
	}
	back.RawQuery = v.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// file serves bytes registered with AddFile, to a valid bot token only.
func (s *Server) file(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	_, ok := s.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	f, found := s.files[r.URL.Path]
	s.mu.Unlock()
	if !ok || !found {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.mime)
	_, _ = w.Write(f.data)
}

type file struct {
	mime string
	data []byte
}

// AddFile makes a private file downloadable and returns its url_private_download.
func (s *Server) AddFile(name, mime string, data []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	path := "/files/" + name
	s.files[path] = file{mime: mime, data: data}
	return s.URL + path
}

// Sign sets X-Slack-Request-Timestamp and X-Slack-Signature on h as Slack
// does: v0=hex(HMAC-SHA256(secret, "v0:ts:body")).
func Sign(h http.Header, secret string, body []byte, at time.Time) {
	ts := strconv.FormatInt(at.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("v0:" + ts + ":"))
	m.Write(body)
	h.Set("X-Slack-Request-Timestamp", ts)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(m.Sum(nil)))
}

// Event is the inner event of an Events API delivery.
type Event map[string]any

// Mention builds an app_mention event.
func Mention(user, channel, ts, text string) Event {
	return Event{"type": "app_mention", "user": user, "channel": channel, "ts": ts, "event_ts": ts, "text": text}
}

// DirectMessage builds a message.im event.
func DirectMessage(user, channel, ts, text string) Event {
	return Event{"type": "message", "channel_type": "im", "user": user, "channel": channel, "ts": ts, "event_ts": ts, "text": text}
}

// Envelope wraps an event the way the Events API delivers it.
func Envelope(teamID, eventID string, ev Event) []byte {
	body, _ := json.Marshal(map[string]any{
		"token": "legacy-verification-token", "team_id": teamID, "api_app_id": "AKONSTRUCT", "type": "event_callback",
		"event_id": eventID, "event_time": time.Now().Unix(), "event": ev,
		"authorizations": []map[string]any{{"team_id": teamID, "user_id": "UBOT", "is_bot": true}},
	})
	return body
}
