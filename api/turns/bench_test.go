package turns_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/konstruct/konstruct/api/fakes/slackfake"
)

// BenchmarkTurnOverhead measures what Konstruct adds to a reply: from the
// moment the webhook's transaction committed (its 200) to the answer arriving
// at Slack (chat.update), with a model that answers at once and no debounce.
// Reported as p50 and p99 milliseconds over the run.
func BenchmarkTurnOverhead(b *testing.B) {
	bn := setupBench(b)
	updates := bn.f.Slack.Watch()
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ts := fmt.Sprintf("1800000000.%06d", i)
		body := slackfake.Envelope(bn.ws.TeamID, fmt.Sprintf("EvTurn%d", i), slackfake.Mention("UBENCH", "CTURN", ts, "<@"+bn.ws.BotUserID+"> hi"))
		r := bn.s.SlackEvent(b, bn.f, body)
		committed := time.Now()
		if r.Status != http.StatusOK {
			b.Fatalf("webhook %d", r.Status)
		}
		deadline := time.After(10 * time.Second)
	wait:
		for {
			select {
			case c := <-updates:
				if c.Method == "chat.update" {
					lat = append(lat, c.At.Sub(committed))
					break wait
				}
			case <-deadline:
				b.Fatal("no reply within 10s")
			}
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
}
