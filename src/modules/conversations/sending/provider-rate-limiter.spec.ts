import { TokenBucket } from './provider-rate-limiter';

describe('TokenBucket', () => {
  it('holds a tenth of a second of its rate, at least one token, and refills at the rate', () => {
    const bucket = new TokenBucket(100, 0);
    const taken = Array.from({ length: 12 }, () => bucket.take(0));
    expect(taken.filter((wait) => wait === 0)).toHaveLength(10);
    expect(taken[10]).toBe(10);
    expect(bucket.take(10)).toBe(0);
    expect(bucket.take(10)).toBe(10);

    const slow = new TokenBucket(2, 0);
    expect(slow.take(0)).toBe(0);
    expect(slow.take(0)).toBe(500);
    expect(slow.available(499)).toBe(false);
    expect(slow.take(500)).toBe(0);
  });

  it('never saves up more than its capacity, and follows a new rate', () => {
    const bucket = new TokenBucket(2, 0);
    bucket.take(0);
    expect(bucket.take(60_000)).toBe(0);
    expect(bucket.take(60_000)).toBe(500);
    bucket.setRate(1, 60_000);
    expect(bucket.take(60_000)).toBe(1000);
    expect(bucket.take(61_000)).toBe(0);
  });

  it('reserves the next slots in the order asked, within the longest wait allowed', () => {
    const bucket = new TokenBucket(1, 0);
    expect(bucket.take(0, 1000)).toBe(0);
    // Asked a moment apart, the later caller never gets the earlier slot.
    expect(bucket.take(1, 1000)).toBe(999);
    expect(bucket.take(2, 1000)).toBe(1998);
    expect(bucket.take(2, 3000)).toBe(1998);
    expect(bucket.available(1999)).toBe(false);
    expect(bucket.take(3000, 1000)).toBe(0);
  });
});
