import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Budgets and cost (#12).
 *
 * - `message_send_budget`: a tenant's cap on one provider for a UTC period (`period_reset_at` = end of the
 *   current period). Counters move by reservation at dispatch, in one statement under the row lock.
 * - `notification`: admin notices (budget alerts first). `dedup_key` makes "once per budget, kind and
 *   period" a constraint rather than a hope: concurrent crossings insert one row.
 * - `fx_rate`: each tenant's own rate per currency (admins set them; no rate = EUR cost deferred).
 * - `message`: `cost_source` (`vendor`|`estimate`); what a dispatch reserved (`budget_reserved_at` = when,
 *   which picks the period it belongs to; `budget_reserved_eur` = the EUR amount added to cost budgets), so
 *   that a permanent failure releases exactly that and a later real price settles the difference.
 * - `channel_provider.messaging_tier_limit`: unique recipients of business-initiated messages per rolling
 *   24 h (null = unlimited), counted from the index below.
 * - `job_run`: one row per run of a scheduled job (cron or `job:run`), for `job:list`.
 */
export class BudgetsAndCosts1763700030000 implements MigrationInterface {
  name = 'BudgetsAndCosts1763700030000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE message_send_budget (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
        provider_id uuid NOT NULL REFERENCES channel_provider (id) ON DELETE CASCADE,
        period text NOT NULL CONSTRAINT message_send_budget_period_check CHECK (period IN ('daily', 'weekly', 'monthly')),
        max_messages integer CONSTRAINT message_send_budget_max_messages_check CHECK (max_messages > 0),
        max_cost_eur numeric(20, 8) CONSTRAINT message_send_budget_max_cost_check CHECK (max_cost_eur > 0),
        hard_stop boolean NOT NULL,
        alert_threshold_pct smallint NOT NULL DEFAULT 80
          CONSTRAINT message_send_budget_alert_threshold_check CHECK (alert_threshold_pct BETWEEN 1 AND 100),
        current_period_messages integer NOT NULL DEFAULT 0,
        current_period_cost_eur numeric(20, 8) NOT NULL DEFAULT 0,
        period_started_at timestamptz NOT NULL,
        period_reset_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT message_send_budget_cap_check CHECK (max_messages IS NOT NULL OR max_cost_eur IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX message_send_budget_provider_idx ON message_send_budget (provider_id)`);
    await q.query(`CREATE INDEX message_send_budget_tenant_idx ON message_send_budget (tenant_id, created_at, id)`);
    await q.query(`CREATE INDEX message_send_budget_reset_idx ON message_send_budget (period_reset_at)`);

    await q.query(`
      CREATE TABLE notification (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
        type text NOT NULL,
        budget_id uuid REFERENCES message_send_budget (id) ON DELETE SET NULL,
        provider_id uuid REFERENCES channel_provider (id) ON DELETE SET NULL,
        message text NOT NULL,
        data jsonb NOT NULL DEFAULT '{}',
        dedup_key text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT notification_dedup_key UNIQUE (tenant_id, dedup_key)
      )`);
    await q.query(`CREATE INDEX notification_list_idx ON notification (tenant_id, created_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE fx_rate (
        tenant_id uuid NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
        currency char(3) NOT NULL CONSTRAINT fx_rate_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
        rate_to_eur numeric(20, 10) NOT NULL CONSTRAINT fx_rate_rate_check CHECK (rate_to_eur > 0),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, currency)
      )`);

    await q.query(`
      ALTER TABLE message
        ADD COLUMN cost_source text CONSTRAINT message_cost_source_check CHECK (cost_source IN ('vendor', 'estimate')),
        ADD COLUMN budget_reserved_at timestamptz,
        ADD COLUMN budget_reserved_eur numeric(20, 8)`);
    // Costs waiting for a rate (or an estimate waiting for the vendor's price): what reconciliation reads.
    await q.query(`CREATE INDEX message_cost_pending_idx ON message (tenant_id) WHERE cost_amount IS NOT NULL AND cost_eur IS NULL`);
    // The tier guard counts the recipients of business-initiated (template) messages of the last 24 h.
    await q.query(`
      CREATE INDEX message_business_initiated_idx ON message (provider_id, created_at, contact_id)
      WHERE direction = 'outbound' AND type = 'template'`);

    await q.query(`
      ALTER TABLE channel_provider ADD COLUMN messaging_tier_limit integer
        CONSTRAINT channel_provider_messaging_tier_limit_check CHECK (messaging_tier_limit > 0)`);

    await q.query(`
      CREATE TABLE job_run (
        id bigserial PRIMARY KEY,
        name text NOT NULL,
        trigger text NOT NULL CONSTRAINT job_run_trigger_check CHECK (trigger IN ('schedule', 'manual')),
        outcome text NOT NULL CONSTRAINT job_run_outcome_check CHECK (outcome IN ('ran', 'skipped', 'failed')),
        started_at timestamptz NOT NULL,
        duration_ms integer NOT NULL,
        summary jsonb,
        error text
      )`);
    await q.query(`CREATE INDEX job_run_name_idx ON job_run (name, started_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE job_run`);
    await q.query(`ALTER TABLE channel_provider DROP COLUMN messaging_tier_limit`);
    await q.query(`DROP INDEX message_business_initiated_idx`);
    await q.query(`DROP INDEX message_cost_pending_idx`);
    await q.query(`ALTER TABLE message DROP COLUMN cost_source, DROP COLUMN budget_reserved_at, DROP COLUMN budget_reserved_eur`);
    await q.query(`DROP TABLE fx_rate`);
    await q.query(`DROP TABLE notification`);
    await q.query(`DROP TABLE message_send_budget`);
  }
}
