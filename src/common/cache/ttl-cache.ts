/**
 * A small in-process cache of read-mostly rows. Entries expire after `ttlMs` (the bound on staleness when an
 * invalidation is missed), concurrent misses for one key share one load, and a load that started before an
 * invalidation of its key is not stored (it may have read the old row).
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  private readonly loading = new Map<string, Promise<V>>();
  private readonly generations = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > Date.now()) return entry.value;
    const pending = this.loading.get(key);
    if (pending) return pending;
    const generation = this.generations.get(key) ?? 0;
    const promise = load().then(
      (value) => {
        this.loading.delete(key);
        if ((this.generations.get(key) ?? 0) === generation) this.store(key, value);
        return value;
      },
      (error: unknown) => {
        this.loading.delete(key);
        throw error;
      },
    );
    this.loading.set(key, promise);
    return promise;
  }

  invalidate(key: string): void {
    this.entries.delete(key);
    this.loading.delete(key);
    this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
  }

  clear(): void {
    for (const key of [...this.entries.keys(), ...this.loading.keys()]) this.invalidate(key);
  }

  private store(key: string, value: V): void {
    if (this.entries.size >= this.maxEntries) {
      // Oldest insertion first: Map iterates in insertion order.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, expiresAt: Date.now() + this.ttlMs });
  }
}
