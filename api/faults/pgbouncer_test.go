package faults_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// The supported topology with a transaction-mode pgbouncer (docs/scaling.md):
// serve processes connect through it, workers connect directly (River's
// LISTEN and its session-scoped work need a session). Everything a serve
// process does, it does through the pooler here: sign-up and sign-in, the
// portal API by cookie and by token, a Slack install, and webhook ingest
// (message row and turn job in one transaction). The pool has fewer server
// connections than the serve process has clients, so transactions of
// different clients share server connections, which is where session state
// and per-connection prepared statements would break.
func TestServeThroughPgBouncerTransactionMode(t *testing.T) {
	t.Parallel()
	c := newCluster(t, map[string]string{"DB_MAX_CONNS": "12"})
	bouncer := startPgBouncer(t, c.db.Name, 3)

	// serve through pgbouncer. pgbouncer before 1.21 cannot carry named
	// prepared statements across server connections, so pgx describes
	// statements per connection and runs them unnamed (one round trip, as
	// before; see docs/scaling.md).
	c.appURL = withQuery(t, withHost(t, c.db.AppURL, bouncer.addr), "default_query_exec_mode", bouncer.execMode)
	srv := c.start("serve")
	c.appURL = c.db.AppURL
	c.start("worker")

	// The portal: sign-up (cookie session), an agent, a Slack install,
	// an API token used by an integrator.
	tn := c.tenant(srv, nil)
	token := tn.acct.Token(t, "admin")
	api := c.api(srv).WithToken(t, token)
	r := api.Do("GET", "/api/portal/tenants/"+tn.acct.TenantID.String()+"/agents", nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Contains(t, string(r.Body), `"Ada"`)
	r = tn.acct.Client.Do("GET", "/api/portal/tenants/"+tn.acct.TenantID.String()+"/audit-events", nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = tn.acct.Client.Do("GET", "/api/portal/tenants/"+tn.acct.TenantID.String()+"/agents/00000000-0000-0000-0000-000000000000", nil)
	require.Equal(t, http.StatusNotFound, r.Status, "a refused query leaves the pooled connection usable: %s", r.Body)

	// Webhook ingest, concurrently, answered once each by the direct worker.
	var events []*event
	for range 24 {
		events = append(events, c.event(tn))
	}
	client := noKeepAlive()
	var wg sync.WaitGroup
	errs := make(chan error, len(events))
	for _, e := range events {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, err := c.post(client, srv.URL, e, 0)
			if err == nil && status != http.StatusOK {
				err = &statusError{status}
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	// A redelivery through the pooler is recognised as a duplicate.
	status, err := c.post(client, srv.URL, events[0], 1)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)

	c.waitReplies(events, 40*time.Second)
	c.settle(15 * time.Second)
	c.assertOnce(events)

	// The serve process's transactions really went through pgbouncer (its
	// counters are published every stats_period).
	require.Eventually(t, func() bool { return bouncer.stats(t).transactions > int64(len(events)) }, 10*time.Second, 100*time.Millisecond,
		"pgbouncer saw the serve process's transactions")
	require.Zero(t, strings.Count(bouncer.log.String(), "prepared statement"), "pgbouncer log:\n%s", bouncer.log.String())
}

type pgBouncer struct {
	addr, dbName, execMode string
	log                    *logBuffer
}

// startPgBouncer runs Debian's pgbouncer in transaction mode on a free
// 127.0.0.1 port in front of dbName, with poolSize server connections.
func startPgBouncer(t *testing.T, dbName string, poolSize int) *pgBouncer {
	t.Helper()
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/pgbouncer"); serr == nil {
			bin, err = "/usr/sbin/pgbouncer", nil
		}
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("pgbouncer is not installed; .ci/run installs it (apt-get install pgbouncer)")
		}
		t.Skip("pgbouncer is not installed and this is not CI: apt-get install pgbouncer to run this test (.ci/run does)")
	}
	// pgbouncer refuses to run as root; as root (containers, CI) it is
	// told to switch to an unprivileged user, who must read its files.
	dir, err := os.MkdirTemp("", "pgbouncer-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	var args []string
	if os.Geteuid() == 0 {
		args = append(args, "-u", unprivilegedUser())
	}
	addr := freeAddr(t)
	host, port, _ := strings.Cut(addr, ":")
	ini := fmt.Sprintf(`[databases]
%[1]s = host=127.0.0.1 port=5432 dbname=%[1]s

[pgbouncer]
listen_addr = %[2]s
listen_port = %[3]s
unix_socket_dir =
auth_type = trust
auth_file = %[4]s/userlist.txt
pool_mode = transaction
default_pool_size = %[5]d
max_client_conn = 100
stats_users = konstruct_app
stats_period = 1
`, dbName, host, port, dir, poolSize)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pgbouncer.ini"), []byte(ini), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "userlist.txt"), []byte(`"konstruct_app" ""`+"\n"), 0o644))

	b := &pgBouncer{addr: addr, dbName: dbName, log: &logBuffer{}, execMode: "cache_describe"}
	cmd := exec.Command(bin, append(args, filepath.Join(dir, "pgbouncer.ini"))...)
	cmd.Stdout, cmd.Stderr = b.log, b.log
	require.NoError(t, cmd.Start())
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("---- pgbouncer log ----\n%s", b.log.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := pgx.Connect(context.Background(), b.url("pgbouncer"))
		if err == nil {
			_ = conn.Close(context.Background())
			return b
		}
		select {
		case <-done:
			t.Fatalf("pgbouncer exited at start: %s", b.log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("pgbouncer not accepting connections after 10s: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// unprivilegedUser is the account pgbouncer switches to when started as
// root: Debian's packaging runs it as postgres.
func unprivilegedUser() string {
	if _, err := user.Lookup("postgres"); err == nil {
		return "postgres"
	}
	return "nobody"
}

func (b *pgBouncer) url(db string) string {
	return "postgres://konstruct_app@" + b.addr + "/" + db + "?sslmode=disable&default_query_exec_mode=simple_protocol"
}

type bouncerStats struct{ transactions int64 }

// stats reads SHOW STATS from pgbouncer's admin console for the database.
func (b *pgBouncer) stats(t *testing.T) bouncerStats {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, b.url("pgbouncer"))
	require.NoError(t, err)
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SHOW STATS")
	require.NoError(t, err)
	defer rows.Close()
	var out bouncerStats
	for rows.Next() {
		var db string
		var xacts int64
		dest := make([]any, len(rows.FieldDescriptions()))
		for i, f := range rows.FieldDescriptions() {
			switch f.Name {
			case "database":
				dest[i] = &db
			case "total_xact_count":
				dest[i] = &xacts
			default:
				dest[i] = new(any)
			}
		}
		require.NoError(t, rows.Scan(dest...))
		if db == b.dbName {
			out.transactions = xacts
		}
	}
	require.NoError(t, rows.Err())
	return out
}

func withQuery(t testing.TB, raw, key, value string) string {
	u, err := url.Parse(raw)
	require.NoError(t, err)
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}
