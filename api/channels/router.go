package channels

import (
	"context"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/konstruct/konstruct/api/store"
)

// Router routes webhooks to their connection and remembers the active routes
// it found. A fresh route costs a round trip of its own before the event's
// transaction can begin (a third of ingest's round trips); a remembered one
// costs none, and is checked instead inside the transaction that acts on it,
// in a round trip that transaction makes anyway (Guard): if the connection
// changed since the route was read — revoked, disconnected, given another
// agent, reconfigured, deleted, or its workspace or number connected again by
// another tenant — the transaction fails at that round trip and rolls back,
// and Handle runs the event again on a fresh route. So nothing is written on
// a remembered route that a fresh one would not have written: what it saves
// is the lookup, not the check. (What an event is ignored for without a
// transaction — not a person's message, say — does not depend on the route
// beyond its bot user, which changes only with a new install.)
//
// Only active routes are remembered: an event for an inactive or unknown
// connection is ignored without a transaction that could check it, so it
// always asks the database. Each process has its own memory; the check makes
// that safe with any number of processes.
type Router struct {
	pool   *pgxpool.Pool
	routes *expirable.LRU[routeKey, Route]
}

type routeKey struct{ typ, externalID string }

const (
	// rememberedRoutes bounds the memory: a route is ~300 bytes, and a
	// process sees at most its connections' worth of them.
	rememberedRoutes = 4096
	// rememberRoutesFor bounds how old a remembered version may be; the
	// check does not depend on it (an unchanged row keeps its xmin).
	rememberRoutesFor = 10 * time.Minute
)

// NewRouter returns a router reading routes through pool.
func NewRouter(pool *pgxpool.Pool) *Router {
	return &Router{pool: pool, routes: expirable.NewLRU[routeKey, Route](rememberedRoutes, nil, rememberRoutesFor)}
}

// Handle routes a webhook for externalID of channel type typ and runs fn
// with its route (ErrUnrouted when no tenant connected it). fn must Guard
// the route in every transaction it commits. When fn fails on a remembered
// route — the check found the connection changed, or anything before the
// check failed because it had (a statement under a tenant that no longer
// has the connection) — the route is forgotten and fn runs once more on a
// fresh one; its failed transaction was rolled back whole.
func (r *Router) Handle(ctx context.Context, typ, externalID string, fn func(*Route) error) error {
	key := routeKey{typ, externalID}
	route, ok := r.remembered(key)
	if !ok {
		var err error
		if route, err = r.lookup(ctx, key); err != nil {
			return err
		}
		return fn(route)
	}
	if err := fn(route); err == nil {
		return nil
	}
	r.forget(key)
	route, err := r.lookup(ctx, key)
	if err != nil {
		return err
	}
	return fn(route)
}

// Guard makes tx fail, at its next round trip or at the latest its commit,
// when route was remembered and its connection is no longer the row version
// it was read from (routeCurrentSQL raises SQLSTATE KR001). It may come
// last: whatever the transaction did before is rolled back with it. A fresh
// route needs no check: it was read just before the transaction, as without
// a router.
func Guard(tx store.Tx, route *Route) error {
	if !route.remembered {
		return nil
	}
	var b store.Batch
	b.Queue(routeCurrentSQL, route.ConnectionID, route.version)
	return tx.Defer(&b)
}

// routeCurrentSQL finds the connection at exactly the row version a route
// was read from, as the app role under the transaction's tenant and
// row-level security, and raises (channel_route_changed) only if it is not
// there. It is a plain statement, not a function, because it runs for every
// event on a remembered route: a plpgsql function costs a second executor
// and a search_path switch per call (8 % of PostgreSQL's time in ingest,
// migration 00024).
const routeCurrentSQL = `SELECT CASE WHEN EXISTS (SELECT FROM channel_connections c
	WHERE c.tenant_id = app_current_tenant() AND c.id = $1 AND c.xmin::text = $2)
	THEN NULL ELSE channel_route_changed($1) END`

func (r *Router) remembered(key routeKey) (*Route, bool) {
	route, ok := r.routes.Get(key)
	if !ok {
		return nil, false
	}
	route.router, route.remembered = r, true
	return &route, true
}

func (r *Router) lookup(ctx context.Context, key routeKey) (*Route, error) {
	route, err := Lookup(ctx, r.pool, key.typ, key.externalID)
	if err != nil {
		return nil, err
	}
	route.router = r
	if route.Status == StatusActive {
		r.routes.Add(key, *route)
	}
	return route, nil
}

func (r *Router) forget(key routeKey) { r.routes.Remove(key) }
