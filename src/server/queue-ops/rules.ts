/**
 * The rules about get keys that every store applies alike (docs/protocol.md: keys and options,
 * limits), so that a store cannot drift from another.
 */
import { expiresAtMs } from '../../protocol/exptime.js';
import {
  KeyError,
  MAX_LEASE_MS,
  parseSetKeyCached,
  type KeyOptions,
  type SetTarget,
  type TouchTarget,
} from '../../protocol/key.js';
import { invalid, TOUCH_NEGATIVE, TOUCH_PAST, touchTooLong } from './failures.js';
import type { Failure } from './operations.js';

/** True when a get key changes something (and so is refused while the journal refuses changes). */
export function changes(key: KeyOptions): boolean {
  return key.open || key.close || key.abort;
}

/**
 * The reservations a holder with `held` on the key's queue has after the key's close and open.
 * Closing by id makes no room: the item may be another connection's.
 */
export function heldAfter(held: number, key: KeyOptions): number {
  const closed = key.close && key.id < 0 && held > 0 ? held - 1 : held;
  return key.open ? closed + 1 : closed;
}

/** What a `set` key asks for (`q`, `q/delay=<ms>`), or why it is wrong; parsed once per distinct key (cached). */
export function setTargetOf(key: string): SetTarget | Failure {
  const target = parseSetKeyCached(key);
  return target instanceof KeyError ? invalid(target.message) : target;
}

/**
 * The lease a touch asks for, in ms (0 = none, held until the connection goes): the key's `lease=`,
 * else memcache's `exptime` (seconds from now, or past 30 days a unix time), or why it is wrong.
 */
export function touchLeaseMs(target: TouchTarget, exptime: number, now: number): number | Failure {
  if (target.leaseMs > 0) return target.leaseMs;
  if (exptime < 0) return invalid(TOUCH_NEGATIVE);
  if (exptime === 0) return 0;
  const ms = expiresAtMs(exptime, now) - now;
  if (ms <= 0) return invalid(TOUCH_PAST);
  if (ms > MAX_LEASE_MS) return invalid(touchTooLong(MAX_LEASE_MS));
  return ms;
}
