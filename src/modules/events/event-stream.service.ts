import type { ServerResponse } from 'node:http';
import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import type Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { withinBudget } from '../../common/redis/bounded';
import { RedisConnections } from '../../common/redis/redis-connections';
import { AppConfig } from '../../config/app-config';
import { eventsChannel, type RelayedEvent } from './event-relay';

/** How long a browser waits before reconnecting, told to it at the start of each stream. */
export const STREAM_RETRY_MS = 3000;
/** A comment this often keeps proxies and load balancers from closing an idle stream. */
export const HEARTBEAT_INTERVAL_MS = 15_000;
/** How far back `Last-Event-ID` resumes. */
export const RESUME_WINDOW_HOURS = 24;
/**
 * Bytes a client may leave unread in its socket buffer. A client that falls this far behind is dropped: it
 * reconnects with its Last-Event-ID and catches up from the outbox, rather than this process holding its backlog.
 */
export const MAX_UNREAD_BYTES = 1024 * 1024;
/** Live events held for one client while its replay runs; beyond this it is dropped (and resumes again). */
const MAX_HELD_EVENTS = 10_000;
/** Outbox rows read per replay query. */
const REPLAY_PAGE = 500;

interface ReplayRow {
  id: string;
  type: string;
  relay_seq: string;
  payload: string;
}

/** One open stream. Holds live events while it replays, so that it neither misses nor repeats one. */
class StreamClient {
  /** Live events that arrived during the replay; null once the client is live. */
  held: { seq: number; frame: string }[] | null = [];
  closed = false;

  constructor(
    readonly tenantId: string,
    readonly response: ServerResponse,
  ) {}

  /** Writes, and reports whether the client keeps up. */
  write(text: string): boolean {
    if (this.closed) return false;
    this.response.write(text);
    return this.response.writableLength <= MAX_UNREAD_BYTES;
  }
}

/** An SSE frame: `id:` the event id (what Last-Event-ID echoes), `event:` its type, `data:` the payload on one line. */
export function eventFrame(id: string, type: string, json: string): string {
  return `id: ${id}\nevent: ${type}\ndata: ${json}\n\n`;
}

/**
 * The live event stream's fan-out in this process. The relay (in whichever instance holds its lock) publishes
 * every committed batch on one Redis channel; each HTTP process holds ONE subscription to it and hands each
 * event to the open streams of that event's tenant, and of no other. A stream that resumes replays what it
 * missed from the outbox (relay_seq order) before going live. Redis only carries news: while it is down the
 * streams stay open on heartbeats, and a reconnecting client catches up from PostgreSQL.
 */
@Injectable()
export class EventStreamHub implements BeforeApplicationShutdown {
  private readonly logger = new Logger(EventStreamHub.name);
  private readonly clients = new Map<string, Set<StreamClient>>();
  private readonly channel: string;
  private subscriber?: Redis;
  private subscribed?: Promise<void>;
  private heartbeat?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly connections: RedisConnections,
    config: AppConfig,
  ) {
    this.channel = eventsChannel(config);
  }

  /**
   * Subscribes at the first stream, not at start: processes that never serve one (workers, the CLI) hold no
   * connection for it. Waits a bounded time: while Redis is down the subscription is made when it returns.
   */
  private subscribe(): Promise<void> {
    return (this.subscribed ??= (async () => {
      this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_INTERVAL_MS);
      this.heartbeat.unref();
      this.subscriber = this.connections.waitingClient('parley-event-stream');
      this.subscriber.on('message', (channel: string, message: string) => {
        if (channel === this.channel) this.deliver(message);
      });
      await withinBudget(this.subscriber.subscribe(this.channel), 'event stream subscribe').catch((e: unknown) => {
        this.logger.warn({ err: e }, 'event stream not subscribed yet; streams get live events once Redis answers');
      });
    })());
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.heartbeat);
    this.subscriber?.removeAllListeners('message');
    // Open streams would hold the HTTP server's close; clients reconnect to another instance and resume.
    for (const set of this.clients.values()) for (const client of set) client.response.end();
    this.clients.clear();
  }

  /** Open streams in this process (all tenants). */
  get size(): number {
    let n = 0;
    for (const set of this.clients.values()) n += set.size;
    return n;
  }

  /**
   * Serves one stream on `response` (headers already sent) until the client goes away: replays the tenant's
   * events after `lastEventId` (if given and known), then live events. Live events arriving during the replay
   * are held and flushed after it, minus those the replay already sent: relay_seq follows commit order (the
   * relay assigns it under a lock held to commit) and the subscription precedes the replay query, so together
   * they miss nothing and repeat nothing.
   */
  async open(tenantId: string, response: ServerResponse, lastEventId: string | undefined): Promise<void> {
    const client = new StreamClient(tenantId, response);
    let set = this.clients.get(tenantId);
    if (!set) this.clients.set(tenantId, (set = new Set()));
    set.add(client);
    response.once('close', () => this.remove(client));
    // Before the replay query: whatever commits after it arrives live, and is held meanwhile.
    await this.subscribe();
    // After subscribing: from this line on, the client misses nothing.
    client.write(`retry: ${STREAM_RETRY_MS}\n\n`);

    let after: number | null = null;
    try {
      if (lastEventId) {
        after = await this.seqOf(tenantId, lastEventId);
        // Said as a comment: the client should know it gets no replay, and EventSource ignores comments.
        if (after === null) client.write(': unknown Last-Event-ID; live events only\n\n');
        else after = await this.replay(client, after);
      }
    } catch (e) {
      this.logger.warn({ err: e, tenantId }, 'event stream replay failed; the client reconnects and resumes');
      response.destroy();
      return;
    }
    const held = client.held ?? [];
    client.held = null;
    for (const event of held) {
      if (after !== null && event.seq <= after) continue;
      if (!client.write(event.frame)) return this.drop(client);
    }
  }

  /** The relay_seq of the tenant's event `id`, or null when it is no relayed event of this tenant's. */
  private async seqOf(tenantId: string, id: string): Promise<number | null> {
    if (!isUUID(id)) return null;
    const rows: { relay_seq: string }[] = await this.dataSource.query(
      `SELECT relay_seq FROM event_outbox WHERE id = $1 AND tenant_id = $2 AND relay_seq IS NOT NULL`,
      [id, tenantId],
    );
    return rows.length === 0 ? null : Number(rows[0].relay_seq);
  }

  /** Writes the tenant's events after `after` from the outbox, page by page at the client's pace; returns the last seq sent. */
  private async replay(client: StreamClient, after: number): Promise<number> {
    let last = after;
    for (;;) {
      if (client.closed) return last;
      // The payload as text: written as stored, without parsing and re-serializing it.
      const rows: ReplayRow[] = await this.dataSource.query(
        `SELECT id, type, relay_seq, payload::text AS payload FROM event_outbox
          WHERE tenant_id = $1 AND relay_seq > $2 AND created_at > now() - make_interval(hours => $3)
          ORDER BY relay_seq LIMIT $4`,
        [client.tenantId, last, RESUME_WINDOW_HOURS, REPLAY_PAGE],
      );
      for (const row of rows) {
        client.write(eventFrame(row.id, row.type, row.payload));
        last = Number(row.relay_seq);
      }
      if (rows.length < REPLAY_PAGE) return last;
      // The replay goes at the client's pace: this process holds no more than a page for it.
      if (client.response.writableNeedDrain) await drained(client.response);
    }
  }

  private deliver(message: string): void {
    let events: RelayedEvent[];
    try {
      events = JSON.parse(message) as RelayedEvent[];
      if (!Array.isArray(events)) throw new Error('not an array');
    } catch (e) {
      this.logger.warn({ err: e }, 'unreadable event stream message ignored');
      return;
    }
    for (const event of events) {
      const set = this.clients.get(event.tenantId);
      if (!set) continue;
      const { payload } = event;
      const frame = eventFrame(payload.id, payload.type, JSON.stringify(payload));
      const seq = Number(event.seq);
      for (const client of set) {
        if (client.held) {
          if (client.held.length >= MAX_HELD_EVENTS) this.drop(client);
          else client.held.push({ seq, frame });
        } else if (!client.write(frame)) {
          this.drop(client);
        }
      }
    }
  }

  private beat(): void {
    for (const set of this.clients.values()) {
      for (const client of set) if (!client.write(': heartbeat\n\n')) this.drop(client);
    }
  }

  private drop(client: StreamClient): void {
    this.logger.warn({ tenantId: client.tenantId }, 'event stream client too slow; dropped (it reconnects and resumes)');
    client.response.destroy();
    this.remove(client);
  }

  private remove(client: StreamClient): void {
    client.closed = true;
    const set = this.clients.get(client.tenantId);
    if (!set) return;
    set.delete(client);
    if (set.size === 0) this.clients.delete(client.tenantId);
  }
}

function drained(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}
