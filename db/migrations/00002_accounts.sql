-- Sessions, API tokens, invitations, idempotency records and rate-limit
-- counters. Sessions, idempotency records and rate-limit counters belong to a
-- caller rather than to one tenant, so they carry no tenant_id and no RLS.

-- +goose Up
CREATE TABLE sessions (
  id         uuid PRIMARY KEY,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  ip         text NOT NULL DEFAULT '',
  user_agent text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
GRANT SELECT, INSERT, UPDATE, DELETE ON sessions TO konstruct_app;

CREATE TABLE api_tokens (
  id           uuid PRIMARY KEY,
  tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  prefix       text NOT NULL,
  token_hash   bytea NOT NULL,
  role         text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
  created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  expires_at   timestamptz,
  revoked_at   timestamptz
);
CREATE UNIQUE INDEX api_tokens_hash_key ON api_tokens (token_hash);
CREATE INDEX api_tokens_tenant_created_idx ON api_tokens (tenant_id, created_at, id);
ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON api_tokens TO konstruct_app
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY definer_read ON api_tokens FOR SELECT TO konstruct_definer USING (true);
CREATE POLICY definer_touch ON api_tokens FOR UPDATE TO konstruct_definer USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON api_tokens TO konstruct_app;
GRANT SELECT ON api_tokens TO konstruct_definer;
GRANT UPDATE (last_used_at) ON api_tokens TO konstruct_definer;

CREATE TABLE invitations (
  id         uuid PRIMARY KEY,
  tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  email      text NOT NULL CHECK (email = lower(email)),
  role       text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
  invited_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, email)
);
CREATE INDEX invitations_email_idx ON invitations (email);
ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON invitations TO konstruct_app
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY definer_accept ON invitations FOR ALL TO konstruct_definer USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON invitations TO konstruct_app;
GRANT SELECT, DELETE ON invitations TO konstruct_definer;
CREATE POLICY definer_insert ON memberships FOR INSERT TO konstruct_definer WITH CHECK (true);
GRANT INSERT ON memberships TO konstruct_definer;

-- One row per (caller, Idempotency-Key). The stored response is encrypted
-- with the secrets keyring: a token's one-time secret may be in it.
CREATE TABLE idempotency_keys (
  scope               text NOT NULL,
  key                 text NOT NULL,
  request_hash        bytea NOT NULL,
  status              integer,
  response_ciphertext bytea,
  response_key_version integer,
  created_at          timestamptz NOT NULL DEFAULT now(),
  expires_at          timestamptz NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO konstruct_app;

-- Fixed-window counters for rate limits and sign-in throttling. UNLOGGED: a
-- crash forgetting recent counts is acceptable, the write cost is not.
CREATE UNLOGGED TABLE rate_limit_buckets (
  key          text NOT NULL,
  window_start timestamptz NOT NULL,
  hits         integer NOT NULL,
  expires_at   timestamptz NOT NULL,
  PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_limit_buckets_expires_idx ON rate_limit_buckets (expires_at);
GRANT SELECT, INSERT, UPDATE, DELETE ON rate_limit_buckets TO konstruct_app;

-- Authenticate an API token by the SHA-256 of its secret. Marks it used at
-- most once a minute. Returns nothing for unknown tokens; the caller checks
-- expiry and revocation so it can say which.
-- +goose StatementBegin
CREATE FUNCTION authenticate_api_token(p_hash bytea)
  RETURNS TABLE (id uuid, tenant_id uuid, name text, role text, expires_at timestamptz, revoked_at timestamptz)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  UPDATE api_tokens t SET last_used_at = now()
   WHERE t.token_hash = p_hash AND t.revoked_at IS NULL
     AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute');
  RETURN QUERY SELECT t.id, t.tenant_id, t.name, t.role, t.expires_at, t.revoked_at
                 FROM api_tokens t WHERE t.token_hash = p_hash;
END $$;
-- +goose StatementEnd
ALTER FUNCTION authenticate_api_token(bytea) OWNER TO konstruct_definer;

-- Turn a new user's pending invitations into memberships.
-- +goose StatementBegin
CREATE FUNCTION accept_invitations(p_user_id uuid, p_email text) RETURNS SETOF uuid
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  RETURN QUERY
  WITH taken AS (
    DELETE FROM invitations WHERE email = lower(p_email) RETURNING tenant_id, role
  )
  INSERT INTO memberships (tenant_id, user_id, role)
  SELECT tenant_id, p_user_id, role FROM taken
  ON CONFLICT DO NOTHING
  RETURNING tenant_id;
END $$;
-- +goose StatementEnd
ALTER FUNCTION accept_invitations(uuid, text) OWNER TO konstruct_definer;

-- Record an event about a user (a sign-in) in each tenant they belong to.
-- +goose StatementBegin
CREATE FUNCTION audit_user_event(p_user_id uuid, p_label text, p_action text, p_request_id text, p_metadata jsonb)
  RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE n integer;
BEGIN
  INSERT INTO audit_events (id, tenant_id, actor_type, actor_id, actor_label, action, target_type, target_id, metadata, request_id)
  SELECT gen_random_uuid(), m.tenant_id, 'user', p_user_id::text, p_label, p_action, 'user', p_user_id::text, p_metadata, p_request_id
    FROM memberships m WHERE m.user_id = p_user_id;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
-- +goose StatementEnd
ALTER FUNCTION audit_user_event(uuid, text, text, text, jsonb) OWNER TO konstruct_definer;

-- Every tenant, for platform administrators (the caller checks the flag).
-- +goose StatementBegin
CREATE FUNCTION platform_tenants(p_after_created timestamptz, p_after_id uuid, p_limit integer)
  RETURNS TABLE (id uuid, name text, budget_limit_usd numeric, created_at timestamptz, updated_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT t.id, t.name, t.budget_limit_usd, t.created_at, t.updated_at FROM tenants t
     WHERE p_after_id IS NULL OR (t.created_at, t.id) > (p_after_created, p_after_id)
     ORDER BY t.created_at, t.id LIMIT p_limit
  $$;
-- +goose StatementEnd
ALTER FUNCTION platform_tenants(timestamptz, uuid, integer) OWNER TO konstruct_definer;

REVOKE ALL ON FUNCTION authenticate_api_token(bytea), accept_invitations(uuid, text),
  audit_user_event(uuid, text, text, text, jsonb), platform_tenants(timestamptz, uuid, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION authenticate_api_token(bytea), accept_invitations(uuid, text),
  audit_user_event(uuid, text, text, text, jsonb), platform_tenants(timestamptz, uuid, integer) TO konstruct_app;

-- +goose Down
DROP FUNCTION platform_tenants(timestamptz, uuid, integer);
DROP FUNCTION audit_user_event(uuid, text, text, text, jsonb);
DROP FUNCTION accept_invitations(uuid, text);
DROP FUNCTION authenticate_api_token(bytea);
DROP TABLE rate_limit_buckets;
DROP TABLE idempotency_keys;
DROP POLICY definer_insert ON memberships;
DROP TABLE invitations;
DROP TABLE api_tokens;
DROP TABLE sessions;
