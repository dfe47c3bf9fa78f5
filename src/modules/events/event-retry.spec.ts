import { RETRY_CAP_MS, RETRY_MIN_MS, retryDelayMs } from './event-retry';

describe('retryDelayMs (full jitter)', () => {
  it('draws uniformly below base × 2^n, never under the minimum', () => {
    expect(retryDelayMs(0, () => 0.999)).toBe(1_998);
    expect(retryDelayMs(0, () => 0)).toBe(RETRY_MIN_MS);
    expect(retryDelayMs(3, () => 0.5)).toBe(8_000);
    expect(retryDelayMs(1, () => 0.1)).toBe(RETRY_MIN_MS);
  });

  it('caps at one hour however many failures', () => {
    expect(retryDelayMs(11, () => 0.999)).toBe(Math.floor(0.999 * RETRY_CAP_MS));
    expect(retryDelayMs(500, () => 0.999)).toBe(Math.floor(0.999 * RETRY_CAP_MS));
    for (let n = 0; n < 40; n++) expect(retryDelayMs(n)).toBeLessThanOrEqual(RETRY_CAP_MS);
  });
});
