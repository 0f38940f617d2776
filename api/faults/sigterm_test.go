package faults_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/fakes/slackfake"
)

// serve gets SIGTERM while clients post events:
//   - requests the server is already handling (here: ones whose body is still
//     on its way) finish with 200 after the signal;
//   - new connections are refused (Slack retries those);
//   - no request the server processed loses its answer: a request that failed
//     other than by a refused connection left nothing in the database;
//   - every acknowledged event is answered exactly once by the worker.
func TestServeSIGTERMUnderLoad(t *testing.T) {
	t.Parallel()
	c := newCluster(t, map[string]string{"SHUTDOWN_TIMEOUT": "15s"})
	serve := c.start("serve")
	c.start("worker")
	tn := c.tenant(serve, nil)

	// Slow requests: the server has entered the handler (it asked for the
	// body with 100 Continue) but the body is held back until after SIGTERM.
	type slow struct {
		e      *event
		body   *io.PipeWriter
		status chan int
		errs   chan error
	}
	var slows []*slow
	for i := 0; i < 3; i++ {
		s := &slow{e: c.event(tn), status: make(chan int, 1), errs: make(chan error, 1)}
		pr, pw := io.Pipe()
		s.body = pw
		inHandler := make(chan struct{})
		req, err := http.NewRequest("POST", serve.URL+"/api/webhooks/slack/events", pr)
		require.NoError(t, err)
		req.ContentLength = int64(len(s.e.body))
		slackfake.Sign(req.Header, c.fakes.SlackSigningSecret, s.e.body, time.Now())
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Expect", "100-continue")
		req = req.WithContext(httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
			Got100Continue: func() { close(inHandler) }}))
		client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true, ExpectContinueTimeout: time.Minute}}
		go func() {
			resp, err := client.Do(req)
			if err != nil {
				s.errs <- err
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			s.status <- resp.StatusCode
		}()
		select {
		case <-inHandler:
		case err := <-s.errs:
			t.Fatalf("slow request: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatal("the server never read the slow request")
		}
		t.Cleanup(func() { _ = pw.Close() })
		slows = append(slows, s)
	}

	// Load: posters send events until the server refuses connections.
	type result struct {
		e      *event
		status int
		err    error
	}
	var (
		mu      sync.Mutex
		results []result
		wg      sync.WaitGroup
	)
	client := noKeepAlive()
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			deadline := time.Now().Add(20 * time.Second)
			for time.Now().Before(deadline) {
				e := c.event(tn)
				status, err := c.post(client, serve.URL, e, 0)
				mu.Lock()
				results = append(results, result{e, status, err})
				mu.Unlock()
				if isRefused(err) {
					return
				}
			}
		}()
	}
	// Let the load run, then stop the server.
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(results) >= 20 }, 10*time.Second, 5*time.Millisecond)
	serve.Signal(t, syscall.SIGTERM)
	wg.Wait()

	// The listener is closed now; the slow requests are still in flight.
	for _, s := range slows {
		_, err := io.Copy(s.body, bytes.NewReader(s.e.body))
		require.NoError(t, err)
		require.NoError(t, s.body.Close())
	}
	for _, s := range slows {
		select {
		case status := <-s.status:
			require.Equal(t, http.StatusOK, status, "a request in flight at SIGTERM finishes")
		case err := <-s.errs:
			t.Fatalf("a request in flight at SIGTERM was cut: %v", err)
		case <-time.After(15 * time.Second):
			t.Fatal("a request in flight at SIGTERM never finished")
		}
	}
	require.NoError(t, serve.Wait(t, 20*time.Second), "serve exits cleanly")

	acked := []*event{}
	for _, s := range slows {
		acked = append(acked, s.e)
	}
	refused, cut := 0, 0
	for _, r := range results {
		switch {
		case r.err == nil:
			require.Equal(t, http.StatusOK, r.status, "event %s", r.e.id)
			acked = append(acked, r.e)
		case isRefused(r.err):
			refused++
		default:
			// Reset before the server accepted the connection: it must not
			// have stored the event (else its acknowledgement was lost).
			cut++
			var n int
			require.NoError(t, c.db.Owner.QueryRow(context.Background(), "SELECT count(*) FROM messages WHERE external_id = $1",
				r.e.channel+":"+r.e.ts).Scan(&n))
			require.Zero(t, n, "event %s was stored but its request failed: %v", r.e.id, r.err)
		}
	}
	require.Equal(t, 4, refused, "each poster stopped at a refused connection")
	t.Logf("%d events acknowledged (%d after SIGTERM), %d refused, %d cut before being accepted", len(acked), len(slows), refused, cut)

	c.waitReplies(acked, 40*time.Second)
	c.settle(15 * time.Second)
	c.assertOnce(acked)
}

func isRefused(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return err != nil && strings.Contains(err.Error(), "connection refused")
}
