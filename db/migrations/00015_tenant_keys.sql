-- Every primary key, unique key and foreign key of a tenant table includes
-- tenant_id, so the schema can later be distributed by tenant_id on Citus
-- (which enforces uniqueness and references only within one shard group; see
-- docs/scaling.md) without reshaping it then. Nothing changes for queries:
-- row-level security already adds tenant_id = app_current_tenant() to every
-- statement of a tenant transaction, so a lookup by id uses (tenant_id, id).
--
-- Primary keys on (id) become (tenant_id, id), keeping their names. Every
-- foreign key that references one of those tables, including tables added by
-- migrations this one does not know, is rewritten to (tenant_id, col) →
-- (tenant_id, id) with the same name and actions; ON DELETE SET NULL nulls
-- only the referencing column (PostgreSQL 15's SET NULL (col)), never
-- tenant_id. Unique keys that are ON CONFLICT targets in code, and the one
-- that is a real cross-tenant rule, are left as they are and listed with
-- their way out in api/store/tenantkeys_test.go.
--
-- The tables are small at this stage, so keys are rebuilt in the migration's
-- transaction; on a large installation the same steps would build the
-- indexes CONCURRENTLY first and attach them with ADD CONSTRAINT … USING INDEX.

-- +goose Up
-- +goose StatementBegin
DO $$
DECLARE
  -- Tables whose primary key gains tenant_id.
  rekey regclass[] := ARRAY['agents', 'api_tokens', 'audit_events', 'channel_connections', 'conversations',
                            'invitations', 'llm_keys', 'memories', 'messages', 'oauth_states', 'stripe_events',
                            'usage_records']::regclass[];
  fk record;
  fks jsonb := '[]';
  pk record;
  cols text;
  refcols text;
  action text;
BEGIN
  -- 1. Foreign keys that reference a re-keyed table: remember, then drop.
  FOR fk IN
    SELECT c.oid, c.conname, c.conrelid::regclass AS tbl, c.confrelid::regclass AS ref,
           c.confdeltype, c.confupdtype, c.condeferrable, c.condeferred,
           (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.i) FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n) AS cols,
           (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.i) FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
              JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n) AS refcols,
           EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.conrelid AND a.attname = 'tenant_id' AND NOT a.attisdropped) AS has_tenant
      FROM pg_constraint c
     WHERE c.contype = 'f' AND c.confrelid = ANY (rekey)
       AND NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) AND a.attname = 'tenant_id')
  LOOP
    IF NOT fk.has_tenant THEN
      RAISE EXCEPTION 'foreign key % on % references tenant table % but % has no tenant_id column', fk.conname, fk.tbl, fk.ref, fk.tbl;
    END IF;
    fks := fks || jsonb_build_object('name', fk.conname, 'tbl', fk.tbl::text, 'ref', fk.ref::text, 'cols', fk.cols,
                                     'refcols', fk.refcols, 'del', fk.confdeltype, 'upd', fk.confupdtype,
                                     'is_deferrable', fk.condeferrable, 'is_deferred', fk.condeferred);
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', fk.tbl, fk.conname);
  END LOOP;

  -- 2. Primary keys: (cols) → (tenant_id, cols), same name.
  FOR pk IN
    SELECT c.conname, c.conrelid::regclass AS tbl,
           (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.i) FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n) AS cols
      FROM pg_constraint c
     WHERE c.contype = 'p' AND c.conrelid = ANY (rekey)
       AND NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) AND a.attname = 'tenant_id')
  LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', pk.tbl, pk.conname);
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I PRIMARY KEY (tenant_id, %s)', pk.tbl, pk.conname, pk.cols);
  END LOOP;

  -- 3. The foreign keys again, through tenant_id.
  FOR fk IN SELECT * FROM jsonb_to_recordset(fks) AS x(name text, tbl text, ref text, cols text, refcols text,
                                                     del text, upd text, is_deferrable boolean, is_deferred boolean)
  LOOP
    IF NOT EXISTS (
      SELECT FROM pg_index i WHERE i.indrelid = fk.ref::regclass AND i.indisunique AND i.indpred IS NULL
         AND (SELECT array_agg(quote_ident(a.attname) ORDER BY a.attname) FROM pg_attribute a
               WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey[0:i.indnkeyatts - 1]))
           = (SELECT array_agg(c ORDER BY c) FROM unnest(string_to_array('tenant_id, ' || fk.refcols, ', ')) c)
    ) THEN
      RAISE EXCEPTION 'foreign key % on % references %(%), which has no unique key on (tenant_id, %)', fk.name, fk.tbl, fk.ref, fk.refcols, fk.refcols;
    END IF;
    action := CASE fk.del WHEN 'c' THEN 'CASCADE' WHEN 'r' THEN 'RESTRICT' WHEN 'n' THEN format('SET NULL (%s)', fk.cols)
                          WHEN 'd' THEN format('SET DEFAULT (%s)', fk.cols) ELSE 'NO ACTION' END;
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I FOREIGN KEY (tenant_id, %s) REFERENCES %s (tenant_id, %s) ON DELETE %s ON UPDATE %s %s',
                   fk.tbl, fk.name, fk.cols, fk.ref, fk.refcols, action,
                   CASE fk.upd WHEN 'c' THEN 'CASCADE' WHEN 'r' THEN 'RESTRICT' WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' ELSE 'NO ACTION' END,
                   CASE WHEN fk.is_deferred THEN 'DEFERRABLE INITIALLY DEFERRED' WHEN fk.is_deferrable THEN 'DEFERRABLE' ELSE '' END);
  END LOOP;
END $$;
-- +goose StatementEnd

-- A token is found by its hash before its tenant is known
-- (authenticate_api_token): the unique key is per tenant, the lookup index
-- is not unique. The hash is SHA-256 of 238 random bits, so two tenants
-- cannot share one.
DROP INDEX api_tokens_hash_key;
CREATE UNIQUE INDEX api_tokens_hash_key ON api_tokens (tenant_id, token_hash);
CREATE INDEX api_tokens_token_hash_idx ON api_tokens (token_hash);

-- The job that owns a turn's record (a retried job resumes it).
DROP INDEX messages_turn_job_key;
CREATE UNIQUE INDEX messages_turn_job_key ON messages (tenant_id, turn_job_id) WHERE turn_job_id IS NOT NULL;

-- +goose Down
DROP INDEX messages_turn_job_key;
CREATE UNIQUE INDEX messages_turn_job_key ON messages (turn_job_id) WHERE turn_job_id IS NOT NULL;
DROP INDEX api_tokens_token_hash_idx;
DROP INDEX api_tokens_hash_key;
CREATE UNIQUE INDEX api_tokens_hash_key ON api_tokens (token_hash);

-- +goose StatementBegin
DO $$
DECLARE
  rekey regclass[] := ARRAY['agents', 'api_tokens', 'audit_events', 'channel_connections', 'conversations',
                            'invitations', 'llm_keys', 'memories', 'messages', 'oauth_states', 'stripe_events',
                            'usage_records']::regclass[];
  fk record;
  fks jsonb := '[]';
  pk record;
  action text;
BEGIN
  FOR fk IN
    SELECT c.conname, c.conrelid::regclass AS tbl, c.confrelid::regclass AS ref, c.confdeltype, c.confupdtype,
           c.condeferrable, c.condeferred,
           (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.i) FROM unnest(c.conkey[2:]) WITH ORDINALITY k(n, i)
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n) AS cols,
           (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.i) FROM unnest(c.confkey[2:]) WITH ORDINALITY k(n, i)
              JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n) AS refcols
      FROM pg_constraint c
     WHERE c.contype = 'f' AND c.confrelid = ANY (rekey) AND cardinality(c.conkey) > 1
       AND (SELECT attname FROM pg_attribute WHERE attrelid = c.conrelid AND attnum = c.conkey[1]) = 'tenant_id'
  LOOP
    fks := fks || jsonb_build_object('name', fk.conname, 'tbl', fk.tbl::text, 'ref', fk.ref::text, 'cols', fk.cols,
                                     'refcols', fk.refcols, 'del', fk.confdeltype, 'upd', fk.confupdtype,
                                     'is_deferrable', fk.condeferrable, 'is_deferred', fk.condeferred);
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', fk.tbl, fk.conname);
  END LOOP;
  FOR pk IN
    SELECT c.conname, c.conrelid::regclass AS tbl,
           (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.i) FROM unnest(c.conkey[2:]) WITH ORDINALITY k(n, i)
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n) AS cols
      FROM pg_constraint c WHERE c.contype = 'p' AND c.conrelid = ANY (rekey)
  LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', pk.tbl, pk.conname);
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I PRIMARY KEY (%s)', pk.tbl, pk.conname, pk.cols);
  END LOOP;
  FOR fk IN SELECT * FROM jsonb_to_recordset(fks) AS x(name text, tbl text, ref text, cols text, refcols text,
                                                     del text, upd text, is_deferrable boolean, is_deferred boolean)
  LOOP
    action := CASE fk.del WHEN 'c' THEN 'CASCADE' WHEN 'r' THEN 'RESTRICT' WHEN 'n' THEN 'SET NULL'
                          WHEN 'd' THEN 'SET DEFAULT' ELSE 'NO ACTION' END;
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I FOREIGN KEY (%s) REFERENCES %s (%s) ON DELETE %s %s',
                   fk.tbl, fk.name, fk.cols, fk.ref, fk.refcols, action,
                   CASE WHEN fk.is_deferred THEN 'DEFERRABLE INITIALLY DEFERRED' WHEN fk.is_deferrable THEN 'DEFERRABLE' ELSE '' END);
  END LOOP;
END $$;
-- +goose StatementEnd
