-- Roles, the tenant setting helper, and the first tenant tables.
--
-- konstruct_app      the role the server and workers log in as: no superuser, no
--                    BYPASSRLS; sees tenant rows only through the policies below.
-- konstruct_definer  NOLOGIN; owns the narrow SECURITY DEFINER functions that must
--                    look across tenants (webhook routing, sign-in). Policies grant
--                    it exactly the rows those functions need, so no role with
--                    BYPASSRLS or superuser is needed at run time.

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'konstruct_app') THEN
    CREATE ROLE konstruct_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'konstruct_definer') THEN
    CREATE ROLE konstruct_definer NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END $$;
-- +goose StatementEnd

-- The migrating owner must be able to hand functions to konstruct_definer.
-- +goose StatementBegin
DO $$
BEGIN
  IF NOT pg_has_role(current_user, 'konstruct_definer', 'MEMBER') THEN
    EXECUTE format('GRANT konstruct_definer TO %I', current_user);
  END IF;
END $$;
-- +goose StatementEnd

GRANT USAGE ON SCHEMA public TO konstruct_app, konstruct_definer;

-- The current tenant of the transaction, or NULL when none is set. Policies
-- compare tenant_id with it, so a connection without a tenant sees no rows.
-- SET LOCAL leaves the setting as '' after the transaction, hence nullif.
-- +goose StatementBegin
CREATE FUNCTION app_current_tenant() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT nullif(current_setting('app.current_tenant', true), '')::uuid $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION reject_modification() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at = now();
  RETURN NEW;
END $$;
-- +goose StatementEnd

CREATE TABLE tenants (
  id               uuid PRIMARY KEY,
  name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  budget_limit_usd numeric(12, 2) CHECK (budget_limit_usd >= 0),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants TO konstruct_app
  USING (id = app_current_tenant()) WITH CHECK (id = app_current_tenant());
CREATE POLICY definer_read ON tenants FOR SELECT TO konstruct_definer USING (true);
CREATE TRIGGER tenants_updated_at BEFORE UPDATE ON tenants FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
GRANT SELECT, INSERT, UPDATE, DELETE ON tenants TO konstruct_app;
GRANT SELECT ON tenants TO konstruct_definer;

-- Users exist across tenants (one person, several workspaces), so they are not
-- a tenant table. Emails are stored lower-cased.
CREATE TABLE users (
  id                uuid PRIMARY KEY,
  email             text NOT NULL CHECK (email = lower(email) AND length(email) <= 254),
  name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  password_hash     text NOT NULL,
  is_platform_admin boolean NOT NULL DEFAULT false,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
GRANT SELECT, INSERT, UPDATE ON users TO konstruct_app;
GRANT SELECT ON users TO konstruct_definer;

CREATE TABLE memberships (
  tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role       text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX memberships_user_id_idx ON memberships (user_id);
ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON memberships TO konstruct_app
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY definer_read ON memberships FOR SELECT TO konstruct_definer USING (true);
CREATE TRIGGER memberships_updated_at BEFORE UPDATE ON memberships FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
GRANT SELECT, INSERT, UPDATE, DELETE ON memberships TO konstruct_app;
GRANT SELECT ON memberships TO konstruct_definer;

CREATE TABLE agents (
  id                uuid PRIMARY KEY,
  tenant_id         uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  name              text NOT NULL,
  role_title        text NOT NULL DEFAULT '',
  persona           text NOT NULL DEFAULT '',
  system_prompt     text NOT NULL DEFAULT '',
  model             text NOT NULL,
  fallback_models   text[] NOT NULL DEFAULT '{}',
  temperature       real NOT NULL DEFAULT 0.7 CHECK (temperature BETWEEN 0 AND 2),
  max_reply_chars   integer NOT NULL DEFAULT 2000 CHECK (max_reply_chars > 0),
  window_size       integer NOT NULL DEFAULT 20 CHECK (window_size BETWEEN 1 AND 200),
  tools             text[] NOT NULL DEFAULT '{}',
  escalation_rules  text[] NOT NULL DEFAULT '{}',
  escalation_target jsonb,
  is_active         boolean NOT NULL DEFAULT true,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agents_tenant_created_idx ON agents (tenant_id, created_at, id);
ALTER TABLE agents ENABLE ROW LEVEL SECURITY;
ALTER TABLE agents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON agents TO konstruct_app
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE TRIGGER agents_updated_at BEFORE UPDATE ON agents FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
GRANT SELECT, INSERT, UPDATE, DELETE ON agents TO konstruct_app;

-- Append-only: konstruct_app may INSERT and SELECT, and a trigger stops UPDATE,
-- DELETE and TRUNCATE even for the owner. No foreign key to tenants: the trail
-- must outlive what it describes.
CREATE TABLE audit_events (
  id          uuid PRIMARY KEY,
  tenant_id   uuid NOT NULL,
  actor_type  text NOT NULL CHECK (actor_type IN ('user', 'token', 'system')),
  actor_id    text NOT NULL DEFAULT '',
  actor_label text NOT NULL DEFAULT '',
  action      text NOT NULL,
  target_type text NOT NULL DEFAULT '',
  target_id   text NOT NULL DEFAULT '',
  metadata    jsonb NOT NULL DEFAULT '{}',
  request_id  text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_events_tenant_created_idx ON audit_events (tenant_id, created_at DESC, id DESC);
ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_read ON audit_events FOR SELECT TO konstruct_app
  USING (tenant_id = app_current_tenant());
CREATE POLICY tenant_append ON audit_events FOR INSERT TO konstruct_app
  WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY definer_append ON audit_events FOR INSERT TO konstruct_definer WITH CHECK (true);
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION reject_modification();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION reject_modification();
GRANT SELECT, INSERT ON audit_events TO konstruct_app;
GRANT INSERT ON audit_events TO konstruct_definer;

-- Cross-tenant lookups: each is SECURITY DEFINER, owned by konstruct_definer,
-- with a pinned search_path, and answers one narrow question.

-- The tenants a user belongs to, with the role in each (for /me and sign-in).
-- +goose StatementBegin
CREATE FUNCTION user_memberships(p_user_id uuid)
  RETURNS TABLE (tenant_id uuid, tenant_name text, role text, created_at timestamptz,
                 budget_limit_usd numeric, tenant_created_at timestamptz, tenant_updated_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT t.id, t.name, m.role, m.created_at, t.budget_limit_usd, t.created_at, t.updated_at
    FROM memberships m JOIN tenants t ON t.id = m.tenant_id
    WHERE m.user_id = p_user_id
    ORDER BY m.created_at, t.id
  $$;
-- +goose StatementEnd
ALTER FUNCTION user_memberships(uuid) OWNER TO konstruct_definer;

-- A user's role in one tenant, or NULL when not a member.
-- +goose StatementBegin
CREATE FUNCTION membership_role(p_tenant_id uuid, p_user_id uuid) RETURNS text
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$ SELECT role FROM memberships WHERE tenant_id = p_tenant_id AND user_id = p_user_id $$;
-- +goose StatementEnd
ALTER FUNCTION membership_role(uuid, uuid) OWNER TO konstruct_definer;

REVOKE ALL ON FUNCTION user_memberships(uuid), membership_role(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION user_memberships(uuid), membership_role(uuid, uuid) TO konstruct_app;

-- +goose Down
DROP FUNCTION membership_role(uuid, uuid);
DROP FUNCTION user_memberships(uuid);
DROP TABLE audit_events;
DROP TABLE agents;
DROP TABLE memberships;
DROP TABLE users;
DROP TABLE tenants;
DROP FUNCTION touch_updated_at();
DROP FUNCTION reject_modification();
DROP FUNCTION app_current_tenant();
