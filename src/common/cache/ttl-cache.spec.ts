import { TtlCache } from './ttl-cache';

describe('TtlCache', () => {
  it('loads once for concurrent misses and serves hits without loading', async () => {
    const cache = new TtlCache<number>(10_000);
    let loads = 0;
    const load = async () => {
      loads += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return 42;
    };
    await expect(Promise.all([cache.get('a', load), cache.get('a', load), cache.get('a', load)])).resolves.toEqual([42, 42, 42]);
    await expect(cache.get('a', load)).resolves.toBe(42);
    expect(loads).toBe(1);
  });

  it('reloads after an invalidation and after the TTL', async () => {
    const cache = new TtlCache<number>(20);
    let value = 1;
    const load = () => Promise.resolve(value);
    await expect(cache.get('k', load)).resolves.toBe(1);
    value = 2;
    await expect(cache.get('k', load)).resolves.toBe(1);
    cache.invalidate('k');
    await expect(cache.get('k', load)).resolves.toBe(2);
    value = 3;
    await new Promise((resolve) => setTimeout(resolve, 30));
    await expect(cache.get('k', load)).resolves.toBe(3);
  });

  it('does not keep a value loaded before an invalidation of its key', async () => {
    const cache = new TtlCache<string>(10_000);
    let release!: () => void;
    const slow = cache.get('k', () => new Promise<string>((resolve) => (release = () => resolve('old row'))));
    cache.invalidate('k');
    release();
    await expect(slow).resolves.toBe('old row');
    await expect(cache.get('k', () => Promise.resolve('new row'))).resolves.toBe('new row');
  });

  it('does not cache failures', async () => {
    const cache = new TtlCache<number>(10_000);
    await expect(cache.get('k', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    await expect(cache.get('k', () => Promise.resolve(7))).resolves.toBe(7);
  });

  it('keeps at most maxEntries, dropping the oldest', async () => {
    const cache = new TtlCache<number>(10_000, 2);
    let loads = 0;
    const load = (n: number) => () => {
      loads += 1;
      return Promise.resolve(n);
    };
    await cache.get('a', load(1));
    await cache.get('b', load(2));
    await cache.get('c', load(3));
    await cache.get('a', load(1));
    expect(loads).toBe(4);
  });
});
