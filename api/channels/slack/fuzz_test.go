package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/channels"
)

// sign is what Slack sends: v0= and the hex HMAC-SHA256 of "v0:ts:body".
func sign(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("v0:" + ts + ":"))
	m.Write(body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

func headers(ts, sig string) http.Header {
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", ts)
	h.Set("X-Slack-Signature", sig)
	return h
}

// FuzzVerify: a body signed with the secret within the 5-minute window always
// verifies; outside it, with another secret, or with any single byte of the
// body, the timestamp or the signature changed (other than the case of a hex
// digit, which names the same MAC) it never does; an empty secret verifies
// nothing.
func FuzzVerify(f *testing.F) {
	f.Add([]byte(`{"token":"x","challenge":"3eZbrw1a","type":"url_verification"}`), "8f742231b10e8888abcd99yyyzzz85a5", int64(0), uint(3), byte(1))
	f.Add([]byte(`{"type":"event_callback","team_id":"T1","event_id":"Ev1","event":{"type":"app_mention","user":"U1","text":"<@UB> hi","ts":"1.2","channel":"C1"}}`), "s", int64(-299), uint(70), byte(0x20))
	f.Add([]byte{}, "secret", int64(301), uint(0), byte(0xff))
	f.Add([]byte("token=x&command=%2Fask&text=hi"), "\x00", int64(-100000), uint(9), byte('a'^'A'))
	f.Fuzz(func(t *testing.T, body []byte, secret string, offset int64, pos uint, delta byte) {
		offset %= 900 // seconds from now, within ±15 minutes
		ts := strconv.FormatInt(time.Now().Unix()+offset, 10)
		sig := sign(secret, ts, body)
		err := verify(headers(ts, sig), body, secret)
		switch {
		case secret == "":
			if err == nil {
				t.Fatal("an empty signing secret verified a request")
			}
			return
		case offset >= -290 && offset <= 290: // clear of the window's edges
			if err != nil {
				t.Fatalf("correctly signed request %ds from now refused: %v", offset, err)
			}
		case offset <= -310 || offset >= 310:
			if err == nil {
				t.Fatalf("request %ds from now accepted", offset)
			}
			return
		default:
			return
		}
		if verify(headers(ts, sign(secret+"x", ts, body)), body, secret) == nil {
			t.Fatal("signature made with another secret verified")
		}
		if delta == 0 {
			delta = 1
		}
		if len(body) > 0 {
			b := append([]byte(nil), body...)
			b[pos%uint(len(b))] ^= delta
			if verify(headers(ts, sig), b, secret) == nil {
				t.Fatalf("body changed at %d still verifies", pos%uint(len(b)))
			}
		}
		tb := []byte(ts)
		tb[pos%uint(len(tb))] ^= delta
		if verify(headers(string(tb), sig), body, secret) == nil {
			t.Fatalf("timestamp %q changed to %q still verifies", ts, tb)
		}
		sb := []byte(sig)
		i := pos % uint(len(sb))
		sb[i] ^= delta
		sameMAC := i >= 3 && strings.EqualFold(string(sb), sig) // "v0=ABCD…" is the same MAC as "v0=abcd…"
		if verify(headers(ts, string(sb)), body, secret) == nil && !sameMAC {
			t.Fatalf("signature changed at %d still verifies", i)
		}
		if verify(headers(ts, sig[:len(sig)-1]), body, secret) == nil || verify(headers(ts, ""), body, secret) == nil ||
			verify(headers("", sig), body, secret) == nil {
			t.Fatal("truncated or missing headers verify")
		}
	})
}

// FuzzParseEvent: whatever Slack's Events API body, the decoding the webhook
// does never panics, and an event it accepts becomes a message that can be
// stored and answered: the dedupe key is channel:ts, the author is a person
// other than the bot, the thread is in the event's channel, the bot's mention
// is gone from the text, every file is an attachment, and the time is
// plausible. Decoding is stable: the accepted event re-marshalled decodes to
// the same message.
func FuzzParseEvent(f *testing.F) {
	for _, seed := range []string{
		`{"token":"x","team_id":"T1","api_app_id":"A1","type":"event_callback","event_id":"Ev08","event_time":1700000000,` +
			`"event":{"type":"app_mention","user":"U1","text":"<@UBOT> what is our refund policy?","ts":"1700000000.000100","channel":"C1","event_ts":"1700000000.000100"}}`,
		`{"type":"event_callback","team_id":"T1","event_id":"Ev09","event":{"client_msg_id":"c1","type":"message","user":"U2","text":"hi",` +
			`"ts":"1700000001.000200","thread_ts":"1700000000.000100","channel":"D1","channel_type":"im","event_ts":"1700000001.000200"}}`,
		`{"type":"event_callback","team_id":"T1","event_id":"Ev10","event":{"type":"message","subtype":"file_share","user":"U2","text":"",` +
			`"ts":"1700000002.1","channel":"D1","channel_type":"im","files":[{"id":"F1","name":"a.png","mimetype":"image/png","size":12,"url_private_download":"https://files.slack.com/a.png"}]}}`,
		`{"type":"event_callback","team_id":"T1","event_id":"Ev11","event":{"type":"message","subtype":"bot_message","bot_id":"B1","text":"our reply","ts":"1.2","channel":"D1","channel_type":"im"}}`,
		`{"type":"event_callback","team_id":"T1","event_id":"Ev12","event":{"type":"app_mention","user":"U1","text":"<@UBOT>","ts":"1.2","channel":"C1","edited":{"user":"U1","ts":"3.4"}}}`,
		`{"type":"event_callback","team_id":"T1","event":{"type":"app_uninstalled"}}`,
		`{"token":"x","challenge":"3eZbrw1a","type":"url_verification"}`,
		`{"token":"x","type":"app_rate_limited","team_id":"T1","minute_rate_limited":1518467820,"api_app_id":"A1"}`,
		`{"type":"event_callback","event":{"type":"message","user":"U1","text":"a\u0000b","ts":"99999999999999999999.1","channel":"D1","channel_type":"im"}}`,
		`{"type":"event_callback","event":{"type":"app_mention","user":"U1","text":"<@<@UBOT>UBOT>","ts":"x.y","channel":"C1"}}`,
	} {
		f.Add([]byte(seed), "UBOT")
	}
	route := &channels.Route{TenantID: uuid.New(), ConnectionID: uuid.New(), Status: channels.StatusActive}
	f.Fuzz(func(t *testing.T, body []byte, botUser string) {
		var env envelope
		if json.Unmarshal(body, &env) != nil || env.Type != "event_callback" {
			return
		}
		var ev event
		if json.Unmarshal(env.Event, &ev) != nil || !wanted(&ev, botUser) {
			return
		}
		in := inbound(route, &env, &ev, botUser)
		if ev.TS == "" || ev.Channel == "" || in.ExternalID != ev.Channel+":"+ev.TS {
			t.Fatalf("dedupe key %q for channel %q ts %q", in.ExternalID, ev.Channel, ev.TS)
		}
		if in.ParticipantID == "" || in.ParticipantID == botUser || ev.BotID != "" {
			t.Fatalf("accepted a message by %q (bot %q, bot_id %q)", in.ParticipantID, botUser, ev.BotID)
		}
		if in.ChannelRef != ev.Channel || !strings.HasPrefix(in.ThreadKey, ev.Channel+":") {
			t.Fatalf("thread %q / reply channel %q outside channel %q", in.ThreadKey, in.ChannelRef, ev.Channel)
		}
		if ev.Type == "app_mention" && in.ThreadRef == "" {
			t.Fatal("a mention must be answered in a thread")
		}
		if strings.Contains(in.Body, "<@"+botUser+">") {
			t.Fatalf("the bot's mention is left in %q", in.Body)
		}
		if len(in.Attachments) != len(ev.Files) || (in.Body == "" && len(in.Attachments) > 0 && in.Kind != in.Attachments[0].Kind) {
			t.Fatalf("%d files became %d attachments, kind %q", len(ev.Files), len(in.Attachments), in.Kind)
		}
		if at := in.SentAt; !at.IsZero() && (at.Year() < 1970 || at.Year() > 9999) {
			t.Fatalf("implausible time %v from ts %q", at, ev.TS)
		}
		assertStorable(t, in.Storable())

		again, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("re-marshal: %v", err)
		}
		var ev2 event
		if err := json.Unmarshal(again, &ev2); err != nil || !wanted(&ev2, botUser) {
			t.Fatalf("re-marshalled event %s no longer accepted: %v", again, err)
		}
		if in2 := inbound(route, &env, &ev2, botUser); !reflect.DeepEqual(in, in2) {
			t.Fatalf("decoding is unstable:\n%+v\n%+v", in, in2)
		}
	})
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
