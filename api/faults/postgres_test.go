package faults_test

import (
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/dbtest"
)

// pgProxy is a TCP proxy between the konstruct processes and PostgreSQL
// that can play a database restart: Cut drops every open connection and
// refuses new ones (accept, then reset) until Restore. The machine's
// PostgreSQL is shared by every test package running in parallel, so it is
// never restarted itself; to the processes, the proxy going away is
// indistinguishable from the server restarting (connections reset, new
// connections refused, then everything works again with fresh sessions).
type pgProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	down  bool
	conns map[net.Conn]struct{}
}

func newPGProxy(t *testing.T) *pgProxy {
	u, err := url.Parse(dbtest.AdminURL())
	require.NoError(t, err)
	target := u.Host
	if u.Port() == "" {
		target = net.JoinHostPort(u.Hostname(), "5432")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &pgProxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	go p.serve()
	t.Cleanup(func() {
		_ = ln.Close()
		p.Cut()
	})
	return p
}

func (p *pgProxy) Addr() string { return p.ln.Addr().String() }

func (p *pgProxy) serve() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			reset(in)
			continue
		}
		out, err := net.DialTimeout("tcp", p.target, 5*time.Second)
		if err != nil {
			reset(in)
			continue
		}
		p.mu.Lock()
		if p.down {
			p.mu.Unlock()
			reset(in)
			reset(out)
			continue
		}
		p.conns[in], p.conns[out] = struct{}{}, struct{}{}
		p.mu.Unlock()
		go p.pipe(in, out)
		go p.pipe(out, in)
	}
}

func (p *pgProxy) pipe(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.mu.Unlock()
	_ = dst.Close()
	_ = src.Close()
}

// Cut resets every connection and refuses new ones.
func (p *pgProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		reset(c)
	}
	p.conns = map[net.Conn]struct{}{}
}

// Restore accepts connections again.
func (p *pgProxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}

func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

// PostgreSQL goes away for a few seconds in the middle of a burst of Slack
// events. Events refused meanwhile get a non-2xx answer and are delivered
// again by "Slack" afterwards; every event acknowledged with a 2xx is
// answered exactly once, and no message is answered twice.
func TestPostgresOutageDuringBurst(t *testing.T) {
	t.Parallel()
	c := newCluster(t, map[string]string{"JOB_RESCUE_AFTER": "5s"})
	proxy := newPGProxy(t)
	c.viaProxy(proxy.Addr())
	serve := c.start("serve")
	worker := c.start("worker")
	tenants := []tenant{c.tenant(serve, nil), c.tenant(serve, nil)}

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
	client.Timeout = 10 * time.Second
	stop := make(chan struct{})
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				e := c.event(tenants[i%len(tenants)])
				status, err := c.post(client, serve.URL, e, 0)
				mu.Lock()
				results = append(results, result{e, status, err})
				mu.Unlock()
				if err != nil || status/100 != 2 {
					time.Sleep(250 * time.Millisecond) // back off while refused, as Slack does
				}
				time.Sleep(25 * time.Millisecond)
			}
		}()
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(results) }
	require.Eventually(t, func() bool { return count() >= 20 }, 10*time.Second, 5*time.Millisecond)
	proxy.Cut()
	outageStart := count()
	time.Sleep(3 * time.Second) // the outage lasts this long: not an assertion
	duringOutage := count() - outageStart
	proxy.Restore()
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()

	// Slack redelivers what was not acknowledged with a 2xx.
	var events []*event
	refused := 0
	for _, r := range results {
		events = append(events, r.e)
		if r.err == nil && r.status/100 == 2 {
			continue
		}
		refused++
		require.True(t, r.err != nil || r.status >= 500, "refused with a status Slack retries: %d", r.status)
		deadline := time.Now().Add(20 * time.Second)
		for retry := 1; ; retry++ {
			status, err := c.post(client, serve.URL, r.e, retry)
			if err == nil && status/100 == 2 {
				break
			}
			require.True(t, time.Now().Before(deadline), "event %s still refused after the outage: %d %v", r.e.id, status, err)
			time.Sleep(100 * time.Millisecond)
		}
	}
	require.Positive(t, refused, "the outage refused events")
	require.Positive(t, duringOutage, "events were posted during the outage")
	t.Logf("%d events, %d refused during the outage and redelivered", len(events), refused)

	c.waitReplies(events, 45*time.Second)
	c.settle(45 * time.Second)
	c.assertOnce(events)
	byState, attempts := c.turnJobs()
	require.Equal(t, map[string]int{"completed": len(events)}, byState, "one job per message")
	t.Logf("%d turn attempts for %d turns; %d sends recorded only after a retry", attempts, len(events),
		strings.Count(worker.logs.String(), "recording a sent message failed"))
}
