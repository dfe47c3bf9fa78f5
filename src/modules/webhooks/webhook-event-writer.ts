import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { timeOrderedId } from '../../common/ids/time-ordered-id';
import { AppConfig } from '../../config/app-config';
import { isTransientDatabaseError } from '../../database/postgres-errors';
import { webhookEventsChannel } from './webhook-events-channel';

/** One verified delivery to store. */
export interface NewWebhookEvent {
  tenantId: string;
  providerId: string;
  dedupKey: string;
  /** The public URL, secrets in the query already redacted. */
  url: string;
  headers: Record<string, string>;
  rawBody: Buffer;
}

/** How long the first delivery of a group waits for others to share its statement. */
export const GROUP_WINDOW_MS = 2;
/** A group is written at once when it is this large (the notification payload holds 100 ids with room to spare). */
export const MAX_GROUP_ROWS = 100;
/** Statements in flight at a time; further deliveries wait in the next group. */
export const MAX_FLUSHES_IN_FLIGHT = 4;

interface Waiting {
  id: string;
  event: NewWebhookEvent;
  resolve(stored: boolean): void;
  reject(error: unknown): void;
}

/**
 * Group commit for webhook acknowledgements: concurrent deliveries are collected for at most
 * GROUP_WINDOW_MS (or until MAX_GROUP_ROWS) and stored with ONE statement, a multi-row
 * `INSERT … ON CONFLICT DO NOTHING` that also notifies the processing pump (pg_notify in the same
 * statement, delivered when it commits). Each caller's promise settles once that statement has committed:
 * `true` stored, `false` a repeat of a stored delivery; it rejects when the statement failed, so that
 * nothing is acknowledged that is not stored. A group PostgreSQL refuses for its data (not for being
 * unreachable) is written again row by row, so that one bad delivery does not fail the others.
 */
@Injectable()
export class WebhookEventWriter implements OnApplicationShutdown {
  private readonly logger = new Logger(WebhookEventWriter.name);
  private readonly channel: string;
  private group: Waiting[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    this.channel = webhookEventsChannel(config);
  }

  write(event: NewWebhookEvent): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.group.push({ id: timeOrderedId(), event, resolve, reject });
      if (this.group.length >= MAX_GROUP_ROWS) this.flush();
      else this.timer ??= setTimeout(() => this.windowClosed(), GROUP_WINDOW_MS);
    });
  }

  /** Whatever is waiting is written before the database goes away. */
  async onApplicationShutdown(): Promise<void> {
    while (this.group.length > 0 || this.inFlight.size > 0) {
      this.flush();
      await Promise.allSettled([...this.inFlight]);
    }
  }

  private windowClosed(): void {
    this.timer = null;
    this.flush();
  }

  /** Starts a statement for the waiting group, unless all slots are busy (a finishing one comes back here). */
  private flush(): void {
    if (this.group.length === 0 || this.inFlight.size >= MAX_FLUSHES_IN_FLIGHT) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const group = this.group.splice(0, MAX_GROUP_ROWS);
    const flush = this.store(group).finally(() => {
      this.inFlight.delete(flush);
      // Deliveries that waited for a slot go now; a younger group keeps its window.
      if (this.group.length > 0 && !this.timer) this.flush();
    });
    this.inFlight.add(flush);
    if (this.group.length >= MAX_GROUP_ROWS) this.flush();
  }

  private async store(group: Waiting[]): Promise<void> {
    let stored: Set<string>;
    try {
      stored = await this.insert(group);
    } catch (e) {
      if (group.length > 1 && !isTransientDatabaseError(e)) {
        for (const waiting of group) await this.store([waiting]);
        return;
      }
      this.logger.error({ events: group.length, err: e }, 'could not store webhook events');
      for (const waiting of group) waiting.reject(e);
      return;
    }
    for (const waiting of group) waiting.resolve(stored.has(waiting.id));
  }

  /** One statement for the group; answers the ids it stored (the others repeat a stored delivery). */
  private async insert(group: Waiting[]): Promise<Set<string>> {
    const [row] = await this.dataSource.query<{ ids: string[] | null }[]>(
      `WITH stored AS (
         INSERT INTO webhook_event (id, tenant_id, provider_id, dedup_key, url, headers, raw_body)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::jsonb[], $7::bytea[])
         ON CONFLICT ON CONSTRAINT webhook_event_dedup_unique DO NOTHING
         RETURNING id
       )
       SELECT array_agg(id)::text[] AS ids,
              CASE WHEN count(*) > 0 THEN pg_notify($8, string_agg(id::text, ',')) END AS notified
       FROM stored`,
      [
        group.map((w) => w.id),
        group.map((w) => w.event.tenantId),
        group.map((w) => w.event.providerId),
        group.map((w) => w.event.dedupKey),
        group.map((w) => w.event.url),
        group.map((w) => JSON.stringify(w.event.headers)),
        group.map((w) => w.event.rawBody),
        this.channel,
      ],
    );
    return new Set(row?.ids ?? []);
  }
}
