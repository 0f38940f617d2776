-- Security hardening (issue 14): what the application role may still do is
-- what the application does, and no more.
--
-- * API tokens act with the current rights of the membership that created
--   them: authentication returns the creator's role, and a token whose
--   creator is gone authenticates no one.
-- * Users and sessions get row-level security keyed on the transaction's
--   app.current_user; password hashes are readable only through
--   signin_credentials(email); sessions are resolved by
--   authenticate_session(user, session).
-- * accept_invitations and audit_user_event, which let the application role
--   write into any tenant without that tenant's setting, are gone: an
--   invitation is accepted inside its own tenant's transaction with the
--   invitation's link, and sign-in events are written tenant by tenant.
-- * Sign-in throttling per account and address, with exponential delay.
-- * Tenants' LLM keys remember the models their provider listed.
-- * (River's migration table becomes read-only for the app role in
--   store.Migrate's grants, which run after every migration.)

-- +goose Up

-- The user the transaction acts for, or NULL. Like app_current_tenant().
-- +goose StatementBegin
CREATE FUNCTION app_current_user() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT nullif(current_setting('app.current_user', true), '')::uuid $$;
-- +goose StatementEnd

-- Users: yourself, and the members of the tenant the transaction is in.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY self ON users TO konstruct_app
  USING (id = app_current_user()) WITH CHECK (id = app_current_user());
CREATE POLICY tenant_members ON users FOR SELECT TO konstruct_app
  USING (EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id AND m.tenant_id = app_current_tenant()));
CREATE POLICY definer_read ON users FOR SELECT TO konstruct_definer USING (true);
-- Password hashes never reach the application role but through
-- signin_credentials, for one email at a time.
REVOKE SELECT, UPDATE ON users FROM konstruct_app;
GRANT SELECT (id, email, name, is_platform_admin, created_at, updated_at) ON users TO konstruct_app;
GRANT UPDATE (email, name, password_hash) ON users TO konstruct_app;

-- Sessions: only your own.
ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY self ON sessions TO konstruct_app
  USING (user_id = app_current_user()) WITH CHECK (user_id = app_current_user());
CREATE POLICY definer_all ON sessions FOR ALL TO konstruct_definer USING (true);
GRANT SELECT, DELETE ON sessions TO konstruct_definer;

-- Sign-in: the id and password hash of one account, by its exact email.
-- +goose StatementBegin
CREATE FUNCTION signin_credentials(p_email text) RETURNS TABLE (id uuid, password_hash text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$ SELECT u.id, u.password_hash FROM users u WHERE u.email = lower(p_email) $$;
-- +goose StatementEnd
ALTER FUNCTION signin_credentials(text) OWNER TO konstruct_definer;

-- A session cookie's user, if that session is live (not revoked, not expired).
-- +goose StatementBegin
CREATE FUNCTION authenticate_session(p_user_id uuid, p_session_id uuid)
  RETURNS TABLE (id uuid, email text, name text, is_platform_admin boolean, created_at timestamptz, updated_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT u.id, u.email, u.name, u.is_platform_admin, u.created_at, u.updated_at
      FROM users u JOIN sessions s ON s.user_id = u.id
     WHERE u.id = p_user_id AND s.id = p_session_id AND s.revoked_at IS NULL AND s.expires_at > now()
  $$;
-- +goose StatementEnd
ALTER FUNCTION authenticate_session(uuid, uuid) OWNER TO konstruct_definer;

-- Expired and revoked sessions of everyone (the periodic prune).
-- +goose StatementBegin
CREATE FUNCTION prune_sessions() RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE n integer;
BEGIN
  DELETE FROM sessions WHERE expires_at < now() - interval '1 day' OR revoked_at < now() - interval '1 day';
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
-- +goose StatementEnd
ALTER FUNCTION prune_sessions() OWNER TO konstruct_definer;

REVOKE ALL ON FUNCTION signin_credentials(text), authenticate_session(uuid, uuid), prune_sessions() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION signin_credentials(text), authenticate_session(uuid, uuid), prune_sessions() TO konstruct_app;

-- API tokens: authentication also returns who created the token and that
-- person's role in the token's tenant now (NULL when they are no longer a
-- member), so a token never outlives or outranks its creator's membership.
DROP FUNCTION authenticate_api_token(bytea);
-- +goose StatementBegin
CREATE FUNCTION authenticate_api_token(p_hash bytea)
  RETURNS TABLE (id uuid, tenant_id uuid, name text, role text, expires_at timestamptz, revoked_at timestamptz,
                 created_by uuid, creator_role text)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
BEGIN
  UPDATE api_tokens t SET last_used_at = now()
   WHERE t.token_hash = p_hash AND t.revoked_at IS NULL
     AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute');
  RETURN QUERY SELECT t.id, t.tenant_id, t.name, t.role, t.expires_at, t.revoked_at, t.created_by, m.role
                 FROM api_tokens t LEFT JOIN memberships m ON m.tenant_id = t.tenant_id AND m.user_id = t.created_by
                WHERE t.token_hash = p_hash;
END $$;
-- +goose StatementEnd
ALTER FUNCTION authenticate_api_token(bytea) OWNER TO konstruct_definer;
REVOKE ALL ON FUNCTION authenticate_api_token(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION authenticate_api_token(bytea) TO konstruct_app;
CREATE INDEX api_tokens_created_by_idx ON api_tokens (tenant_id, created_by);

-- Invitations are accepted by their invitee, inside the invitation's tenant,
-- with the link they were sent; nothing crosses tenants any more.
DROP FUNCTION accept_invitations(uuid, text);
DROP POLICY definer_accept ON invitations;
DROP POLICY definer_insert ON memberships;
REVOKE SELECT, DELETE ON invitations FROM konstruct_definer;
REVOKE INSERT ON memberships FROM konstruct_definer;
ALTER TABLE invitations ADD COLUMN expires_at timestamptz NOT NULL DEFAULT now() + interval '14 days';

-- Sign-in events are written into each of the user's tenants in that
-- tenant's own transaction.
DROP FUNCTION audit_user_event(uuid, text, text, text, jsonb);
DROP POLICY definer_append ON audit_events;
REVOKE INSERT ON audit_events FROM konstruct_definer;

-- Failed sign-ins per (account, address): each failure past the free ones
-- doubles the wait before that address may try that account again. Keyed by
-- a hash, so no email is stored. UNLOGGED like rate_limit_buckets.
CREATE UNLOGGED TABLE signin_failures (
  key           bytea PRIMARY KEY,
  failures      integer NOT NULL,
  last_failed   timestamptz NOT NULL,
  blocked_until timestamptz
);
CREATE INDEX signin_failures_last_idx ON signin_failures (last_failed);
GRANT SELECT, INSERT, UPDATE, DELETE ON signin_failures TO konstruct_app;

-- The models a key's provider listed the last time the key was checked.
ALTER TABLE llm_keys ADD COLUMN models text[];
ALTER TABLE llm_keys ADD COLUMN models_checked_at timestamptz;

-- +goose Down
ALTER TABLE llm_keys DROP COLUMN models_checked_at, DROP COLUMN models;
DROP TABLE signin_failures;

GRANT INSERT ON audit_events TO konstruct_definer;
CREATE POLICY definer_append ON audit_events FOR INSERT TO konstruct_definer WITH CHECK (true);
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
REVOKE ALL ON FUNCTION audit_user_event(uuid, text, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_user_event(uuid, text, text, text, jsonb) TO konstruct_app;

ALTER TABLE invitations DROP COLUMN expires_at;
GRANT SELECT, DELETE ON invitations TO konstruct_definer;
GRANT INSERT ON memberships TO konstruct_definer;
CREATE POLICY definer_accept ON invitations FOR ALL TO konstruct_definer USING (true) WITH CHECK (true);
CREATE POLICY definer_insert ON memberships FOR INSERT TO konstruct_definer WITH CHECK (true);
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
REVOKE ALL ON FUNCTION accept_invitations(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION accept_invitations(uuid, text) TO konstruct_app;

DROP INDEX api_tokens_created_by_idx;
DROP FUNCTION authenticate_api_token(bytea);
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
REVOKE ALL ON FUNCTION authenticate_api_token(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION authenticate_api_token(bytea) TO konstruct_app;

DROP FUNCTION prune_sessions();
DROP FUNCTION authenticate_session(uuid, uuid);
DROP FUNCTION signin_credentials(text);
REVOKE SELECT, DELETE ON sessions FROM konstruct_definer;
DROP POLICY definer_all ON sessions;
DROP POLICY self ON sessions;
ALTER TABLE sessions NO FORCE ROW LEVEL SECURITY;
ALTER TABLE sessions DISABLE ROW LEVEL SECURITY;
REVOKE SELECT (id, email, name, is_platform_admin, created_at, updated_at), UPDATE (email, name, password_hash) ON users FROM konstruct_app;
GRANT SELECT, UPDATE ON users TO konstruct_app;
DROP POLICY definer_read ON users;
DROP POLICY tenant_members ON users;
DROP POLICY self ON users;
ALTER TABLE users NO FORCE ROW LEVEL SECURITY;
ALTER TABLE users DISABLE ROW LEVEL SECURITY;
DROP FUNCTION app_current_user();
