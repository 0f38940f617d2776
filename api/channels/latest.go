package channels

import (
	"context"
	"errors"

	"github.com/konstruct/konstruct/api/store"
)

// LatestActive is the tenant's most recently connected active connection of
// type typ, or nil when there is none.
func LatestActive(ctx context.Context, tx store.Tx, typ string) (*Connection, error) {
	c := &Connection{}
	err := tx.NewSelect().Model(c).Where("type = ? AND status = ?", typ, StatusActive).OrderExpr("connected_at DESC").Limit(1).Scan(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return c, err
}
