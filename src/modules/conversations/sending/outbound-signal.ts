import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../../config/app-config';
import { preparedQuery } from '../../../database/prepared-query';
import { outboundChannel } from './outbound-queue';

/** At most one NOTIFY this often from one process, however many sends it accepts meanwhile. */
const NOTIFY_INTERVAL_MS = 10;

/** This process's own dispatcher (`worker`/`all` processes). */
export interface LocalDispatcher {
  wake(): void;
  /** True while no other process dispatches (as far as it knows): nobody else to tell. */
  alone(): boolean;
}

/**
 * Tells the dispatchers that a message became due: this process's own dispatcher at once, the others through
 * NOTIFY (not needed, and not sent, while this process's dispatcher is the only one). The NOTIFY is a
 * statement of its own, coalesced across sends, never part of the send's write: PostgreSQL serializes the
 * commits of transactions that NOTIFY (one lock, held through the WAL flush), which would line every accepted
 * send up behind the one before it. A NOTIFY always follows the commits that asked for it; one that fails
 * only costs latency (dispatchers also poll).
 */
@Injectable()
export class OutboundSignal {
  private readonly logger = new Logger(OutboundSignal.name);
  private local?: LocalDispatcher;
  private pending = false;
  private running = false;
  private lastAt = 0;

  private readonly channel: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    this.channel = outboundChannel(config);
  }

  /** The dispatcher of a `worker`/`all` process, woken directly. */
  attach(dispatcher: LocalDispatcher): () => void {
    this.local = dispatcher;
    return () => {
      if (this.local === dispatcher) this.local = undefined;
    };
  }

  /** Messages were committed that may leave now. */
  due(): void {
    this.local?.wake();
    if (this.local?.alone()) return;
    this.pending = true;
    if (!this.running) void this.notifyAll();
  }

  private async notifyAll(): Promise<void> {
    this.running = true;
    try {
      while (this.pending) {
        const wait = this.lastAt + NOTIFY_INTERVAL_MS - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        this.pending = false;
        this.lastAt = Date.now();
        try {
          await preparedQuery(this.dataSource, 'SELECT pg_notify($1, $2)', [this.channel, '']);
        } catch (e) {
          this.logger.warn({ err: e }, 'could not notify the dispatchers; they find the messages when they poll');
        }
      }
    } finally {
      this.running = false;
    }
  }
}
