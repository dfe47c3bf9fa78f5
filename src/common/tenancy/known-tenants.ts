import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Tenant } from './tenant.entity';

/** Tenants remembered as existing; far above any real count, only there so memory stays bounded. */
const MAX_KNOWN = 100_000;
/** Ids remembered as unknown, and for how long: a token for a tenant that does not exist costs one query per window. */
const MAX_MISSING = 1_000;
const MISSING_TTL_MS = 30_000;

/**
 * Whether a tenant exists, answered from memory after the first lookup: every authenticated request asks,
 * and the hot path must not pay a query for it. Tenants are never deleted (nothing in Parley removes a
 * `tenant` row), so a tenant once seen stays valid for the life of the process; misses are remembered
 * briefly, since a tenant created by another process (the CLI) must become usable within seconds.
 */
@Injectable()
export class KnownTenants {
  private readonly known = new Set<string>();
  private readonly missing = new Map<string, number>();
  private readonly lookups = new Map<string, Promise<boolean>>();

  // Cache expiry is process time, not business time: Date.now(), not the injectable Clock tests move.
  constructor(@InjectRepository(Tenant) private readonly tenants: Repository<Tenant>) {}

  async exists(id: string): Promise<boolean> {
    if (this.known.has(id)) return true;
    const missingUntil = this.missing.get(id);
    if (missingUntil !== undefined) {
      if (missingUntil > Date.now()) return false;
      this.missing.delete(id);
    }
    // Concurrent first requests of one tenant share a single query.
    let lookup = this.lookups.get(id);
    if (!lookup) {
      lookup = this.lookUp(id).finally(() => this.lookups.delete(id));
      this.lookups.set(id, lookup);
    }
    return lookup;
  }

  /** Called when this process creates a tenant, so its first request needs no query either. */
  remember(id: string): void {
    this.missing.delete(id);
    if (this.known.size >= MAX_KNOWN) this.known.delete(this.known.values().next().value!);
    this.known.add(id);
  }

  private async lookUp(id: string): Promise<boolean> {
    const found = await this.tenants.existsBy({ id });
    if (found) {
      this.remember(id);
    } else {
      if (this.missing.size >= MAX_MISSING) this.missing.delete(this.missing.keys().next().value!);
      this.missing.set(id, Date.now() + MISSING_TTL_MS);
    }
    return found;
  }
}
