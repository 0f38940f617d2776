package audit

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/konstruct/konstruct/api/store"
)

// Names is how the trail's actors and targets are called now, by id, so the
// log reads "Grace Hopper renamed Ada" rather than two uuids.
type Names struct {
	Actors  map[string]string
	Targets map[string]string // by target type + ":" + id
}

// nameQueries name each target type's ids, in the tenant's transaction
// (row-level security keeps them to the tenant's own rows).
var nameQueries = map[string]string{
	"agent":        "SELECT id::text AS id, name FROM agents WHERE id = ANY(?)",
	"channel":      "SELECT id::text AS id, (CASE type WHEN 'slack' THEN 'Slack ' ELSE 'WhatsApp ' END) || display_name AS name FROM channel_connections WHERE id = ANY(?)",
	"llm_key":      "SELECT id::text AS id, label || ' (…' || key_hint || ')' AS name FROM llm_keys WHERE id = ANY(?)",
	"api_token":    "SELECT id::text AS id, name FROM api_tokens WHERE id = ANY(?)",
	"user":         "SELECT id::text AS id, coalesce(nullif(name, ''), email) AS name FROM users WHERE id = ANY(?)",
	"invitation":   "SELECT id::text AS id, email AS name FROM invitations WHERE id = ANY(?)",
	"conversation": "SELECT id::text AS id, coalesce(nullif(participant_name, ''), nullif(participant_phone, ''), participant_id) AS name FROM conversations WHERE id = ANY(?)",
	"tenant":       "SELECT id::text AS id, name FROM tenants WHERE id = ANY(?)",
}

// metadataNames are the fields events record a target's name in, used when
// the target is gone (a deleted agent, a disconnected channel's old name).
var metadataNames = []string{"name", "label", "display_name", "email", "team_name"}

// Name looks up the names of rows' actors and targets.
func Name(ctx context.Context, tx store.Tx, rows []Row) (Names, error) {
	n := Names{Actors: map[string]string{}, Targets: map[string]string{}}
	ids := map[string][]uuid.UUID{}
	for _, r := range rows {
		if id, err := uuid.Parse(r.TargetID); err == nil && nameQueries[r.TargetType] != "" {
			ids[r.TargetType] = append(ids[r.TargetType], id)
		}
		if id, err := uuid.Parse(r.ActorID); err == nil && r.ActorType == "user" {
			ids["actor"] = append(ids["actor"], id)
		}
	}
	for typ, list := range ids {
		query, into := nameQueries[typ], n.Targets
		if typ == "actor" {
			query, into = nameQueries["user"], n.Actors
		}
		var found []struct {
			ID   string `bun:"id"`
			Name string `bun:"name"`
		}
		if err := tx.NewRaw(query, pgdialect.Array(list)).Scan(ctx, &found); err != nil && !errors.Is(err, store.ErrNotFound) {
			return n, fmt.Errorf("audit names of %s: %w", typ, err)
		}
		for _, f := range found {
			if typ == "actor" {
				into[f.ID] = f.Name
			} else {
				into[typ+":"+f.ID] = f.Name
			}
		}
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
