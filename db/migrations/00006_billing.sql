-- Billing: the tenant's Stripe customer and subscription, the Stripe events
-- already applied (each exactly once), and the budget alerts and notices that
-- must happen once per month.

-- +goose Up
ALTER TABLE tenants
  ADD COLUMN stripe_customer_id      text,
  ADD COLUMN subscription_id         text,
  ADD COLUMN subscription_item_id    text,
  ADD COLUMN subscription_status     text CHECK (subscription_status IN
    ('trialing', 'active', 'past_due', 'canceled', 'unpaid', 'incomplete', 'incomplete_expired', 'paused')),
  ADD COLUMN subscription_period_end timestamptz,
  ADD COLUMN subscription_seats      integer NOT NULL DEFAULT 0,
  -- The Stripe event time of the state above: an older event never overwrites it.
  ADD COLUMN subscription_event_at   timestamptz,
  -- When the subscription became past due (the grace period runs from here).
  ADD COLUMN past_due_since          timestamptz,
  -- Overrides created_at + BILLING_TRIAL_DAYS (support can extend a trial).
  ADD COLUMN trial_ends_at           timestamptz,
  ADD COLUMN budget_action           text NOT NULL DEFAULT 'notify' CHECK (budget_action IN ('notify', 'downgrade', 'stop'));
CREATE UNIQUE INDEX tenants_stripe_customer_key ON tenants (stripe_customer_id) WHERE stripe_customer_id IS NOT NULL;

-- One row per Stripe event applied, written in the transaction that applies
-- it: a redelivered or concurrent duplicate hits the primary key and does
-- nothing.
CREATE TABLE stripe_events (
  id           text PRIMARY KEY,
  tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  type         text NOT NULL,
  created_at   timestamptz NOT NULL, -- the event's own time (Stripe's "created")
  processed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stripe_events_tenant_idx ON stripe_events (tenant_id, processed_at);
ALTER TABLE stripe_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE stripe_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON stripe_events TO konstruct_app
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT ON stripe_events TO konstruct_app;

-- A budget threshold crossed in a month (warning at 80 %, exceeded at 100 %):
-- the alert is audited once per threshold per month.
CREATE TABLE budget_alerts (
  tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  month      date NOT NULL,
  threshold  text NOT NULL CHECK (threshold IN ('warning', 'exceeded')),
  spent_usd  numeric(14, 6) NOT NULL,
  limit_usd  numeric(12, 2) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, month, threshold)
);
ALTER TABLE budget_alerts ENABLE ROW LEVEL SECURITY;
ALTER TABLE budget_alerts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON budget_alerts TO konstruct_app
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT ON budget_alerts TO konstruct_app;

-- With the "stop" action each chat user is told once a month that the agent
-- is paused; this remembers who was told.
CREATE TABLE budget_notices (
  tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  month           date NOT NULL,
  participant_key text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, month, participant_key)
);
ALTER TABLE budget_notices ENABLE ROW LEVEL SECURITY;
ALTER TABLE budget_notices FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON budget_notices TO konstruct_app
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT ON budget_notices TO konstruct_app;

-- Month-to-date spend, kept by a trigger on usage_records, so an agent turn
-- checks its tenant's budget with one row read instead of summing a month of
-- usage (345 ms for 300k calls measured on 2 cores; see docs/billing.md).
CREATE TABLE usage_monthly (
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  month     date NOT NULL,
  cost_usd  numeric(18, 6) NOT NULL DEFAULT 0,
  calls     bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, month)
);
ALTER TABLE usage_monthly ENABLE ROW LEVEL SECURITY;
ALTER TABLE usage_monthly FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON usage_monthly TO konstruct_app
  USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE ON usage_monthly TO konstruct_app;

-- +goose StatementBegin
CREATE FUNCTION usage_monthly_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO usage_monthly AS m (tenant_id, month, cost_usd, calls)
  VALUES (NEW.tenant_id, date_trunc('month', NEW.created_at AT TIME ZONE 'UTC')::date, NEW.cost_usd, 1)
  ON CONFLICT (tenant_id, month) DO UPDATE SET cost_usd = m.cost_usd + excluded.cost_usd, calls = m.calls + 1;
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER usage_records_monthly AFTER INSERT ON usage_records FOR EACH ROW EXECUTE FUNCTION usage_monthly_add();
INSERT INTO usage_monthly (tenant_id, month, cost_usd, calls)
SELECT tenant_id, date_trunc('month', created_at AT TIME ZONE 'UTC')::date, sum(cost_usd), count(*)
  FROM usage_records GROUP BY 1, 2;

-- Stripe webhooks name a customer, not a tenant.
-- +goose StatementBegin
CREATE FUNCTION billing_tenant_by_customer(p_customer_id text) RETURNS uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$ SELECT id FROM tenants WHERE stripe_customer_id = p_customer_id $$;
-- +goose StatementEnd
ALTER FUNCTION billing_tenant_by_customer(text) OWNER TO konstruct_definer;

-- The periodic budget check visits every tenant with a limit.
-- +goose StatementBegin
CREATE FUNCTION billing_budget_tenants() RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$ SELECT id FROM tenants WHERE budget_limit_usd IS NOT NULL ORDER BY id $$;
-- +goose StatementEnd
ALTER FUNCTION billing_budget_tenants() OWNER TO konstruct_definer;

REVOKE ALL ON FUNCTION billing_tenant_by_customer(text), billing_budget_tenants() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION billing_tenant_by_customer(text), billing_budget_tenants() TO konstruct_app;

-- +goose Down
DROP FUNCTION billing_budget_tenants();
DROP FUNCTION billing_tenant_by_customer(text);
DROP TRIGGER usage_records_monthly ON usage_records;
DROP FUNCTION usage_monthly_add();
DROP TABLE usage_monthly;
DROP TABLE budget_notices;
DROP TABLE budget_alerts;
DROP TABLE stripe_events;
DROP INDEX tenants_stripe_customer_key;
ALTER TABLE tenants
  DROP COLUMN budget_action, DROP COLUMN trial_ends_at, DROP COLUMN past_due_since,
  DROP COLUMN subscription_event_at, DROP COLUMN subscription_seats, DROP COLUMN subscription_period_end,
  DROP COLUMN subscription_status, DROP COLUMN subscription_item_id, DROP COLUMN subscription_id,
  DROP COLUMN stripe_customer_id;
