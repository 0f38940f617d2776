package events

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/konstruct/konstruct/api/audit"
	"github.com/konstruct/konstruct/api/jobs"
	"github.com/konstruct/konstruct/api/netguard"
	"github.com/konstruct/konstruct/api/store"
)

// DeliverArgs delivers what is due to one endpoint. One such job runs per
// endpoint at a time, whatever its backlog: a slow or failing endpoint holds
// one worker of the webhooks queue, never all of them.
type DeliverArgs struct {
	TenantID   uuid.UUID `json:"tenant_id"`
	EndpointID uuid.UUID `json:"endpoint_id"`
}

// Kind is the job's stable name.
func (DeliverArgs) Kind() string { return "webhooks.deliver" }

// InsertOpts puts the job on the webhooks queue, unique per endpoint while
// it waits or runs. The uniqueness is per 15 seconds: should a worker die
// running the job, the relay starts another within 15 seconds instead of
// after River's rescue (JOB_RESCUE_AFTER); the endpoint's hold (hold) keeps
// two from delivering at once, and leases keep any delivery from being sent
// twice at once.
func (DeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueWebhooks, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{
		ByArgs: true, ByPeriod: 15 * time.Second,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled},
	}}
}

// pumpBudget is how long one job delivers to its endpoint before it ends
// and lets the relay start a fresh one, so busy endpoints take turns when
// there are more of them than workers.
const pumpBudget = 30 * time.Second

// maxResponseRead caps how much of a response is read; responseExcerpt how
// much of it is kept with the attempt.
const (
	maxResponseRead = 64 << 10
	responseExcerpt = 1 << 10
)

// Worker is the delivery job's worker.
type Worker struct {
	river.WorkerDefaults[DeliverArgs]
	svc    *Service
	client *http.Client
}

// NewWorker returns the delivery worker. Its HTTP client dials only what
// netguard allows (checked on the address actually connected), uses no proxy
// from the environment, follows no redirect (a 3xx is a failure, as Standard
// Webhooks recommends: the URL should be updated instead), and gives each
// attempt Timeout in all.
func NewWorker(svc *Service) *Worker {
	return &Worker{svc: svc, client: deliveryClient(svc.opts.Policy, svc.opts.Timeout)}
}

func deliveryClient(p netguard.Policy, timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext:           p.Dialer().DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          200,
			MaxIdleConnsPerHost:   16,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: timeout,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Timeout bounds one job: its budget, then the attempts in flight.
func (w *Worker) Timeout(*river.Job[DeliverArgs]) time.Duration {
	return pumpBudget + w.svc.opts.Timeout + 15*time.Second
}

// Work delivers the endpoint's due deliveries with up to
// EndpointConcurrency attempts in flight (one while the endpoint is
// failing, so a dead receiver is probed rather than flooded), until none is
// due or the budget is spent. A lane that finds nothing due while another
// lane's attempt is still in flight waits and looks again: the job holds the
// endpoint, so deliveries recorded meanwhile can only go through its lanes,
// and a receiver slow to answer one attempt still gets its share of the
// backlog (events arriving one at a time used to leave one lane working and
// the others gone).
func (w *Worker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	failing, ok, err := w.svc.hold(ctx, job.Args)
	if err != nil || !ok {
		return err // disabled, deleted, or another job holds it
	}
	defer w.svc.release(context.WithoutCancel(ctx), job.Args)
	stop := w.svc.keepHolding(ctx, job.Args)
	defer stop()
	lanes := w.svc.opts.EndpointConcurrency
	if failing {
		lanes = 1
	}
	deadline := time.Now().Add(pumpBudget)
	var wg sync.WaitGroup
	var busy atomic.Int32 // lanes claiming or sending
	errc := make(chan error, lanes)
	for range lanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(deadline) {
				busy.Add(1) // from the claim on, so no lane leaves while another is about to send
				d, err := w.svc.claim(ctx, job.Args)
				if err != nil {
					busy.Add(-1)
					errc <- err
					return
				}
				if d == nil {
					if busy.Add(-1) == 0 {
						return
					}
					select { // another lane is still sending: look again
					case <-ctx.Done():
					case <-time.After(w.svc.opts.PollInterval):
					}
					continue
				}
				w.svc.finish(ctx, d, w.send(ctx, d))
				busy.Add(-1)
			}
		}()
	}
	wg.Wait()
	close(errc)
	return <-errc
}

// hold makes this job the one delivering to the endpoint (renewed while it
// runs: keepHolding); a second job (the relay started another, or River retried
// one whose worker died) finds it held and ends. It reports whether the
// endpoint is failing.
func (s *Service) hold(ctx context.Context, args DeliverArgs) (failing, ok bool, err error) {
	err = s.opts.Store.WithTenant(ctx, args.TenantID, func(ctx context.Context, tx store.Tx) error {
		return tx.QueryRowContext(ctx, `UPDATE webhook_endpoints SET pump_until = now() + ?::interval
			WHERE id = ? AND enabled AND (pump_until IS NULL OR pump_until < now()) RETURNING failing_since IS NOT NULL`,
			interval(s.holdFor()), args.EndpointID).Scan(&failing)
	})
	if errors.Is(err, store.ErrNotFound) {
		return false, false, nil
	}
	return failing, err == nil, err
}

// holdFor is how long a hold lasts unless renewed: a job whose worker died
// gives the endpoint up that long after its last renewal.
func (s *Service) holdFor() time.Duration { return s.opts.Timeout + 10*time.Second }

// keepHolding renews the hold while the job runs.
func (s *Service) keepHolding(ctx context.Context, args DeliverArgs) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(s.holdFor() / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				err := s.opts.Store.WithTenant(ctx, args.TenantID, func(ctx context.Context, tx store.Tx) error {
					_, err := tx.ExecContext(ctx, "UPDATE webhook_endpoints SET pump_until = now() + ?::interval WHERE id = ?",
						interval(s.holdFor()), args.EndpointID)
					return err
				})
				if err != nil && ctx.Err() == nil {
					s.opts.Log.WarnContext(ctx, "renewing a webhook endpoint's hold", "endpoint_id", args.EndpointID, "err", err)
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

// release lets the next job hold the endpoint.
func (s *Service) release(ctx context.Context, args DeliverArgs) {
	err := s.opts.Store.WithTenant(ctx, args.TenantID, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE webhook_endpoints SET pump_until = NULL WHERE id = ?", args.EndpointID)
		return err
	})
	if err != nil {
		s.opts.Log.WarnContext(ctx, "releasing a webhook endpoint", "endpoint_id", args.EndpointID, "err", err)
	}
}

// claimed is a delivery a lane has leased for one attempt.
type claimed struct {
	args      DeliverArgs
	id        uuid.UUID
	attemptID uuid.UUID
	attempt   int
	first     time.Time // the delivery's first attempt (database clock)
	started   time.Time // this attempt's start (database clock)
	subject   string
	url       string
	body      []byte
	eventID   uuid.UUID
	endpoint  Endpoint
}

// claimSQL leases the endpoint's oldest due delivery for one attempt (the
// lease outlives the attempt's timeout; a worker that dies lets it lapse),
// marks an attempt its predecessor left unfinished as abandoned, and records
// the new attempt as in progress, all in one statement.
const claimSQL = `
WITH d AS (
	SELECT id FROM webhook_deliveries
	 WHERE endpoint_id = $1 AND state = 'pending' AND next_attempt_at <= now() AND (lease_until IS NULL OR lease_until < now())
	   AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = $1 AND enabled)
	 ORDER BY next_attempt_at, seq LIMIT 1 FOR UPDATE SKIP LOCKED
), u AS (
	UPDATE webhook_deliveries w SET attempts = w.attempts + 1, lease_until = now() + $2::interval,
		first_attempt_at = coalesce(w.first_attempt_at, now()), last_attempt_at = now()
	  FROM d WHERE w.id = d.id
	RETURNING w.id, w.event_id, w.attempts, w.first_attempt_at, w.last_attempt_at, w.subject, w.tenant_id
), abandoned AS (
	UPDATE webhook_attempts SET outcome = 'abandoned', error = 'the worker stopped during this attempt; its outcome is unknown'
	 WHERE delivery_id = (SELECT id FROM u) AND outcome = 'in_progress'
), a AS (
	INSERT INTO webhook_attempts (id, tenant_id, delivery_id, endpoint_id, attempt, url, started_at, outcome)
	SELECT $3, u.tenant_id, u.id, $1, u.attempts, e.url, now(), 'in_progress' FROM u JOIN webhook_endpoints e ON e.id = $1
)
SELECT u.id, u.attempts, u.first_attempt_at, u.last_attempt_at, u.subject, ev.id, ev.type, ev.version, ev.created_at, ev.data,
	e.url, e.secret_ciphertext, e.secret_key_version, e.previous_secret_ciphertext, e.previous_secret_key_version,
	e.previous_secret_expires_at
  FROM u JOIN outbound_events ev ON ev.id = u.event_id JOIN webhook_endpoints e ON e.id = $1`

// claim leases the next due delivery of the endpoint, or returns nil.
func (s *Service) claim(ctx context.Context, args DeliverArgs) (*claimed, error) {
	var d *claimed
	err := s.opts.Store.WithTenant(ctx, args.TenantID, func(ctx context.Context, tx store.Tx) error {
		return tx.Pgx(func(ptx pgx.Tx) error {
			c := &claimed{args: args, attemptID: uuid.Must(uuid.NewV7())}
			c.endpoint.ID = args.EndpointID
			var typ string
			var version int
			var at time.Time
			var data json.RawMessage
			err := ptx.QueryRow(ctx, claimSQL, args.EndpointID, interval(s.opts.Timeout+5*time.Second), c.attemptID).Scan(&c.id, &c.attempt, &c.first, &c.started, &c.subject,
				&c.eventID, &typ, &version, &at, &data, &c.url, &c.endpoint.SecretCiphertext, &c.endpoint.SecretKeyVersion,
				&c.endpoint.PreviousSecretCiphertext, &c.endpoint.PreviousSecretKeyVersion, &c.endpoint.PreviousSecretExpiresAt)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			if err != nil {
				return err
			}
			if c.body, err = Body(c.eventID, typ, version, at, args.TenantID, data); err != nil {
				return err
			}
			d = c
			return nil
		})
	})
	return d, err
}

// outcome is what one attempt came to.
type outcome struct {
	status     int // 0: no response
	duration   time.Duration
	excerpt    string
	err        string
	retryAfter time.Duration
	// stopped: the worker is shutting down; the attempt does not count.
	stopped bool
}

func (o outcome) ok() bool { return o.status >= 200 && o.status < 300 }

// send makes one attempt: sign, POST, read the answer up to a cap.
func (w *Worker) send(ctx context.Context, d *claimed) outcome {
	now := time.Now()
	keys, err := w.svc.signingSecrets(&d.endpoint, now)
	if err != nil {
		return outcome{err: "could not open the signing secret"}
	}
	h, err := Sign(d.eventID.String(), now, d.body, keys...)
	if err != nil {
		return outcome{err: "could not sign"}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(d.body))
	if err != nil {
		return outcome{err: "the endpoint URL is not valid"}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Konstruct-Webhooks/1")
	req.Header.Set("webhook-id", h.ID)
	req.Header.Set("webhook-timestamp", h.Timestamp)
	req.Header.Set("webhook-signature", h.Signature)
	resp, err := w.client.Do(req)
	o := outcome{}
	if err != nil {
		o.duration = time.Since(now)
		o.err, o.stopped = describe(err), ctx.Err() != nil
		return o
	}
	defer resp.Body.Close()
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, maxResponseRead))
	o.duration, o.status, o.excerpt = time.Since(now), resp.StatusCode, excerpt(body)
	if readErr != nil && o.ok() {
		// The status is the receiver's answer; a body cut off after it
		// does not undo a 2xx.
		readErr = nil
	}
	if readErr != nil {
		o.err = "reading the response: " + describe(readErr)
	}
	if !o.ok() {
		if o.err == "" {
			o.err = "the endpoint answered " + strconv.Itoa(resp.StatusCode)
		}
		o.retryAfter = retryAfter(resp.Header.Get("Retry-After"), now)
	}
	return o
}

// describe says what went wrong with a request, without internal detail.
func describe(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, netguard.ErrForbidden):
		return "the endpoint's address is private, loopback or link-local, which is not allowed"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timed out"
	}
	msg := err.Error()
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			msg = inner.Error()
		}
	}
	return truncate(msg, 300)
}

// excerpt keeps the start of a response as valid UTF-8 text without NULs.
func excerpt(b []byte) string {
	if len(b) > responseExcerpt {
		b = b[:responseExcerpt]
	}
	return strings.ReplaceAll(strings.ToValidUTF8(string(b), ""), "\x00", "")
}

// retryAfter reads a Retry-After header (seconds or an HTTP date).
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// interval is d as a PostgreSQL interval literal.
func interval(d time.Duration) string { return fmt.Sprintf("%d milliseconds", d.Milliseconds()) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// finish records an attempt's outcome. A failure to record is logged: the
// lease then lapses and the delivery is attempted again (at least once).
func (s *Service) finish(ctx context.Context, d *claimed, o outcome) {
	if err := s.record(context.WithoutCancel(ctx), d, o); err != nil {
		s.opts.Log.WarnContext(ctx, "recording a webhook attempt failed", "delivery_id", d.id, "err", err)
	}
}

// record writes the attempt and moves the delivery on: delivered (even if
// its endpoint was disabled meanwhile: it did arrive), retried later, or
// failed for good; frees the next delivery of its chain when this
// one is done; keeps the endpoint's health; disables the endpoint on 410
// Gone or when it has failed for the whole retry horizon.
func (s *Service) record(ctx context.Context, d *claimed, o outcome) error {
	now := time.Now()
	state, next := "pending", &now
	attemptOutcome := "failed"
	switch {
	case o.ok():
		state, next, attemptOutcome = "succeeded", nil, "succeeded"
	case o.stopped:
		// Shutting down: the attempt does not count against the delivery,
		// which another worker picks up at once.
		attemptOutcome = "abandoned"
	default:
		if t, ok := s.opts.Schedule.Next(d.attempt, d.first, now, o.retryAfter, nil); ok && o.status != http.StatusGone {
			next = &t
		} else {
			state, next = "failed", nil
		}
	}
	var status *int
	if o.status != 0 {
		status = &o.status
	}
	done := state != "pending" && d.subject != ""
	return s.opts.Store.WithTenant(ctx, d.args.TenantID, func(ctx context.Context, tx store.Tx) error {
		// One round trip: the chain's lock, the attempt and the delivery,
		// the next delivery of the chain, the endpoint's health.
		b := &pgx.Batch{}
		if done {
			b.Queue("SELECT pg_advisory_xact_lock("+chainKey("$1::uuid", "$2::text")+")", d.args.EndpointID, d.subject)
		}
		b.Queue(`WITH a AS (
			UPDATE webhook_attempts SET outcome = $3, status_code = $4, duration_ms = $5, error = $6, response_excerpt = $7
			 WHERE id = $2
		)
		UPDATE webhook_deliveries SET state = $8, next_attempt_at = $9, lease_until = NULL, last_status = coalesce($4, last_status),
			last_error = $6, completed_at = CASE WHEN $8 IN ('succeeded', 'failed') THEN now() END
		 WHERE id = $1 AND (state = 'pending' OR state = 'cancelled' AND $8 = 'succeeded')`,
			d.id, d.attemptID, attemptOutcome, status, o.duration.Milliseconds(), o.err, o.excerpt, state, next)
		if done {
			// Done: the next delivery of the chain may go.
			b.Queue(`UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = now()
				WHERE id = (SELECT id FROM webhook_deliveries WHERE endpoint_id = $1 AND subject = $2 AND state = 'waiting' ORDER BY seq LIMIT 1)`,
				d.args.EndpointID, d.subject)
		}
		var recovered, horizon bool
		var since time.Time
		health := 0 // rows the health statement returned
		switch {
		case o.stopped:
		case o.ok():
			// Written at most once a minute while the endpoint is healthy.
			b.Queue(`WITH before AS (SELECT failing_since FROM webhook_endpoints WHERE id = $1)
				UPDATE webhook_endpoints SET failing_since = NULL, last_success_at = now(), last_error = ''
				 WHERE id = $1 AND (failing_since IS NOT NULL OR last_success_at IS NULL OR last_success_at < now() - interval '1 minute')
				RETURNING (SELECT failing_since IS NOT NULL FROM before)`, d.args.EndpointID).QueryRow(func(row pgx.Row) error {
				err := row.Scan(&recovered)
				if errors.Is(err, pgx.ErrNoRows) {
					return nil
				}
				health++
				return err
			})
		default:
			// The run of failures began with the first failed attempt's
			// start, so a delivery's last attempt (at its first attempt +
			// For) finds the endpoint failing for the whole horizon. The
			// horizon is judged at the same instant the schedule above
			// was ($5): the transaction's now() is later, and a delivery
			// given one more try at the horizon must not find its
			// endpoint disabled (and itself cancelled) in the same breath.
			b.Queue(`UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, $2), last_failure_at = now(), last_error = $3
				WHERE id = $1 AND enabled RETURNING failing_since, $5::timestamptz >= failing_since + $4::interval`,
				d.args.EndpointID, d.started, truncate(o.err, 500), interval(s.opts.Schedule.For), now).QueryRow(func(row pgx.Row) error {
				err := row.Scan(&since, &horizon)
				if errors.Is(err, pgx.ErrNoRows) {
					return nil // disabled meanwhile
				}
				health++
				return err
			})
		}
		if err := tx.Pgx(func(ptx pgx.Tx) error { return ptx.SendBatch(ctx, b).Close() }); err != nil {
			return err
		}
		switch {
		case health == 0:
			return nil
		case o.ok() && recovered:
			// Back from failing: what was waiting for a retry goes now
			// rather than at its scheduled time, hours away perhaps.
			_, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET next_attempt_at = now()
				WHERE endpoint_id = ? AND state = 'pending' AND next_attempt_at > now()`, d.args.EndpointID)
			return err
		case o.status == http.StatusGone:
			return disable(ctx, tx, d.args.EndpointID, DisabledGone, since)
		case !o.ok() && horizon:
			return disable(ctx, tx, d.args.EndpointID, DisabledFailing, since)
		}
		return nil
	})
}

// disable turns an endpoint off for reason, cancels what it had pending, and
// audits it.
func disable(ctx context.Context, tx store.Tx, id uuid.UUID, reason string, failingSince time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET enabled = false, disabled_reason = ?, disabled_at = now()
		WHERE id = ? AND enabled`, reason, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	why := map[string]string{DisabledGone: "the endpoint answered 410 Gone", DisabledFailing: "the endpoint kept failing"}[reason]
	if err := cancelPending(ctx, tx, id, why); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Event{Action: "webhook_endpoint.disabled", TargetType: "webhook_endpoint", TargetID: id.String(),
		Metadata: map[string]any{"reason": reason, "failing_since": failingSince.UTC().Format(time.RFC3339)}})
}
