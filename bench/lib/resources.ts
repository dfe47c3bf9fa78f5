import Redis from 'ioredis';
import { Client } from 'pg';
import type { ManagedProcess } from './processes';
import type { Settings } from './settings';

/**
 * Everything a run creates — child processes, throwaway databases, Redis key prefixes — so that one
 * `release()` removes it all, whether the run passed or failed (unless BENCH_KEEP=1).
 */
export class Resources {
  private readonly processes: ManagedProcess[] = [];
  private readonly databases: string[] = [];
  private readonly prefixes: string[] = [];

  constructor(
    readonly settings: Settings,
    /** Short and unique, so runs of several engineers on one PostgreSQL and Redis never meet. */
    readonly runId: string,
  ) {}

  /** `parley_bench_<run>_<label>`: the database is dropped at the end of the run. */
  database(label: string): { name: string; url: string } {
    const name = `parley_bench_${this.runId}_${label}`;
    this.databases.push(name);
    const url = new URL(this.settings.databaseServerUrl);
    url.pathname = `/${name}`;
    return { name, url: url.toString() };
  }

  /** A fresh empty database the bench itself creates (the baselines'; Parley creates its own). */
  async createDatabase(label: string): Promise<{ name: string; url: string }> {
    const db = this.database(label);
    await this.withServer((client) => client.query(`CREATE DATABASE "${db.name}"`));
    return db;
  }

  /** `parley-bench-<run>-<label>`: every Redis key under `<prefix>:` is deleted at the end of the run. */
  redisPrefix(label: string): string {
    const prefix = `parley-bench-${this.runId}-${label}`;
    this.prefixes.push(prefix);
    return prefix;
  }

  track<T extends ManagedProcess>(process: T): T {
    this.processes.push(process);
    return process;
  }

  /** Stops the processes started since `mark` (newest first); a benchmark calls this when it is done. */
  async stopProcessesSince(mark: number): Promise<void> {
    const stopping = this.processes.splice(mark).reverse();
    for (const p of stopping) await p.stop();
  }

  get processCount(): number {
    return this.processes.length;
  }

  async release(): Promise<string[]> {
    const notes: string[] = [];
    await this.stopProcessesSince(0);
    if (this.settings.keep) {
      notes.push(`kept databases: ${this.databases.join(', ') || '(none)'}`);
      notes.push(`kept Redis prefixes: ${this.prefixes.map((p) => `${p}:*`).join(', ') || '(none)'}`);
      return notes;
    }
    if (this.databases.length > 0) {
      await this.withServer(async (client) => {
        for (const name of this.databases) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      });
    }
    if (this.prefixes.length > 0) {
      const redis = new Redis(this.settings.redisUrl, { maxRetriesPerRequest: 2 });
      try {
        for (const prefix of this.prefixes) {
          let cursor = '0';
          do {
            const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
            if (keys.length > 0) await redis.unlink(...keys);
            cursor = next;
          } while (cursor !== '0');
        }
      } finally {
        redis.disconnect();
      }
    }
    return notes;
  }

  async withServer<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: this.settings.databaseServerUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }
}
