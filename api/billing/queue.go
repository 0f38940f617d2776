package billing

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/store"
	"github.com/konstruct/konstruct/api/usage"
)

// Pending is what Admit reads (the tenant's account and budget), queued in
// the caller's batch by Queue so that a turn's claim reads them in the same
// round trip as everything else.
type Pending struct {
	now     time.Time
	account Account
	budget  usage.Budget
}

// Queue queues Admit's reads into b.
func (g *Gate) Queue(b *store.Batch, tenantID uuid.UUID) *Pending {
	p := &Pending{now: g.now()}
	b.Queue(`SELECT * FROM tenants WHERE id = $1`, tenantID).Query(store.One(&p.account, nil))
	usage.QueueBudget(b, tenantID, p.now, &p.budget)
	return p
}

// AdmitQueued is Admit on the reads of Queue, once its batch is sent.
func (g *Gate) AdmitQueued(ctx context.Context, tx store.Tx, p *Pending, participant string) (Admission, error) {
	if reason := g.policy.Blocked(&p.account, p.now); reason != "" {
		return Admission{Skip: reason}, nil
	}
	return g.budget(ctx, tx, p.now, p.budget, participant)
}
