import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events out (#15): a transactional outbox written in the same transaction as each change, relayed in commit
 * order to subscriptions (signed deliveries with their attempts) and to agents' live streams.
 */
export class Events1763700060000 implements MigrationInterface {
  name = 'Events1763700060000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE event_outbox_relay_seq AS bigint`);
    await q.query(`
      CREATE TABLE event_outbox (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL,
        type text NOT NULL,
        occurred_at timestamptz(3) NOT NULL,
        subject_id uuid,
        data jsonb NOT NULL,
        payload jsonb,
        relay_seq bigint,
        relayed_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT event_outbox_pkey PRIMARY KEY (id),
        CONSTRAINT event_outbox_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenant(id) ON DELETE CASCADE,
        CONSTRAINT event_outbox_type_check CHECK (type IN
          ('message.received', 'message.status', 'message.failed', 'consent.changed', 'contact.erased', 'budget.alert', 'template.status')),
        CONSTRAINT event_outbox_relayed_check CHECK ((relayed_at IS NULL) = (relay_seq IS NULL) AND (relayed_at IS NULL) = (payload IS NULL))
      )`);
    // The relay's work, in commit order.
    await q.query(`CREATE INDEX event_outbox_unrelayed_idx ON event_outbox (created_at, id) WHERE relayed_at IS NULL`);
    // Stream resume: a tenant's events after the last one a client saw.
    await q.query(`CREATE UNIQUE INDEX event_outbox_tenant_seq_idx ON event_outbox (tenant_id, relay_seq) WHERE relay_seq IS NOT NULL`);
    await q.query(`CREATE INDEX event_outbox_created_idx ON event_outbox (created_at)`);
    // Wakes the relays once the inserting transaction commits (never on rollback), once per statement.
    await q.query(`
      CREATE FUNCTION event_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('parley_event_outbox', '');
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER event_outbox_notify AFTER INSERT ON event_outbox
      FOR EACH STATEMENT EXECUTE FUNCTION event_outbox_notify()`);

    await q.query(`
      CREATE TABLE event_subscription (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL,
        url text NOT NULL,
        events text[] NOT NULL,
        active boolean NOT NULL DEFAULT true,
        description text,
        secret_encrypted text NOT NULL,
        previous_secret_encrypted text,
        previous_secret_expires_at timestamptz(3),
        failing_since timestamptz(3),
        deactivated_reason text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT event_subscription_pkey PRIMARY KEY (id),
        CONSTRAINT event_subscription_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenant(id) ON DELETE CASCADE,
        CONSTRAINT event_subscription_events_check CHECK (cardinality(events) > 0 AND events <@ ARRAY
          ['message.received', 'message.status', 'message.failed', 'consent.changed', 'contact.erased', 'budget.alert', 'template.status']::text[])
      )`);
    await q.query(`CREATE INDEX event_subscription_tenant_idx ON event_subscription (tenant_id) WHERE active`);

    await q.query(`
      CREATE TABLE event_delivery (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL,
        event_id uuid NOT NULL,
        subscription_id uuid NOT NULL,
        status text NOT NULL DEFAULT 'pending',
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz(3) NOT NULL DEFAULT now(),
        last_status_code integer,
        last_error text,
        delivered_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT event_delivery_pkey PRIMARY KEY (id),
        CONSTRAINT event_delivery_event_id_fkey FOREIGN KEY (event_id) REFERENCES event_outbox(id) ON DELETE CASCADE,
        CONSTRAINT event_delivery_subscription_id_fkey FOREIGN KEY (subscription_id) REFERENCES event_subscription(id) ON DELETE CASCADE,
        CONSTRAINT event_delivery_status_check CHECK (status IN ('pending', 'delivered', 'failed')),
        CONSTRAINT event_delivery_unique UNIQUE (event_id, subscription_id)
      )`);
    // The sweep's work (lost jobs), and a subscription's deliveries newest first.
    await q.query(`CREATE INDEX event_delivery_due_idx ON event_delivery (next_attempt_at) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX event_delivery_subscription_idx ON event_delivery (subscription_id, created_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE event_delivery_attempt (
        id bigint GENERATED ALWAYS AS IDENTITY,
        delivery_id uuid NOT NULL,
        attempted_at timestamptz(3) NOT NULL DEFAULT now(),
        status_code integer,
        latency_ms integer NOT NULL,
        error text,
        CONSTRAINT event_delivery_attempt_pkey PRIMARY KEY (id),
        CONSTRAINT event_delivery_attempt_delivery_id_fkey FOREIGN KEY (delivery_id) REFERENCES event_delivery(id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX event_delivery_attempt_delivery_idx ON event_delivery_attempt (delivery_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE event_delivery_attempt`);
    await q.query(`DROP TABLE event_delivery`);
    await q.query(`DROP TABLE event_subscription`);
    await q.query(`DROP TRIGGER event_outbox_notify ON event_outbox`);
    await q.query(`DROP FUNCTION event_outbox_notify()`);
    await q.query(`DROP TABLE event_outbox`);
    await q.query(`DROP SEQUENCE event_outbox_relay_seq`);
  }
}
