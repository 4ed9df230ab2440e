/**
 * The keys the client sends (docs/protocol.md "Keys and options"), built in one place.
 * Queue names are what users type (UTF-8); on the wire they are bytes, and the server reads
 * keys as latin1 byte strings, so a name is turned into its UTF-8 bytes written one char per byte.
 * A test parses every key built here with protocol/key.ts to keep the two in step.
 */
import { MAX_LEASE_MS, MAX_WAIT_MS, queueNameError } from '../protocol/key.js';

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

/** `q/open`, `q/close/open`, `q/open/t=500`, `q/open/lease=30000`, … */
export function reserveKey(wire: string, o: ReserveKey = {}): string {
  let key = wire + (o.ack ? '/close/open' : '/open');
  if (o.waitMs !== undefined && o.waitMs > 0) key += `/t=${Math.min(Math.ceil(o.waitMs), MAX_WAIT_MS)}`;
  if (o.leaseMs !== undefined && o.leaseMs > 0) key += `/lease=${Math.min(Math.max(1, Math.round(o.leaseMs)), MAX_LEASE_MS)}`;
  return key;
}

/** `q/close`: acknowledges the oldest item this connection holds, reserves nothing. */
export function ackOldestKey(wire: string): string {
  return wire + '/close';
}

/** `q/abort`: puts the oldest item this connection holds back at the head. */
export function releaseOldestKey(wire: string): string {
  return wire + '/abort';
}

/** `q/peek`: the head item without reserving it. */
export function peekKey(wire: string): string {
  return wire + '/peek';
}

/** Delete keys: `q/id=N` acknowledges item N; `q/abort/id=N` releases it (from any connection). */
export function ackIdKey(wire: string, id: number): string {
  return `${wire}/id=${id}`;
}

export function releaseIdKey(wire: string, id: number): string {
  return `${wire}/abort/id=${id}`;
}
