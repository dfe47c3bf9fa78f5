import { DataSource } from 'typeorm';
import { AdvisoryLock, advisoryLockKey } from './advisory-lock';

// Runs against the test run's real PostgreSQL (see test/support/global-setup.ts): two data sources stand
// for two instances of Parley.
describe('AdvisoryLock.runExclusive', () => {
  let first: DataSource;
  let second: DataSource;

  beforeAll(async () => {
    const options = { type: 'postgres' as const, url: process.env.DATABASE_URL, extra: { max: 3 } };
    first = await new DataSource(options).initialize();
    second = await new DataSource(options).initialize();
  });

  afterAll(async () => {
    await first.destroy();
    await second.destroy();
  });

  it('derives a stable signed 64-bit key', () => {
    expect(advisoryLockKey('job')).toBe(advisoryLockKey('job'));
    expect(advisoryLockKey('job')).not.toBe(advisoryLockKey('other-job'));
    expect(BigInt(advisoryLockKey('job'))).toBeLessThan(2n ** 63n);
  });

  it('runs the body in one instance only while the lock is held', async () => {
    const lockA = new AdvisoryLock(first);
    const lockB = new AdvisoryLock(second);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));

    const a = lockA.runExclusive('unit-lock', async () => {
      started();
      await held;
      return 'a';
    });
    await running;
    const b = await lockB.runExclusive('unit-lock', async () => 'b');
    expect(b).toEqual({ ran: false });
    release();
    expect(await a).toEqual({ ran: true, result: 'a' });

    expect(await lockB.runExclusive('unit-lock', async () => 'b')).toEqual({ ran: true, result: 'b' });
  });

  it('releases the lock when the body throws', async () => {
    const lock = new AdvisoryLock(first);
    await expect(lock.runExclusive('unit-throw', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await new AdvisoryLock(second).runExclusive('unit-throw', async () => 1)).toEqual({ ran: true, result: 1 });
  });

  it('different lock names do not exclude each other', async () => {
    const lock = new AdvisoryLock(first);
    const inner = await lock.runExclusive('outer', () => new AdvisoryLock(second).runExclusive('inner', async () => 'x'));
    expect(inner).toEqual({ ran: true, result: { ran: true, result: 'x' } });
  });
});
