/**
 * The keys the client sends (docs/protocol.md "Keys and options"), built in one place.
 * Queue names are what users type (UTF-8); on the wire they are bytes, and the server reads
 * keys as latin1 byte strings, so a name is turned into its UTF-8 bytes written one char per byte.
 * A test parses every key built here with protocol/key.ts to keep the two in step.
 */
import { MAX_DELAY_MS, MAX_LEASE_MS, MAX_WAIT_MS, queueNameError } from '../protocol/key.js';

export class QueueNameError extends Error {
  override readonly name = 'QueueNameError';
}

/** The wire form of a queue name; throws QueueNameError when the server would refuse it. */
export function wireName(queue: string): string {
  const wire = Buffer.from(queue, 'utf8').toString('latin1');
  const problem = queueNameError(wire);
  if (problem !== null) throw new QueueNameError(`${JSON.stringify(queue)}: ${problem}`);
  return wire;
}

export interface ReserveKey {
  /** Acknowledge the oldest item this connection holds first (`close`). */
  readonly ack?: boolean;
  /** Wait up to this many ms for an item (0 = answer at once). */
  readonly waitMs?: number;
  /** Reserve with a lease of this many ms that outlives the connection. */
  readonly leaseMs?: number;
}

/**
 * `q/open/deliveries`, `q/close/open/deliveries`, `q/open/t=500/deliveries`, … Every reservation
 * asks for the item's delivery count (`deliveries`): the reply's key carries it (deliveriesOf).
 */
export function reserveKey(wire: string, o: ReserveKey = {}): string {
  let key = wire + (o.ack ? '/close/open' : '/open');
  if (o.waitMs !== undefined && o.waitMs > 0) key += `/t=${Math.min(Math.ceil(o.waitMs), MAX_WAIT_MS)}`;
  if (o.leaseMs !== undefined && o.leaseMs > 0) key += `/lease=${leaseOption(o.leaseMs)}`;
  return key + DELIVERIES;
}

/** The `deliveries` option: the reply's key is the request's with `=<count>` appended. */
const DELIVERIES = '/deliveries';

/**
 * The delivery count in the key of a reply to a request that asked for it (`q/open/deliveries=3`),
 * or null when the key has none (a server that does not count deliveries). Read from the bytes, as
 * it comes once per popped item.
 */
export function deliveriesOf(replyKey: Buffer): number | null {
  let at = replyKey.length;
  let count = 0;
  let scale = 1;
  while (at > 0 && replyKey[at - 1] >= 0x30 && replyKey[at - 1] <= 0x39 && replyKey.length - at < MAX_COUNT_DIGITS) {
    count += (replyKey[--at] - 0x30) * scale;
    scale *= 10;
  }
  if (at === replyKey.length || at < DELIVERIES_IS.length) return null;
  for (let i = 0, from = at - DELIVERIES_IS.length; i < DELIVERIES_IS.length; i++) {
    if (replyKey[from + i] !== DELIVERIES_IS[i]) return null;
  }
  return count;
}

/** What comes before the count in a reply's key. */
const DELIVERIES_IS = Buffer.from(DELIVERIES + '=', 'latin1');
/** The most digits a count is read from: any count the server can reach. */
const MAX_COUNT_DIGITS = 15;

/** A lease in whole ms, from 1 ms to the longest the server takes. */
function leaseOption(leaseMs: number): number {
  return Math.min(Math.max(1, Math.round(leaseMs)), MAX_LEASE_MS);
}

/** A delay in whole ms, up to the longest the server takes; 0 (no option) for none. */
function delayOption(delayMs: number | undefined): string {
  if (delayMs === undefined || !(delayMs > 0)) return '';
  return `/delay=${Math.min(Math.round(delayMs), MAX_DELAY_MS)}`;
}

/** The key of a set: `q`, or `q/delay=30000` for an item that becomes ready that much later. */
export function setKey(wire: string, delayMs?: number): string {
  return wire + delayOption(delayMs);
}

/** `q/close`: acknowledges the oldest item this connection holds, reserves nothing. */
export function ackOldestKey(wire: string): string {
  return wire + '/close';
}

/** `q/abort`: puts the oldest item this connection holds back at the head. */
export function releaseOldestKey(wire: string): string {
  return wire + '/abort';
}

/** `q/peek/deliveries`: the head item without reserving it, with its delivery count so far. */
export function peekKey(wire: string): string {
  return wire + '/peek' + DELIVERIES;
}

/**
 * Delete keys: `q/id=N` acknowledges item N; `q/abort/id=N/outcome` releases it (from any
 * connection), `q/abort/id=N/delay=10000/outcome` so that it is ready again only 10 s later. Every
 * release asks for its `outcome`: the reply then says when the item moved to `<q>.dead` instead.
 */
export function ackIdKey(wire: string, id: number): string {
  return `${wire}/id=${id}`;
}

export function releaseIdKey(wire: string, id: number, delayMs?: number): string {
  return `${wire}/abort/id=${id}${delayOption(delayMs)}/outcome`;
}

/** The key of a touch: `q/id=N/lease=30000` renews item N's lease to 30 s from now, to the ms. */
export function touchKey(wire: string, id: number, leaseMs: number): string {
  return `${wire}/id=${id}/lease=${leaseOption(leaseMs)}`;
}
