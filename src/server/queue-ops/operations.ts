/**
 * The queue operations both protocols share: the seam between a protocol session, which only puts
 * outcomes into its own words, and where the queues live. Every change a client asks for is checked
 * (queue name, a journal that refuses changes, `--max-open`), counted and carried out behind this
 * interface, so that no protocol can skip a step; the embedded engine and journal implement it in
 * engine-operations.ts.
 *
 * An outcome is a value, or a Promise of one when it cannot be known at once (a `get …/t=` that
 * waits; a store across the network). The embedded store answers at once, with no Promise and no
 * allocation on success. A session holds the requests behind a pending outcome (OrderedSession.later),
 * so replies keep the order of requests on each connection; an implementation must carry out one
 * connection's operations in the order they are called. A pending outcome never rejects: a store
 * that fails says so with a Failure.
 */
import type { DeleteTarget, KeyOptions, TouchTarget } from '../../protocol/key.js';
import type { DEAD_LETTERED } from '../../queue/engine.js';
import type { Item } from '../../queue/types.js';

/**
 * The ways an operation can decline, each answered alike by every protocol (docs/protocol.md: errors):
 * - `invalid`: the request is wrong (a bad name or option); the client must change it.
 * - `refused`: no changes are taken now (the journal cannot write); the same request may work later.
 * - `full`: a queue or the server is at a limit on items, bytes or queues.
 * - `busy`: the connection holds `--max-open` reservations on the queue; it must end one first.
 * - `unsupported`: the store behind the queues does not offer what was asked, though the request
 *   is valid (both stores today offer everything; the protocols answer it all the same).
 */
export type FailureKind = 'invalid' | 'refused' | 'full' | 'busy' | 'unsupported';

/** Why an operation did nothing; `reason` is the text the client is shown. Built only when declining. */
export class Failure {
  constructor(
    readonly kind: FailureKind,
    readonly reason: string,
  ) {}
}

/** What an operation returns: its result, a Failure, or a Promise of either. */
export type Outcome<T> = T | Failure | Promise<T | Failure>;

/** True when the outcome is not known yet: the session must wait for it before answering. */
export function isPending<T>(outcome: Outcome<T>): outcome is Promise<T | Failure> {
  return outcome instanceof Promise;
}

/** Where a server's queues live, as its connections see them. */
export interface Queues {
  /** The operations of a new connection, which holds its own reservations. */
  connect(): QueueOperations;
}

/** One connection's operations on the queues. `now` is ms since the epoch; these never read a clock. */
export interface QueueOperations {
  /**
   * `set`: appends an item at the tail of queue `key` (created if new), or with `key/delay=<ms>`
   * holds it until then. `exptime` is memcache's (protocol/exptime.ts). Succeeds with the item's id.
   */
  enqueue(key: string, flags: number, exptime: number, data: Buffer, now: number): Outcome<number>;

  /**
   * Checks a get of several keys as a whole, before any of them is acted on, so that it runs whole
   * or not at all; null when `get` may be called for each. A get of one key needs no check first.
   */
  checkKeys(keys: readonly KeyOptions[]): Failure | null;

  /**
   * Does what one get key says, in kestrel's order: close (acknowledge) or abort (put back), then
   * reserve (`open`) or peek. Succeeds with the item shown, or null for none; with `t=`, waits up to
   * that long for an item when there is none (a pending outcome). Counted as a hit or a miss.
   */
  get(key: KeyOptions, now: number): Outcome<Item | null>;

  /**
   * `delete`: acknowledges (or with abort, puts back) a reservation. False when there was none to
   * end; DEAD_LETTERED when the abort moved the item to `<queue>.dead` instead (`--max-deliveries`):
   * a store that dead-letters says so, for the `outcome` option's reply.
   */
  end(target: DeleteTarget, now: number): Outcome<boolean | typeof DEAD_LETTERED>;

  /**
   * `touch`: renews the lease of a reservation (by id, whoever holds it; without id, every one this
   * connection holds on the queue) to end `exptime` from now (memcache's exptime; the key's `lease=`
   * overrides it; 0 = no lease). False when there was nothing to renew.
   */
  touch(target: TouchTarget, exptime: number, now: number): Outcome<boolean>;

  /** Removes every ready item of a queue; reservations stay. Succeeds with how many were removed. */
  flush(queue: string, now: number): Outcome<number>;

  /** Flushes every queue, now or after `delaySeconds`. */
  flushAll(delaySeconds: number, now: number): Outcome<undefined>;

  /** `delete_queue`: removes a queue entirely. False when there was no such queue. */
  dropQueue(queue: string, now: number): Outcome<boolean>;

  /**
   * Ends this connection's waiting get now, answered as if its time ran out (null, a miss): the
   * client will send nothing more, or the server is stopping. Nothing happens when none waits.
   */
  stopWaiting(): void;

  /**
   * The connection is gone: its reservations go back to their queues (leased ones when their lease
   * ends) and its wait is cancelled unanswered. No operation is called after this.
   */
  disconnect(now: number): void;
}
