// Package rotation re-encrypts every stored secret with the keyring's newest
// key (`konstruct rotate-keys`): channel credentials and LLM keys tenant by
// tenant inside each tenant's transaction (so RLS still applies), then the
// encrypted idempotency records. It is safe to interrupt and run again: rows
// already on the newest key are skipped.
package rotation

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/konstruct/konstruct/api/secrets"
	"github.com/konstruct/konstruct/api/store"
)

// sealedColumn is a table holding keyring ciphertexts.
type sealedColumn struct {
	table      string
	ciphertext string
	version    string
	// aad rebuilds a row's associated data from its key columns.
	keyCols []string
	aad     func(keys []string) string
	tenant  bool
}

var tenantColumns = []sealedColumn{
	{table: "channel_connections", ciphertext: "secret_ciphertext", version: "secret_key_version", keyCols: []string{"id"},
		aad: func(k []string) string { return "channel_connections:" + k[0] }, tenant: true},
	{table: "llm_keys", ciphertext: "secret_ciphertext", version: "secret_key_version", keyCols: []string{"id"},
		aad: func(k []string) string { return "llm_keys:" + k[0] }, tenant: true},
	// Webhook signing secrets: the current one and, during a rotation, the
	// previous one, both bound to the endpoint.
	{table: "webhook_endpoints", ciphertext: "secret_ciphertext", version: "secret_key_version", keyCols: []string{"id"},
		aad: func(k []string) string { return "webhook_endpoints:" + k[0] }, tenant: true},
	{table: "webhook_endpoints", ciphertext: "previous_secret_ciphertext", version: "previous_secret_key_version", keyCols: []string{"id"},
		aad: func(k []string) string { return "webhook_endpoints:" + k[0] }, tenant: true},
}

var globalColumns = []sealedColumn{
	{table: "idempotency_keys", ciphertext: "response_ciphertext", version: "response_key_version", keyCols: []string{"scope", "key"},
		aad: func(k []string) string { return "idempotency_keys:" + k[0] + ":" + k[1] }},
}

// Progress is told how far rotation got.
type Progress func(doneTenants, totalTenants, reencrypted int)

// Result counts what rotation did.
type Result struct {
	Tenants     int
	Reencrypted int
	Version     int
}

// Rotate re-encrypts everything not yet on the newest key.
func Rotate(ctx context.Context, st *store.Store, k *secrets.Keyring, progress Progress) (*Result, error) {
	res := &Result{Version: k.Current()}
	tenants, err := allTenants(ctx, st)
	if err != nil {
		return nil, err
	}
	res.Tenants = len(tenants)
	for i, id := range tenants {
		err := st.WithTenant(ctx, id, func(ctx context.Context, tx store.Tx) error {
			for _, c := range tenantColumns {
				n, err := rotateColumn(ctx, tx, k, c)
				if err != nil {
					return err
				}
				res.Reencrypted += n
			}
			return nil
		})
		if err != nil {
			return res, fmt.Errorf("tenant %s: %w", id, err)
		}
		if progress != nil {
			progress(i+1, len(tenants), res.Reencrypted)
		}
	}
	for _, c := range globalColumns {
		err := st.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			n, err := rotateColumn(ctx, tx, k, c)
			res.Reencrypted += n
			return err
		})
		if err != nil {
			return res, fmt.Errorf("%s: %w", c.table, err)
		}
	}
	return res, nil
}

// allTenants pages through every tenant with the platform_tenants function.
func allTenants(ctx context.Context, st *store.Store) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	var afterAt time.Time
	var afterID *uuid.UUID
	for {
		var page []struct {
			ID        uuid.UUID `bun:"id"`
			CreatedAt time.Time `bun:"created_at"`
		}
		if err := st.DB.NewRaw("SELECT id, created_at FROM platform_tenants(?, ?, 500)", afterAt, afterID).Scan(ctx, &page); err != nil {
			return nil, err
		}
		for _, p := range page {
			ids = append(ids, p.ID)
		}
		if len(page) < 500 {
			return ids, nil
		}
		last := page[len(page)-1]
		afterAt, afterID = last.CreatedAt, &last.ID
	}
}

func rotateColumn(ctx context.Context, db bun.IDB, k *secrets.Keyring, c sealedColumn) (int, error) {
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT %s::text[], %s, %s FROM %s
		WHERE %s < ? AND length(%s) > 0 FOR UPDATE`, arrayOf(c.keyCols), c.ciphertext, c.version, c.table, c.version, c.ciphertext), k.Current())
	if err != nil {
		return 0, err
	}
	type row struct {
		keys   []string
		sealed secrets.Sealed
	}
	var todo []row
	for rows.Next() {
		var r row
		var keys []string
		if err := rows.Scan(pgArray(&keys), &r.sealed.Ciphertext, &r.sealed.Version); err != nil {
			rows.Close()
			return 0, err
		}
		r.keys = keys
		todo = append(todo, r)
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, r := range todo {
		aad := []byte(c.aad(r.keys))
		pt, err := k.Decrypt(r.sealed, aad)
		if err != nil {
			return 0, fmt.Errorf("%s %v: %w", c.table, r.keys, err)
		}
		fresh, err := k.Encrypt(pt, aad)
		if err != nil {
			return 0, err
		}
		where, args := keyWhere(c.keyCols, r.keys)
		args = append([]any{fresh.Ciphertext, fresh.Version}, args...)
		if _, err := db.ExecContext(ctx, fmt.Sprintf("UPDATE %s SET %s = ?, %s = ? WHERE %s", c.table, c.ciphertext, c.version, where), args...); err != nil {
			return 0, err
		}
	}
	return len(todo), nil
}
