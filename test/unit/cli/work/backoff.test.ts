/** rq work's retry back-off: doubling from --retry-delay up to --retry-max-delay, jittered downwards only. */
import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../../../src/cli/work/backoff.js';

const backoff = { firstMs: 1000, maxMs: 60_000 };
const none = () => 0;

describe('the retry back-off', () => {
  it('starts at --retry-delay and doubles with each delivery', () => {
    expect([1, 2, 3, 4, 5].map((d) => retryDelayMs(d, backoff, none))).toEqual([1000, 2000, 4000, 8000, 16_000]);
  });

  it('stops growing at --retry-max-delay, however many deliveries', () => {
    expect(retryDelayMs(7, backoff, none)).toBe(60_000);
    expect(retryDelayMs(1e6, backoff, none)).toBe(60_000);
    expect(retryDelayMs(Number.MAX_SAFE_INTEGER, { firstMs: 1, maxMs: 365 * 86_400_000 }, none)).toBe(365 * 86_400_000);
  });

  it('takes up to a quarter off at random, never adding, so the maximum holds', () => {
    expect(retryDelayMs(1, backoff, () => 0.999_999)).toBe(750);
    expect(retryDelayMs(1, backoff, () => 0.5)).toBe(875);
    expect(retryDelayMs(10, backoff, () => 0.5)).toBe(52_500);
    for (let i = 0; i < 100; i++) {
      const d = retryDelayMs(3, backoff);
      expect(d).toBeGreaterThanOrEqual(3000);
      expect(d).toBeLessThanOrEqual(4000);
    }
  });

  it('treats a count below 1 (never delivered) as the first delivery, and a first delay of 0 as none', () => {
    expect(retryDelayMs(0, backoff, none)).toBe(1000);
    expect(retryDelayMs(5, { firstMs: 0, maxMs: 1000 }, none)).toBe(0);
  });
});
