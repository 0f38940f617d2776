-- Outbound events (api/events): an outbox of what happened, written in the
-- transaction of the change it describes; the endpoints integrators register;
-- one delivery per event and endpoint; and every attempt of each delivery.
--
-- outbound_events     the outbox. tenant_id defaults to the transaction's
--                     tenant, so a change site records an event with one
--                     INSERT (the ingest path does it inside its own statement).
--                     dispatched_at is set when the relay has fanned it out.
-- webhook_endpoints   URLs with their event filter and signing secret (sealed
--                     by the keyring, AAD "webhook_endpoints:<id>"); during a
--                     rotation the previous secret signs too, until it expires.
-- webhook_deliveries  one event to one endpoint. Deliveries of one endpoint
--                     and subject (a conversation, an agent, a channel) go
--                     out in order: only the oldest unfinished one is
--                     "pending", the ones behind it are "waiting".
-- webhook_attempts    each HTTP attempt, written when it starts (a worker that
--                     dies mid-attempt leaves it visible) and completed after.

-- +goose Up
CREATE TABLE outbound_events (
  id            uuid NOT NULL,
  tenant_id     uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id) ON DELETE CASCADE,
  seq           bigint GENERATED ALWAYS AS IDENTITY,
  type          text NOT NULL CHECK (type ~ '^[a-z_]+(\.[a-z_]+)+$'),
  version       integer NOT NULL DEFAULT 1,
  subject       text NOT NULL DEFAULT '',
  data          jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  dispatched_at timestamptz,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX outbound_events_tenant_created_idx ON outbound_events (tenant_id, created_at DESC, id DESC);
CREATE INDEX outbound_events_undispatched_idx ON outbound_events (tenant_id, seq) WHERE dispatched_at IS NULL;
-- Only the hourly prune looks events up by time across tenants: a BRIN index
-- costs the ingest path next to nothing (rows arrive in time order).
CREATE INDEX outbound_events_created_idx ON outbound_events USING brin (created_at);
ALTER TABLE outbound_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE outbound_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON outbound_events TO konstruct_app
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON outbound_events TO konstruct_app;

-- Erasing a person deletes their conversations; the events about those
-- conversations (message text, names) go with them, deliveries included,
-- rather than living on for the retention period. Erasure is rare, so this
-- scans the tenant's events instead of indexing every event's subject.
-- +goose StatementBegin
CREATE FUNCTION forget_conversation_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM outbound_events e USING gone g WHERE e.tenant_id = g.tenant_id AND e.subject = 'conversation:' || g.id;
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER conversations_forget_events AFTER DELETE ON conversations
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION forget_conversation_events();

CREATE TABLE webhook_endpoints (
  id                          uuid NOT NULL,
  tenant_id                   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  url                         text NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
  description                 text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
  event_types                 text[] NOT NULL DEFAULT '{}',
  enabled                     boolean NOT NULL DEFAULT true,
  disabled_reason             text NOT NULL DEFAULT '' CHECK (disabled_reason IN ('', 'manual', 'gone', 'failing')),
  disabled_at                 timestamptz,
  secret_ciphertext           bytea NOT NULL,
  secret_key_version          integer NOT NULL,
  secret_hint                 text NOT NULL DEFAULT '',
  previous_secret_ciphertext  bytea,
  previous_secret_key_version integer,
  previous_secret_expires_at  timestamptz,
  failing_since               timestamptz,
  last_success_at             timestamptz,
  last_failure_at             timestamptz,
  last_error                  text NOT NULL DEFAULT '',
  -- The delivery job that holds the endpoint, until when (one at a time).
  pump_until                  timestamptz,
  created_at                  timestamptz NOT NULL DEFAULT now(),
  updated_at                  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX webhook_endpoints_tenant_created_idx ON webhook_endpoints (tenant_id, created_at, id);
ALTER TABLE webhook_endpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_endpoints FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON webhook_endpoints TO konstruct_app
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
-- updated_at follows what people change, not the delivery bookkeeping.
CREATE TRIGGER webhook_endpoints_updated_at
  BEFORE UPDATE OF url, description, event_types, enabled, secret_ciphertext ON webhook_endpoints
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_endpoints TO konstruct_app;

CREATE TABLE webhook_deliveries (
  id               uuid NOT NULL,
  tenant_id        uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  seq              bigint GENERATED ALWAYS AS IDENTITY,
  endpoint_id      uuid NOT NULL,
  event_id         uuid NOT NULL,
  event_type       text NOT NULL,
  subject          text NOT NULL DEFAULT '',
  reason           text NOT NULL DEFAULT 'event' CHECK (reason IN ('event', 'replay', 'test')),
  state            text NOT NULL CHECK (state IN ('waiting', 'pending', 'succeeded', 'failed', 'cancelled')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz,
  lease_until      timestamptz,
  first_attempt_at timestamptz,
  last_attempt_at  timestamptz,
  last_status      integer,
  last_error       text NOT NULL DEFAULT '',
  created_at       timestamptz NOT NULL DEFAULT now(),
  completed_at     timestamptz,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, event_id) REFERENCES outbound_events (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_log_idx ON webhook_deliveries (tenant_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (tenant_id, endpoint_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (tenant_id, event_id);
-- What the relay looks for (due deliveries of any tenant), what an endpoint's
-- worker claims, and the head of each endpoint-and-subject chain.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_claim_idx ON webhook_deliveries (endpoint_id, next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_chain_idx ON webhook_deliveries (endpoint_id, subject, seq) WHERE state IN ('waiting', 'pending');
ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_deliveries FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON webhook_deliveries TO konstruct_app
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE ON webhook_deliveries TO konstruct_app;

CREATE TABLE webhook_attempts (
  id               uuid NOT NULL,
  tenant_id        uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  delivery_id      uuid NOT NULL,
  endpoint_id      uuid NOT NULL,
  attempt          integer NOT NULL,
  url              text NOT NULL,
  started_at       timestamptz NOT NULL,
  duration_ms      integer,
  status_code      integer,
  outcome          text NOT NULL CHECK (outcome IN ('in_progress', 'succeeded', 'failed', 'abandoned')),
  error            text NOT NULL DEFAULT '',
  response_excerpt text NOT NULL DEFAULT '',
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, delivery_id, attempt),
  FOREIGN KEY (tenant_id, delivery_id) REFERENCES webhook_deliveries (tenant_id, id) ON DELETE CASCADE
);
ALTER TABLE webhook_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_attempts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON webhook_attempts TO konstruct_app
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE ON webhook_attempts TO konstruct_app;

-- The relay's two cross-tenant questions: which tenants have events not yet
-- fanned out (oldest first), and which endpoints have deliveries due now.
-- +goose StatementBegin
CREATE FUNCTION webhook_dispatch_tenants(p_limit integer) RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT tenant_id FROM outbound_events WHERE dispatched_at IS NULL
     GROUP BY tenant_id ORDER BY min(seq) LIMIT p_limit
  $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION webhook_due_endpoints(p_limit integer) RETURNS TABLE (tenant_id uuid, endpoint_id uuid)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT d.tenant_id, d.endpoint_id FROM webhook_deliveries d
     WHERE d.state = 'pending' AND d.next_attempt_at <= now() AND (d.lease_until IS NULL OR d.lease_until < now())
       AND NOT EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.tenant_id = d.tenant_id AND e.id = d.endpoint_id AND e.pump_until > now())
     GROUP BY d.tenant_id, d.endpoint_id ORDER BY min(d.next_attempt_at) LIMIT p_limit
  $$;
-- +goose StatementEnd
-- Events (with their deliveries and attempts) older than the retention (30
-- days, events.Retention). It takes no argument: a definer function that
-- writes across tenants must not be steerable by its caller.
-- +goose StatementBegin
CREATE FUNCTION webhook_prune() RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE n integer;
BEGIN
  DELETE FROM outbound_events WHERE created_at < now() - interval '30 days';
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
-- +goose StatementEnd
CREATE POLICY definer_relay ON outbound_events FOR SELECT TO konstruct_definer USING (true);
CREATE POLICY definer_prune ON outbound_events FOR DELETE TO konstruct_definer USING (true);
CREATE POLICY definer_relay ON webhook_deliveries FOR SELECT TO konstruct_definer USING (true);
CREATE POLICY definer_relay ON webhook_endpoints FOR SELECT TO konstruct_definer USING (true);
GRANT SELECT, DELETE ON outbound_events TO konstruct_definer;
GRANT SELECT ON webhook_deliveries TO konstruct_definer;
GRANT SELECT (tenant_id, id, pump_until) ON webhook_endpoints TO konstruct_definer;
ALTER FUNCTION webhook_dispatch_tenants(integer) OWNER TO konstruct_definer;
ALTER FUNCTION webhook_due_endpoints(integer) OWNER TO konstruct_definer;
ALTER FUNCTION webhook_prune() OWNER TO konstruct_definer;
REVOKE ALL ON FUNCTION webhook_dispatch_tenants(integer), webhook_due_endpoints(integer), webhook_prune() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION webhook_dispatch_tenants(integer), webhook_due_endpoints(integer), webhook_prune() TO konstruct_app;

-- +goose Down
DROP TRIGGER conversations_forget_events ON conversations;
DROP FUNCTION forget_conversation_events();
DROP FUNCTION webhook_prune();
DROP FUNCTION webhook_due_endpoints(integer);
DROP FUNCTION webhook_dispatch_tenants(integer);
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
DROP TABLE outbound_events;
