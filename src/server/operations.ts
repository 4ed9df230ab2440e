/**
 * The queue operations behind both protocols: a parsed key and the connection's holder in,
 * engine calls and a protocol-neutral outcome out. Text and binary sessions only encode outcomes.
 */
import type { DeleteTarget, KeyOptions } from '../protocol/key.js';
import { QueueEngine, TOO_MANY_OPEN, type Holder } from '../queue/engine.js';

export { TOO_MANY_OPEN };
import type { Item } from '../queue/types.js';

/** memcached protocol.txt: an exptime up to 30 days is relative seconds; larger is an absolute unix time. */
const RELATIVE_EXPTIME_LIMIT_S = 60 * 60 * 24 * 30;

/** Converts a memcache exptime to an absolute expiry in ms (0 = never; negative = already expired). */
export function expiresAt(exptime: number, now: number): number {
  if (exptime === 0) return 0;
  if (exptime < 0) return now - 1;
  if (exptime <= RELATIVE_EXPTIME_LIMIT_S) return now + exptime * 1000;
  return exptime * 1000;
}

/**
 * Does what a get key says, in kestrel's order: close (acknowledge), abort (put back), then open
 * (reserve) or peek. Returns the item shown, null for none, or TOO_MANY_OPEN. Never waits: the
 * caller decides whether an empty result becomes a wait.
 */
export function fetch(engine: QueueEngine, holder: Holder, key: KeyOptions, now: number): Item | null | typeof TOO_MANY_OPEN {
  const { queue } = key;
  if (key.close) {
    if (key.id > 0) engine.ackById(queue, key.id);
    else engine.ack(holder, queue);
  } else if (key.abort) {
    if (key.id > 0) engine.releaseById(queue, key.id, now);
    else engine.release(holder, queue, now);
    return null;
  }
  if (key.peek) return engine.peek(queue, now);
  if (!key.open) return null;
  return engine.reserve(holder, queue, now, key.leaseMs);
}

/** Ends one reservation as a delete key says. False when there was nothing to end. */
export function endReservation(engine: QueueEngine, holder: Holder, target: DeleteTarget, now: number): boolean {
  const { queue, id } = target;
  if (target.abort) return id > 0 ? engine.releaseById(queue, id, now) : engine.release(holder, queue, now);
  return id > 0 ? engine.ackById(queue, id) : engine.ack(holder, queue);
}

/**
 * How many reservations the keys of one get would add per queue, beyond what the holder has;
 * returns the first queue that would exceed maxOpen, or null. Checked before any key is acted on,
 * so a get either runs whole or not at all.
 */
export function overOpenLimit(engine: QueueEngine, holder: Holder, keys: readonly KeyOptions[], maxOpen: number): string | null {
  if (keys.length === 1) {
    const k = keys[0];
    const adds = k.open ? 1 : 0;
    const frees = k.close && k.id < 0 ? 1 : 0; // closing by id may end another connection's reservation
    return adds > 0 && engine.heldCount(holder, k.queue) - frees + adds > maxOpen ? k.queue : null;
  }
  const extra = new Map<string, number>();
  for (const k of keys) {
    const delta = (k.open ? 1 : 0) - (k.close && k.id < 0 ? 1 : 0);
    const total = (extra.get(k.queue) ?? engine.heldCount(holder, k.queue)) + delta;
    extra.set(k.queue, total);
    if (k.open && total > maxOpen) return k.queue;
  }
  return null;
}
