package audit

import (
	"context"
	"fmt"
	"sync"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/konstruct/konstruct/api/store"
)

// Names is how the trail's actors and targets are called now, by id, so the
// log reads "Grace Hopper renamed Ada" rather than two uuids.
type Names struct {
	Actors  map[string]string
	Targets map[string]string // by target type + ":" + id
}

// nameQueries name each target type's ids, in the tenant's transaction
// (row-level security keeps them to the tenant's own rows). The owner of
// each type's table registers its query (NameTargets), so the trail names
// rows of tables it does not own without naming them.
var (
	namesMu     sync.RWMutex
	nameQueries = map[string]string{}
)

// NameTargets registers how the trail names targets of targetType ("user"
// also names actors): query takes the ids as its one parameter ($1, a uuid
// array) and returns each one's id (text) and name. Each owner registers its
// own types when its package is initialised.
func NameTargets(targetType, query string) {
	namesMu.Lock()
	defer namesMu.Unlock()
	nameQueries[targetType] = query
}

func nameQuery(targetType string) string {
	namesMu.RLock()
	defer namesMu.RUnlock()
	return nameQueries[targetType]
}

// metadataNames are the fields events record a target's name in, used when
// the target is gone (a deleted agent, a disconnected channel's old name).
var metadataNames = []string{"name", "label", "display_name", "email", "team_name"}

// Name looks up the names of rows' actors and targets.
func Name(ctx context.Context, tx store.Tx, rows []Row) (Names, error) {
	n := Names{Actors: map[string]string{}, Targets: map[string]string{}}
	ids := map[string][]uuid.UUID{}
	for _, r := range rows {
		if id, err := uuid.Parse(r.TargetID); err == nil && nameQuery(r.TargetType) != "" {
			ids[r.TargetType] = append(ids[r.TargetType], id)
		}
		if id, err := uuid.Parse(r.ActorID); err == nil && r.ActorType == "user" {
			ids["actor"] = append(ids["actor"], id)
		}
	}
	// One round trip for every type's names.
	var b store.Batch
	for typ, list := range ids {
		query, into := nameQuery(typ), n.Targets
		if typ == "actor" {
			query, into = nameQuery("user"), n.Actors
		}
		if query == "" {
			continue
		}
		prefix := typ + ":"
		if typ == "actor" {
			prefix = ""
		}
		b.Queue(query, list).Query(func(rows pgx.Rows) error {
			defer rows.Close()
			for rows.Next() {
				var id, name string
				if err := rows.Scan(&id, &name); err != nil {
					return err
				}
				into[prefix+id] = name
			}
			if err := rows.Err(); err != nil {
				return fmt.Errorf("audit names of %s: %w", typ, err)
			}
			return nil
		})
	}
	if err := tx.Send(ctx, &b); err != nil {
		return n, err
	}
	return n, nil
}

// Actor is the name of a row's actor.
func (n Names) Actor(r Row) string {
	switch r.ActorType {
	case "user":
		if name := n.Actors[r.ActorID]; name != "" {
			return name
		}
	case "system":
		return ""
	}
	return r.ActorLabel
}

// Target is the name of a row's target, else the one its metadata recorded.
func (n Names) Target(r Row) string {
	if name := n.Targets[r.TargetType+":"+r.TargetID]; name != "" {
		return name
	}
	for _, k := range metadataNames {
		if v, ok := r.Metadata[k].(string); ok && v != "" {
			return v
		}
	}
	return ""
}
