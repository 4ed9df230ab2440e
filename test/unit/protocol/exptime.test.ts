/** memcache's exptime both ways (protocol/exptime.ts): the server's reading and the client's writing agree. */
import { describe, expect, it } from 'vitest';
import { expiresAtMs, exptimeFor, RELATIVE_EXPTIME_LIMIT_S } from '../../../src/protocol/exptime.js';

const NOW = 1_700_000_000_000;

describe('exptime', () => {
  it('reads 0 as never, up to 30 days as seconds from now, above as a unix time, negative as expired', () => {
    expect(expiresAtMs(0, NOW)).toBe(0);
    expect(expiresAtMs(1, NOW)).toBe(NOW + 1000);
    expect(expiresAtMs(RELATIVE_EXPTIME_LIMIT_S, NOW)).toBe(NOW + RELATIVE_EXPTIME_LIMIT_S * 1000);
    expect(expiresAtMs(RELATIVE_EXPTIME_LIMIT_S + 1, NOW)).toBe((RELATIVE_EXPTIME_LIMIT_S + 1) * 1000);
    expect(expiresAtMs(-1, NOW)).toBeLessThan(NOW);
  });

  it('writes a TTL that the server reads back as the same expiry, to the second, on both sides of 30 days', () => {
    expect(exptimeFor(0, NOW)).toBe(0);
    expect(exptimeFor(-5, NOW)).toBe(0);
    for (const ttl of [0.2, 1, 3600, RELATIVE_EXPTIME_LIMIT_S, RELATIVE_EXPTIME_LIMIT_S + 1, 365 * 86400]) {
      const at = expiresAtMs(exptimeFor(ttl, NOW), NOW);
      expect(at - NOW, String(ttl)).toBeGreaterThanOrEqual(ttl * 1000 - 1000);
      expect(at - NOW, String(ttl)).toBeLessThanOrEqual(Math.ceil(ttl) * 1000);
    }
  });
});
