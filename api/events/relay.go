package events

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/konstruct/konstruct/api/store"
)

// dispatchBatch is how many events of one tenant one fan-out transaction
// takes (each endpoint-and-subject chain it touches is locked for the
// transaction, so the batch stays well inside PostgreSQL's lock table).
const dispatchBatch = 100

// Relay runs in every worker process until ctx ends. Each PollInterval it
// fans new events out into deliveries (one per subscribed endpoint, in one
// transaction per tenant), and starts a delivery job for every endpoint with
// deliveries due (new ones, retries whose time has come, ones abandoned by
// a worker that died). Both are cross-tenant questions answered by narrow
// SECURITY DEFINER functions; several processes may relay at once (a tenant's
// fan-out is serialised by an advisory lock, job starts are unique).
func (s *Service) Relay(ctx context.Context) error {
	t := time.NewTicker(s.opts.PollInterval)
	defer t.Stop()
	for {
		if err := s.RelayOnce(ctx); err != nil && ctx.Err() == nil {
			s.opts.Log.WarnContext(ctx, "webhook relay", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// RelayOnce fans out what is pending and starts the delivery jobs that are due.
func (s *Service) RelayOnce(ctx context.Context) error {
	var tenants []uuid.UUID
	if err := s.opts.Store.DB.NewRaw("SELECT t FROM webhook_dispatch_tenants(?) AS t", 100).Scan(ctx, &tenants); err != nil {
		return fmt.Errorf("tenants with new events: %w", err)
	}
	var errs []error
	for _, id := range tenants {
		for {
			n, err := s.Dispatch(ctx, id)
			if err != nil {
				errs = append(errs, fmt.Errorf("tenant %s: %w", id, err))
			}
			if err != nil || n < dispatchBatch {
				break
			}
		}
	}
	if err := s.startDue(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Dispatch fans out up to one batch of a tenant's undispatched events and
// returns how many it took (0 when another process holds the tenant).
//
// Order per subject: a delivery is "pending" (a worker may send it) only
// when its endpoint has no unfinished delivery of the same subject; it is
// "waiting" otherwise and becomes pending when the one before it finishes
// (finish). Both sides lock the endpoint-and-subject chain first, so a new
// delivery never waits behind one that has just finished.
func (s *Service) Dispatch(ctx context.Context, tenantID uuid.UUID) (int, error) {
	n := 0
	err := s.opts.Store.WithTenant(ctx, tenantID, func(ctx context.Context, tx store.Tx) error {
		return tx.Pgx(func(ptx pgx.Tx) error {
			var mine bool
			if err := ptx.QueryRow(ctx, "SELECT pg_try_advisory_xact_lock($1, hashtext($2))", lockDispatch, tenantID.String()).Scan(&mine); err != nil || !mine {
				return err
			}
			rows, err := ptx.Query(ctx, `SELECT id, type, subject FROM outbound_events WHERE dispatched_at IS NULL ORDER BY seq LIMIT $1`, dispatchBatch)
			if err != nil {
				return err
			}
			type ev struct {
				id           uuid.UUID
				typ, subject string
			}
			evs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ev, error) {
				var e ev
				return e, r.Scan(&e.id, &e.typ, &e.subject)
			})
			if err != nil || len(evs) == 0 {
				return err
			}
			n = len(evs)
			rows, err = ptx.Query(ctx, `SELECT id, event_types FROM webhook_endpoints WHERE enabled`)
			if err != nil {
				return err
			}
			endpoints, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Endpoint, error) {
				var e Endpoint
				return e, r.Scan(&e.ID, &e.EventTypes)
			})
			if err != nil {
				return err
			}
			var d deliveryBatch
			for _, e := range evs {
				for i := range endpoints {
					if endpoints[i].Wants(e.typ) {
						d.add(uuid.Must(uuid.NewV7()), endpoints[i].ID, e.id, e.typ, e.subject, "event")
					}
				}
			}
			if err := d.insert(ctx, ptx); err != nil {
				return err
			}
			ids := make([]uuid.UUID, len(evs))
			for i, e := range evs {
				ids[i] = e.id
			}
			if _, err := ptx.Exec(ctx, "UPDATE outbound_events SET dispatched_at = now() WHERE id = ANY($1)", ids); err != nil {
				return err
			}
			return s.startJobs(ctx, ptx, tenantID, d.pendingEndpoints())
		})
	})
	return n, err
}

// deliveryBatch is deliveries to insert together, as column arrays.
type deliveryBatch struct {
	ids, endpoints, events []uuid.UUID
	types, subjects        []string
	reason                 string
	pending                []bool // filled by insert
}

func (b *deliveryBatch) add(id, endpointID, eventID uuid.UUID, typ, subject, reason string) {
	b.ids, b.endpoints, b.events = append(b.ids, id), append(b.endpoints, endpointID), append(b.events, eventID)
	b.types, b.subjects, b.reason = append(b.types, typ), append(b.subjects, subject), reason
}

// insert locks the chains the batch joins (in one order, so two writers
// never deadlock), finds which already have an unfinished delivery, and
// inserts each delivery pending (head of its chain) or waiting, keeping the
// batch's own order within a chain.
func (b *deliveryBatch) insert(ctx context.Context, ptx pgx.Tx) error {
	if len(b.ids) == 0 {
		return nil
	}
	if _, err := ptx.Exec(ctx, `SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT `+chainKey("e", "s")+` AS k
		FROM unnest($1::uuid[], $2::text[]) AS t(e, s) WHERE s <> '' ORDER BY k) AS keys`, b.endpoints, b.subjects); err != nil {
		return err
	}
	rows, err := ptx.Query(ctx, `SELECT DISTINCT endpoint_id, subject FROM webhook_deliveries
		WHERE state IN ('waiting', 'pending') AND endpoint_id = ANY($1) AND subject = ANY($2) AND subject <> ''`, b.endpoints, b.subjects)
	if err != nil {
		return err
	}
	busy := map[[2]string]bool{}
	for rows.Next() {
		var e uuid.UUID
		var subject string
		if err := rows.Scan(&e, &subject); err != nil {
			rows.Close()
			return err
		}
		busy[[2]string{e.String(), subject}] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	states := make([]string, len(b.ids))
	b.pending = make([]bool, len(b.ids))
	for i := range b.ids {
		key := [2]string{b.endpoints[i].String(), b.subjects[i]}
		if b.subjects[i] != "" && busy[key] {
			states[i] = "waiting"
			continue
		}
		states[i], b.pending[i] = "pending", true
		if b.subjects[i] != "" {
			busy[key] = true
		}
	}
	_, err = ptx.Exec(ctx, `INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, event_id, event_type, subject, reason, state, next_attempt_at)
		SELECT id, app_current_tenant(), e, ev, typ, s, $6::text, st, CASE WHEN st = 'pending' THEN now() END
		FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $7::text[]) WITH ORDINALITY AS t(id, e, ev, typ, s, st, ord)
		ORDER BY ord`, b.ids, b.endpoints, b.events, b.types, b.subjects, b.reason, states)
	return err
}

func (b *deliveryBatch) pendingEndpoints() []uuid.UUID {
	var out []uuid.UUID
	seen := map[uuid.UUID]bool{}
	for i, p := range b.pending {
		if p && !seen[b.endpoints[i]] {
			seen[b.endpoints[i]] = true
			out = append(out, b.endpoints[i])
		}
	}
	return out
}

// chainKey is the advisory-lock key of an endpoint-and-subject chain.
func chainKey(endpoint, subject string) string {
	return "hashtextextended(" + endpoint + "::text || '/' || " + subject + ", 0)"
}

// startJobs makes sure a delivery job runs for each endpoint, inside tx.
func (s *Service) startJobs(ctx context.Context, ptx pgx.Tx, tenantID uuid.UUID, endpoints []uuid.UUID) error {
	if len(endpoints) == 0 {
		return nil
	}
	jobs := s.opts.Store.Jobs()
	if jobs == nil {
		return errors.New("events: no job client attached")
	}
	params := make([]river.InsertManyParams, len(endpoints))
	for i, id := range endpoints {
		params[i] = river.InsertManyParams{Args: DeliverArgs{TenantID: tenantID, EndpointID: id}}
	}
	_, err := jobs.InsertManyTx(ctx, ptx, params)
	return err
}

// startDue starts delivery jobs for endpoints with deliveries due. An
// endpoint whose job still runs is skipped by the job's uniqueness.
func (s *Service) startDue(ctx context.Context) error {
	var due []struct {
		TenantID   uuid.UUID `bun:"tenant_id"`
		EndpointID uuid.UUID `bun:"endpoint_id"`
	}
	if err := s.opts.Store.DB.NewRaw("SELECT tenant_id, endpoint_id FROM webhook_due_endpoints(?)", 500).Scan(ctx, &due); err != nil {
		return fmt.Errorf("endpoints with deliveries due: %w", err)
	}
	if len(due) == 0 {
		return nil
	}
	jobs := s.opts.Store.Jobs()
	if jobs == nil {
		return errors.New("events: no job client attached")
	}
	params := make([]river.InsertManyParams, len(due))
	for i, d := range due {
		params[i] = river.InsertManyParams{Args: DeliverArgs{TenantID: d.TenantID, EndpointID: d.EndpointID}}
	}
	_, err := jobs.InsertMany(ctx, params)
	return err
}
