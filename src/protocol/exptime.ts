/**
 * memcache's exptime, both ways. memcached protocol.txt, "Storage commands": an exptime of 0 never
 * expires; up to 30 days it is seconds from now; above, it is an absolute unix time in seconds.
 * A negative exptime is already expired. Pure: the time is an argument.
 */

/** The largest exptime read as seconds from now: 30 days. */
export const RELATIVE_EXPTIME_LIMIT_S = 60 * 60 * 24 * 30;

/** The server's reading: an exptime received at `nowMs` as an absolute expiry in ms (0 = never; past = already expired). */
export function expiresAtMs(exptime: number, nowMs: number): number {
  if (exptime === 0) return 0;
  if (exptime < 0) return nowMs - 1;
  if (exptime <= RELATIVE_EXPTIME_LIMIT_S) return nowMs + exptime * 1000;
  return exptime * 1000;
}

/** The client's writing: the exptime that expires an item `ttlSeconds` after `nowMs` (0 or less = never). */
export function exptimeFor(ttlSeconds: number, nowMs: number): number {
  if (ttlSeconds <= 0) return 0;
  const ttl = Math.ceil(ttlSeconds);
  return ttl <= RELATIVE_EXPTIME_LIMIT_S ? ttl : Math.floor(nowMs / 1000) + ttl;
}

/** The client's writing of an absolute expiry (ms since the epoch; 0 = never): a unix time, rounded up to the second. */
export function exptimeAt(expiresAtMs: number): number {
  return expiresAtMs === 0 ? 0 : Math.ceil(expiresAtMs / 1000);
}
