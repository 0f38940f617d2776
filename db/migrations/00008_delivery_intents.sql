-- Exactly one reply per message: the durable intent of every outbound send,
-- and WhatsApp people known by phone number, business-scoped user id or both.

-- +goose Up

-- One row per message Konstruct creates at a provider (a Slack placeholder or
-- continuation slot, a WhatsApp reply part, an apology), written and committed
-- BEFORE the provider is called. Its id travels with the send (WhatsApp
-- biz_opaque_callback_data, Slack message metadata) and comes back in the
-- provider's own evidence (status webhooks, message_metadata_posted events),
-- so a send whose answer was lost (a crash, a timeout, a 5xx) is resolved from
-- that evidence before anything is sent again. See docs/channels-and-turns.md.
CREATE TABLE outbound_parts (
  id            uuid NOT NULL,
  tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  message_id    uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  connection_id uuid NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('slot', 'reply', 'apology')),
  seq           integer NOT NULL,
  -- sending: the provider may be being called (found so later: in doubt);
  -- in_doubt: the outcome is unknown, evidence is awaited since doubt_since;
  -- unsent: the provider certainly did not take it; sent: provider_ref is known;
  -- abandoned: unprovable either way, resolved toward at most one copy.
  state         text NOT NULL CHECK (state IN ('sending', 'in_doubt', 'unsent', 'sent', 'abandoned')),
  attempts      integer NOT NULL DEFAULT 1,
  provider_ref  text,
  -- How the turn learned provider_ref: the send's own answer, or (when that
  -- answer never came) a status webhook / message_metadata_posted event.
  evidence      text NOT NULL DEFAULT '' CHECK (evidence IN ('', 'response', 'status', 'metadata')),
  status        text NOT NULL DEFAULT '',
  status_at     timestamptz,
  error_code    integer,
  attempted_at  timestamptz NOT NULL DEFAULT now(),
  doubt_since   timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, message_id, kind, seq)
);
-- "Did this number's status webhooks arrive lately?" decides whether silence
-- about an in-doubt WhatsApp part is evidence that it was not sent.
CREATE INDEX outbound_parts_status_idx ON outbound_parts (connection_id, status_at DESC) WHERE status_at IS NOT NULL;
CREATE INDEX outbound_parts_tenant_idx ON outbound_parts (tenant_id, created_at);
ALTER TABLE outbound_parts ENABLE ROW LEVEL SECURITY;
ALTER TABLE outbound_parts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON outbound_parts TO konstruct_app
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE TRIGGER outbound_parts_updated_at BEFORE UPDATE ON outbound_parts FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
GRANT SELECT, INSERT, UPDATE, DELETE ON outbound_parts TO konstruct_app;

-- A WhatsApp person on one connection, whatever identifiers Meta sends:
-- phone number (wa_id), business-scoped user id (BSUID), parent BSUID,
-- username. person_key never changes once chosen (the first identifier seen,
-- or the key of a conversation from before this table): it is the
-- conversation's thread key and participant id, and so what memories are
-- keyed by.
CREATE TABLE whatsapp_people (
  tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  connection_id uuid NOT NULL REFERENCES channel_connections (id) ON DELETE CASCADE,
  person_key    text NOT NULL,
  phone         text NOT NULL DEFAULT '',
  bsuid         text NOT NULL DEFAULT '',
  parent_bsuid  text NOT NULL DEFAULT '',
  username      text NOT NULL DEFAULT '',
  profile_name  text NOT NULL DEFAULT '',
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, connection_id, person_key)
);
CREATE UNIQUE INDEX whatsapp_people_phone_key ON whatsapp_people (tenant_id, connection_id, phone) WHERE phone <> '';
CREATE UNIQUE INDEX whatsapp_people_bsuid_key ON whatsapp_people (tenant_id, connection_id, bsuid) WHERE bsuid <> '';
ALTER TABLE whatsapp_people ENABLE ROW LEVEL SECURITY;
ALTER TABLE whatsapp_people FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON whatsapp_people TO konstruct_app
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE TRIGGER whatsapp_people_updated_at BEFORE UPDATE ON whatsapp_people FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
GRANT SELECT, INSERT, UPDATE, DELETE ON whatsapp_people TO konstruct_app;

-- whatsapp_person finds (or creates) the person a message's identifiers belong
-- to and records what the message says about them, in one round trip on the
-- ingest path. It runs as the caller, inside the tenant's transaction (RLS
-- applies). A conversation from before people were stored (keyed "wa:<phone>"
-- or "wa:<BSUID>") is adopted, so its history and memories stay with the
-- person. An identifier another person held moves to this one (a phone number
-- and BSUID arriving together link them).
-- +goose StatementBegin
CREATE FUNCTION whatsapp_person(p_connection uuid, p_phone text, p_bsuid text, p_parent text, p_username text, p_name text)
  RETURNS TABLE (person_key text, phone text, bsuid text)
  LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp
  AS $$
DECLARE
  k text;
BEGIN
  IF coalesce(p_phone, '') = '' AND coalesce(p_bsuid, '') = '' THEN
    RETURN;
  END IF;
  SELECT w.person_key INTO k FROM whatsapp_people w
   WHERE w.connection_id = p_connection
     AND ((p_phone <> '' AND w.phone = p_phone) OR (p_bsuid <> '' AND w.bsuid = p_bsuid))
   ORDER BY w.created_at LIMIT 1;
  IF k IS NULL THEN
    SELECT c.participant_id INTO k FROM conversations c
     WHERE c.connection_id = p_connection AND c.channel_type = 'whatsapp' AND c.participant_id <> ''
       AND c.thread_key IN ('wa:' || nullif(p_phone, ''), 'wa:' || nullif(p_bsuid, ''))
     ORDER BY c.created_at LIMIT 1;
    k := coalesce(k, nullif(p_phone, ''), p_bsuid);
    INSERT INTO whatsapp_people (tenant_id, connection_id, person_key) VALUES (app_current_tenant(), p_connection, k)
      ON CONFLICT ON CONSTRAINT whatsapp_people_pkey DO NOTHING;
  END IF;
  IF p_phone <> '' THEN
    UPDATE whatsapp_people w SET phone = '' WHERE w.connection_id = p_connection AND w.phone = p_phone AND w.person_key <> k;
  END IF;
  IF p_bsuid <> '' THEN
    UPDATE whatsapp_people w SET bsuid = '' WHERE w.connection_id = p_connection AND w.bsuid = p_bsuid AND w.person_key <> k;
  END IF;
  RETURN QUERY UPDATE whatsapp_people w SET
      phone = coalesce(nullif(p_phone, ''), w.phone),
      bsuid = coalesce(nullif(p_bsuid, ''), w.bsuid),
      parent_bsuid = coalesce(nullif(p_parent, ''), w.parent_bsuid),
      username = coalesce(nullif(p_username, ''), w.username),
      profile_name = coalesce(nullif(p_name, ''), w.profile_name)
    WHERE w.connection_id = p_connection AND w.person_key = k
    RETURNING w.person_key, w.phone, w.bsuid;
END $$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION whatsapp_person(uuid, text, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION whatsapp_person(uuid, text, text, text, text, text) TO konstruct_app;

-- +goose Down
DROP FUNCTION whatsapp_person(uuid, text, text, text, text, text);
DROP TABLE whatsapp_people;
DROP TABLE outbound_parts;
