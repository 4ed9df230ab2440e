/**
 * The rules about get keys that every store applies alike (docs/protocol.md: keys and options,
 * limits), so that a store cannot drift from another.
 */
import type { KeyOptions } from '../../protocol/key.js';

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
