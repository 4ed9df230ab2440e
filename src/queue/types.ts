/**
 * The queue engine's vocabulary, shared with the journal (which records these changes)
 * and the server (which turns them into replies).
 *
 * Times are milliseconds since the unix epoch, always passed in: the engine never reads a clock.
 * Queue names are byte strings (latin1), as the protocols hand them over.
 */

/** One queued item. Immutable once made but for its delivery count; `data` belongs to the item. */
export interface Item {
  readonly id: number;
  readonly flags: number;
  /** Absolute expiry time in ms, or 0 for never. */
  readonly expiresAt: number;
  readonly enqueuedAt: number;
  readonly data: Buffer;
  /** Times the item has been reserved; the engine counts each reservation here, the one change an item sees. */
  deliveries: number;
}

/**
 * Receives every state change, in the order the engine makes them. The journal implements it;
 * each method name is the journal record of the same name (docs/journal-format.md).
 * Calls are synchronous and must not call back into the engine.
 */
export interface ChangeLog {
  enqueued(queue: string, id: number, flags: number, expiresAt: number, enqueuedAt: number, data: Buffer): void;
  /**
   * The head item `id` of `queue` is reserved. The engine reserves nothing else, and a journal relies
   * on it: it records head reservations in a row as one run (docs/journal-format.md: reserved_run).
   */
  reserved(queue: string, id: number): void;
  acked(queue: string, id: number): void;
  released(queue: string, id: number): void;
  expired(queue: string, id: number): void;
  flushed(queue: string): void;
  dropped(queue: string): void;
  /** Ids below `next` may be issued from now on: after a restart, ids start at `next` or above. */
  nextId(next: number): void;
  /** Every queue is to be flushed at `at` (ms), or, with 0, no such flush is pending any more. */
  flushAll(at: number): void;
  /** Item `id` (just enqueued, or open and now released) is not ready until `dueAt` (ms). */
  delayed(queue: string, id: number, dueAt: number): void;
  /** Delayed item `id` is due: it joins the tail of its queue. */
  due(queue: string, id: number): void;
  /** Item `id`, given back after its last allowed delivery, moves to the tail of `<queue>.dead`. */
  dead(queue: string, id: number): void;
  /** Fanout queue `queue` (`<base>+<name>`) exists: it receives a copy of every item set on its base. */
  fanout(queue: string): void;
}

/** A ChangeLog that records nothing: the engine without a journal. */
export const NO_CHANGE_LOG: ChangeLog = {
  enqueued() {},
  reserved() {},
  acked() {},
  released() {},
  expired() {},
  flushed() {},
  dropped() {},
  nextId() {},
  flushAll() {},
  delayed() {},
  due() {},
  dead() {},
  fanout() {},
};

/** Per-queue figures, as `stats` reports them (docs/protocol.md: stats). */
export interface EngineQueueStats {
  readonly name: string;
  /** Items ready to be reserved. */
  readonly items: number;
  /** Items reserved and not yet acknowledged or released. */
  readonly open: number;
  /** Data bytes of ready and open items. */
  readonly bytes: number;
  /** Items ever enqueued (since start). */
  readonly totalItems: number;
  /** Reservations made since start: an item released and reserved again counts twice. */
  readonly delivered: number;
  readonly expiredItems: number;
  readonly acked: number;
  readonly released: number;
  /** Oldest ready items dropped to make room on a full queue (`--discard-old`). */
  readonly discarded: number;
  /** Items refused (`set` answered with an error) because the queue was full. */
  readonly rejected: number;
  /** Connections blocked in a `get …/t=` on this queue. */
  readonly waiters: number;
  /** Age of the head item in ms: how long the oldest ready work has waited; 0 when empty. */
  readonly ageMs: number;
  /** Items waiting for their due time (not counted in `items`). */
  readonly delayed: number;
  /** Items moved from this queue to `<name>.dead` since start. */
  readonly dead: number;
  /** Times the head item has been delivered; 0 when empty. */
  readonly headDeliveries: number;
}
