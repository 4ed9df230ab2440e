/**
 * The queue engine: items, reservations, leases, expiry and blocked readers, and the one entry
 * point for every operation. Delayed items (delays.ts), dead-lettering (dead-letters.ts) and
 * fanout queues (fanouts.ts) keep their own rules and state; the engine calls them at the moments
 * they apply.
 *
 * Deterministic and pure: no clock, no timers, no I/O. Time comes in as `now` (ms since the
 * epoch); the engine answers `nextDeadline()` and the server calls `tick(now)` when it passes.
 * Every state change is reported to a ChangeLog (the journal) before the call returns.
 * The server owns sockets and replies; protocols never reach in here.
 */
import { DeadLetters } from './dead-letters.js';
import { DeadlineHeap } from './deadlines.js';
import { Delays } from './delays.js';
import { Fanouts } from './fanouts.js';
import { Ids } from './ids.js';
import { discardOldest, fits, type QueueLimits } from './limits.js';
import { fanoutBase } from '../queue-name.js';
import { Holder, Queue, type Waiter } from './queue.js';
import { Reservation } from './reservations.js';
import { NO_CHANGE_LOG, type ChangeLog, type Item, type EngineQueueStats } from './types.js';

export { Holder, type Delayed, type Waiter } from './queue.js';
export type { Reservation } from './reservations.js';

/** Returned by reserve when the holder already has maxOpen reservations on the queue. */
export const TOO_MANY_OPEN = 'too_many_open' as const;

/** Returned by enqueue when the queue is at its item or byte limit and nothing may be discarded. */
export const QUEUE_FULL = 'queue_full' as const;

/** Returned by enqueue for a new queue when maxQueues queues exist. */
export const TOO_MANY_QUEUES = 'too_many_queues' as const;

/**
 * Returned by release and releaseById when the item, out of deliveries (`--max-deliveries`), moved
 * to `<queue>.dead` instead of going back.
 */
export const DEAD_LETTERED = 'dead_lettered' as const;

export interface EngineTotals {
  /** Items ready plus open, over all queues. */
  readonly items: number;
  readonly bytes: number;
  readonly totalItems: number;
  readonly open: number;
}

export class QueueEngine {
  private readonly queues = new Map<string, Queue>();
  private readonly deadlines = new DeadlineHeap<Reservation | Waiter>();
  private readonly delays: Delays;
  private readonly fanouts: Fanouts;
  private readonly deadLetters: DeadLetters;
  private readonly ids: Ids;
  private nextHolderId = 1;
  private totalEnqueued = 0;
  private flushAllAt = Infinity;
  /** Set by endWaits: the server is stopping and nobody waits any more. */
  private waitsEnded = false;

  /**
   * Hears, once per queue, that an item of `queue` ran out of deliveries but stays, because
   * `<queue>.dead` would be longer than a queue name may be (the server logs it).
   */
  cannotDeadLetter: (queue: string) => void = () => {};

  /** `changes` receives every state change (the journal); none are recorded without it. */
  constructor(
    readonly limits: QueueLimits,
    private readonly changes: ChangeLog = NO_CHANGE_LOG,
  ) {
    this.ids = new Ids(changes);
    this.delays = new Delays(changes);
    this.fanouts = new Fanouts(changes);
    this.deadLetters = new DeadLetters(
      limits,
      changes,
      (name) => this.queueFor(name),
      (queue) => this.cannotDeadLetter(queue),
    );
  }

  /** The id the next enqueued item will get. Ids only grow, across restarts too (the journal keeps them). */
  get nextId(): number {
    return this.ids.next;
  }

  /** Every id issued so far is below this, and every id issued before the next changes.nextId. */
  get idCeiling(): number {
    return this.ids.ceiling;
  }

  /** The time of a pending delayed flush_all, or 0. */
  get flushAllDue(): number {
    return this.flushAllAt === Infinity ? 0 : this.flushAllAt;
  }

  // ---- holders (connections) ----

  /** A holder for a new connection's reservations. */
  newHolder(): Holder {
    return new Holder(this.nextHolderId++);
  }

  /**
   * The connection is gone: its reservations go back to the head of their queues in their original
   * order, except leased ones, which stay open until their lease ends. Its waiter is cancelled.
   */
  closeHolder(holder: Holder, now: number): void {
    holder.closed = true;
    if (holder.waiter !== null) this.cancelWait(holder.waiter);
    const touched: Queue[] = [];
    for (const [queue, held] of holder.held.byQueue()) {
      // Back in the queue's original order (ids grow with enqueueing), which differs from the order
      // of reserving once an item was put back and reserved again: the last one put back is the head.
      held.sort((a, b) => a.item.id - b.item.id);
      for (let i = held.length - 1; i >= 0; i--) {
        const r = held[i];
        if (r.deadline === Infinity) {
          this.putBack(r, now);
        } else {
          r.holder = null;
        }
      }
      touched.push(queue);
    }
    holder.held.clear();
    for (const queue of touched) this.serveWaiters(queue, now);
  }

  // ---- writing ----

  /**
   * Appends an item at the tail of `name` (created if new); hands it to a blocked reader if there is one.
   * An item that is already expired (memcache's negative exptime) is counted as enqueued and expired, not stored.
   * Returns the item's id, or QUEUE_FULL when the queue is at its limits (and, with discardOld,
   * dropping every ready item would still not make room): then nothing changed but a counter; or
   * TOO_MANY_QUEUES when the queue is new and maxQueues exist: then nothing changed at all.
   */
  enqueue(
    name: string,
    flags: number,
    expiresAt: number,
    data: Buffer,
    now: number,
    delayMs = 0,
  ): number | typeof QUEUE_FULL | typeof TOO_MANY_QUEUES {
    const queue = this.queues.get(name) ?? this.newFanout(name) ?? this.newQueue(name);
    if (queue === null) return TOO_MANY_QUEUES;
    const id = this.store(queue, flags, expiresAt, data, now, delayMs);
    if (id === QUEUE_FULL) return id;
    const copies = this.fanouts.of(name);
    if (copies !== undefined) for (const fanout of copies) this.store(fanout, flags, expiresAt, data, now, delayMs);
    return id;
  }

  // ---- reading ----

  /** Reserves the head item of `name` for `holder`. null when empty. leaseMs > 0 makes it outlive the connection. */
  reserve(holder: Holder, name: string, now: number, leaseMs = 0): Item | null | typeof TOO_MANY_OPEN {
    const queue = this.queues.get(name) ?? this.newFanout(name);
    if (queue === null) return null;
    if (holder.held.count(queue) >= this.limits.maxOpen) return TOO_MANY_OPEN;
    const item = this.takeHead(queue, now);
    if (item === null) return null;
    this.open(queue, holder, item, leaseMs > 0 ? now + leaseMs : Infinity);
    return item;
  }

  /** The head item of `name` without reserving it; null when empty. */
  peek(name: string, now: number): Item | null {
    const queue = this.queues.get(name) ?? this.newFanout(name);
    if (queue === null) return null;
    this.settleHead(queue, now);
    return queue.ready.peek();
  }

  /** How many reservations `holder` has on `name`. */
  heldCount(holder: Holder, name: string): number {
    const queue = this.queues.get(name);
    return queue === undefined ? 0 : holder.held.count(queue);
  }

  // ---- acknowledging and releasing ----

  /** Acknowledges the oldest item `holder` has on `name`. False when it holds none. */
  ack(holder: Holder, name: string): boolean {
    const r = this.oldestHeld(holder, name);
    if (r === null) return false;
    this.finish(r);
    r.queue.acked++;
    this.changes.acked(r.queue.name, r.item.id);
    return true;
  }

  /** Acknowledges item `id` of `name`, whoever holds it. False when it is not open. */
  ackById(name: string, id: number): boolean {
    const r = this.queues.get(name)?.open.get(id);
    if (r === undefined) return false;
    this.finish(r);
    r.queue.acked++;
    this.changes.acked(name, id);
    return true;
  }

  /**
   * Puts the oldest item `holder` has on `name` back at the head, or with `delayMs` > 0 back at the
   * tail once that long has passed. False when it holds none; DEAD_LETTERED when the item went to
   * the dead queue instead.
   */
  release(holder: Holder, name: string, now: number, delayMs = 0): boolean | typeof DEAD_LETTERED {
    const r = this.oldestHeld(holder, name);
    if (r === null) return false;
    const dead = this.putBack(r, now, delayMs);
    this.serveWaiters(r.queue, now);
    return dead ? DEAD_LETTERED : true;
  }

  /** Puts item `id` of `name` back as release does, whoever holds it. False when it is not open. */
  releaseById(name: string, id: number, now: number, delayMs = 0): boolean | typeof DEAD_LETTERED {
    const r = this.queues.get(name)?.open.get(id);
    if (r === undefined) return false;
    const dead = this.putBack(r, now, delayMs);
    this.serveWaiters(r.queue, now);
    return dead ? DEAD_LETTERED : true;
  }

  // ---- renewing leases ----

  /**
   * Renews the lease of open item `id` of `name` (whoever holds it), or with id -1 of every item
   * `holder` holds on `name`, to end at now + leaseMs; leaseMs 0 ties it to its connection instead
   * (and puts it back at once if that connection is gone). False when there was nothing to renew.
   * Leases are not journaled (a restart ends every reservation), so this records nothing.
   */
  touch(holder: Holder, name: string, id: number, now: number, leaseMs: number): boolean {
    const queue = this.queues.get(name);
    if (queue === undefined) return false;
    const found = id > 0 ? queue.open.get(id) : undefined;
    const targets = id > 0 ? (found === undefined ? [] : [found]) : holder.held.on(queue);
    if (targets.length === 0) return false;
    const deadline = leaseMs > 0 ? now + leaseMs : Infinity;
    for (const r of targets) this.renew(r, deadline, now);
    this.serveWaiters(queue, now);
    return true;
  }

  // ---- blocked readers ----

  /**
   * Registers a reader blocked on `name` until `now + waitMs`. `wake` is called once: with an item
   * (reserved for `holder` unless `peek`) when one arrives, or with null at the deadline.
   */
  wait(
    holder: Holder,
    name: string,
    now: number,
    waitMs: number,
    peek: boolean,
    leaseMs: number,
    wake: (item: Item | null) => void,
  ): Waiter {
    const queue = this.waitsEnded ? null : (this.queues.get(name) ?? this.newFanout(name) ?? this.newQueue(name));
    if (queue === null) {
      // The server is stopping, or there is no room for another queue to wait on: answered as a
      // wait that timed out (the queue is empty), and no queue is created.
      wake(null);
      return { queue: new Queue(name), holder, peek, leaseMs, wake, deadline: now, cancelled: true };
    }
    const waiter: Waiter = { queue, holder, peek, leaseMs, wake, deadline: now + waitMs, cancelled: false };
    queue.waiters.push(waiter);
    holder.waiter = waiter;
    this.deadlines.push(waiter);
    return waiter;
  }

  /**
   * The server is stopping: wakes every blocked reader with null (its timeout answer), and from now
   * on wakes each new one with null at once (still through `wake`, which defers its reply).
   */
  endWaits(): void {
    this.waitsEnded = true;
    for (const queue of this.queues.values()) {
      for (const w of [...queue.waiters]) {
        this.unlinkWaiter(w);
        w.wake(null);
      }
    }
  }

  /** Cancels a waiter without calling it. */
  cancelWait(waiter: Waiter): void {
    if (waiter.cancelled) return;
    this.unlinkWaiter(waiter);
  }

  // ---- whole queues ----

  /** Removes every ready and delayed item of `name`; open reservations stay open. Returns how many were removed. */
  flush(name: string): number {
    const queue = this.queues.get(name);
    if (queue === undefined) return 0;
    const n = queue.ready.count + queue.delayed.size;
    queue.ready.clear();
    this.delays.drop(queue);
    this.changes.flushed(name);
    return n;
  }

  /** Flushes every queue, now or (delayMs > 0) at now + delayMs. */
  flushAll(now: number, delayMs = 0): void {
    if (delayMs > 0) {
      this.flushAllAt = now + delayMs;
      this.changes.flushAll(this.flushAllAt);
      return;
    }
    if (this.flushAllAt !== Infinity) {
      this.flushAllAt = Infinity;
      this.changes.flushAll(0);
    }
    for (const name of this.queues.keys()) this.flush(name);
  }

  /** Removes queue `name` entirely: items, reservations, waiters. False when there is no such queue. */
  dropQueue(name: string): boolean {
    const queue = this.queues.get(name);
    if (queue === undefined) return false;
    for (const r of queue.open.all()) {
      r.cancelled = true;
      if (r.deadline !== Infinity) this.deadlines.noteCancelled();
      r.holder?.held.forget(queue);
    }
    for (const w of [...queue.waiters]) {
      this.unlinkWaiter(w);
      w.wake(null);
    }
    this.delays.drop(queue);
    this.fanouts.forget(queue);
    this.queues.delete(name);
    this.changes.dropped(name);
    return true;
  }

  // ---- time ----

  /** Entries in the deadline heaps, live or cancelled (for tests: it must stay proportional to the live ones). */
  get deadlineEntries(): number {
    return this.deadlines.size + this.delays.entries;
  }

  /** The next time `tick` has work to do (an item is due, a lease ends, a wait times out, a delayed flush), or Infinity. */
  nextDeadline(): number {
    return Math.min(this.deadlines.next(), this.delays.next(), this.flushAllAt);
  }

  /**
   * Moves due delayed items to the tails of their queues (in due order), ends due leases (their
   * items go back to the head) and due waits (woken with null).
   */
  tick(now: number): void {
    if (this.flushAllAt <= now) this.flushAll(now);
    const joined = this.delays.joinDue(now);
    if (joined !== null) for (const queue of joined) this.serveWaiters(queue, now);
    for (const entry of this.deadlines.popDue(now)) {
      // An earlier entry of this tick may have settled this one: a lease that ended put its item
      // back and a due waiter was served with it. Such a waiter must not be woken a second time.
      if (entry.cancelled) continue;
      if ('wake' in entry) {
        this.unlinkWaiter(entry);
        entry.wake(null);
      } else {
        this.putBack(entry, now);
        this.serveWaiters(entry.queue, now);
      }
    }
  }

  // ---- inspection ----

  queueNames(): string[] {
    return [...this.queues.keys()];
  }

  /** Per-queue figures; drops expired items found at each head first, so ages are honest. */
  stats(now: number): EngineQueueStats[] {
    const out: EngineQueueStats[] = [];
    // Settled first: settling may move items to a dead queue made on the way, which is listed too.
    for (const queue of [...this.queues.values()]) this.settleHead(queue, now);
    for (const queue of this.queues.values()) out.push(queue.stats(now));
    return out;
  }

  totals(): EngineTotals {
    let items = 0,
      bytes = 0,
      open = 0;
    for (const q of this.queues.values()) {
      items += q.held;
      bytes += q.heldBytes;
      open += q.open.size;
    }
    return { items, bytes, open, totalItems: this.totalEnqueued };
  }

  /**
   * Calls `fn` for each queue that holds items: its name, the items it holds (ready, open and
   * delayed), their data bytes, and how many of them are open and delayed. The journal estimates from
   * these what a snapshot of the state would take on disk, without copying any item.
   */
  forEachHeld(fn: (name: string, items: number, bytes: number, open: number, delayed: number) => void): void {
    for (const q of this.queues.values()) if (q.held > 0) fn(q.name, q.held, q.heldBytes, q.open.size, q.delayed.size);
  }

  /** Every ready item of `name`, head first (copies). For snapshots and inspection. */
  *readyItems(name: string): Generator<Item> {
    const queue = this.queues.get(name);
    if (queue !== undefined) yield* queue.ready.items();
  }

  /** Every open reservation's item of `name`, oldest reservation first. */
  openItems(name: string): Item[] {
    const queue = this.queues.get(name);
    return queue === undefined ? [] : queue.open.all().map((r) => r.item);
  }

  /** Every delayed item of `name` with its due time, in the order they will join the tail. */
  delayedItems(name: string): Array<{ item: Item; dueAt: number }> {
    const queue = this.queues.get(name);
    if (queue === undefined) return [];
    return this.delays.itemsOf(queue);
  }

  /** True when `name` is a fanout queue that exists. */
  isFanout(name: string): boolean {
    return this.queues.get(name)?.fanout === true;
  }

  // ---- restoring (journal replay) ----

  /** Appends a recovered item at the tail without reporting a change. Ids keep growing past it. */
  restore(name: string, item: Item): void {
    const queue = this.queueFor(name);
    queue.ready.pushTail(item.id, item.flags, item.expiresAt, item.enqueuedAt, item.data, item.deliveries);
    this.ids.advance(item.id + 1);
  }

  /** A recovered delayed item, due at `dueAt` (one already due joins the tail at the next tick). */
  restoreDelayed(name: string, item: Item, dueAt: number): void {
    this.delays.hold(this.queueFor(name), item, dueAt);
    this.ids.advance(item.id + 1);
  }

  /** A recovered fanout queue: it exists, and receives copies, from now on. */
  restoreFanout(name: string): void {
    if (fanoutBase(name) !== null) this.fanouts.register(this.queueFor(name));
  }

  /** Raises the next item id (ids of acknowledged items are never reused). */
  advanceNextId(next: number): void {
    this.ids.advance(next);
  }

  /**
   * Moves the bound on ids a block past the next id without telling the ChangeLog, and returns it:
   * for the journal at startup, which records the bound itself before any id is issued.
   */
  raiseIdCeiling(): number {
    return this.ids.raiseCeiling();
  }

  /** A delayed flush_all recovered from the journal, due at `at` (tick runs it; one already due, the next tick). */
  restoreFlushAll(at: number): void {
    this.flushAllAt = at;
  }

  // ---- internals ----

  /**
   * Frees room for one item of `size` bytes: drops expired head items, then (with discardOld) the
   * oldest ready items, each recorded as `expired` so that a restart agrees (queue/limits.ts).
   */
  private makeRoom(queue: Queue, size: number, now: number): boolean {
    this.settleHead(queue, now);
    return (
      fits(queue, size, this.limits) || discardOldest(queue, size, this.limits, (id) => this.changes.expired(queue.name, id))
    );
  }

  /**
   * Stores one item in `queue` (ready, or delayed by `delayMs`); the queue's counters and waiters
   * follow. An item that is already expired is counted as enqueued and expired, not stored.
   */
  private store(
    queue: Queue,
    flags: number,
    expiresAt: number,
    data: Buffer,
    now: number,
    delayMs: number,
  ): number | typeof QUEUE_FULL {
    if (expiresAt !== 0 && expiresAt <= now) {
      queue.totalItems++;
      this.totalEnqueued++;
      queue.expiredItems++;
      return this.ids.issue();
    }
    if (!fits(queue, data.length, this.limits) && !this.makeRoom(queue, data.length, now)) {
      queue.rejected++;
      return QUEUE_FULL;
    }
    const id = this.ids.issue();
    this.changes.enqueued(queue.name, id, flags, expiresAt, now, data);
    queue.totalItems++;
    this.totalEnqueued++;
    if (delayMs > 0) {
      const item: Item = { id, flags, expiresAt, enqueuedAt: now, data: Buffer.from(data), deliveries: 0 };
      this.delays.hold(queue, item, now + delayMs);
      this.changes.delayed(queue.name, id, now + delayMs);
      return id;
    }
    queue.ready.pushTail(id, flags, expiresAt, now, data);
    if (queue.waiters.length > 0) this.serveWaiters(queue, now);
    return id;
  }

  /** A new queue, or null when maxQueues exist. */
  private newQueue(name: string): Queue | null {
    if (this.queues.size >= this.limits.maxQueues) return null;
    return this.queueFor(name);
  }

  /** A new fanout queue when `name` is one (recorded, so that it outlives a restart); else null. */
  private newFanout(name: string): Queue | null {
    return this.fanouts.create(name, (n) => this.newQueue(n));
  }

  private queueFor(name: string): Queue {
    let queue = this.queues.get(name);
    if (queue === undefined) {
      queue = new Queue(name);
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Removes the head item, skipping (and recording) expired ones and moving exhausted ones to the dead queue. */
  private takeHead(queue: Queue, now: number): Item | null {
    for (;;) {
      const item = queue.ready.shift();
      if (item === null) return null;
      if (item.expiresAt !== 0 && item.expiresAt <= now) {
        this.expire(queue, item.id);
      } else if (this.deadLetters.exhausted(queue, item.deliveries)) {
        this.moveToDead(queue, item, now);
      } else {
        return item;
      }
    }
  }

  /** Drops expired head items and moves exhausted ones to the dead queue, so the head is deliverable. */
  private settleHead(queue: Queue, now: number): void {
    for (;;) {
      const head = queue.ready.headMeta();
      if (head === null) return;
      if (head.expiresAt !== 0 && head.expiresAt <= now) {
        queue.ready.shift();
        this.expire(queue, head.id);
      } else if (this.deadLetters.exhausted(queue, head.deliveries)) {
        this.moveToDead(queue, queue.ready.shift()!, now);
      } else {
        return;
      }
    }
  }

  /** Moves exhausted `item` (already taken off `queue`) to the dead queue, whose waiters are served. */
  private moveToDead(queue: Queue, item: Item, now: number): void {
    const dead = this.deadLetters.move(queue, item);
    if (dead.waiters.length > 0) this.serveWaiters(dead, now);
  }

  private expire(queue: Queue, id: number): void {
    queue.expiredItems++;
    this.changes.expired(queue.name, id);
  }

  private open(queue: Queue, holder: Holder, item: Item, deadline: number): void {
    const r = new Reservation(item, queue, holder, deadline);
    queue.open.add(r);
    queue.openBytes += item.data.length;
    queue.delivered++;
    item.deliveries++;
    holder.held.add(r);
    if (deadline !== Infinity) this.deadlines.push(r);
    this.changes.reserved(queue.name, item.id);
  }

  private oldestHeld(holder: Holder, name: string): Reservation | null {
    const queue = this.queues.get(name);
    if (queue === undefined) return null;
    return holder.held.oldest(queue);
  }

  /** Closes a reservation: off the queue's open set, off its holder's list, off the deadline heap. */
  private finish(r: Reservation): void {
    r.cancelled = true;
    if (r.deadline !== Infinity) this.deadlines.noteCancelled();
    r.queue.open.remove(r);
    r.queue.openBytes -= r.item.data.length;
    if (r.holder !== null) {
      r.holder.held.remove(r);
      r.holder = null;
    }
  }

  /**
   * Gives a reservation's item back: to the head of its queue, or with `delayMs` > 0 to its tail
   * once due; an item that has had its last allowed delivery goes to the dead queue instead (then
   * true).
   */
  private putBack(r: Reservation, now: number, delayMs = 0): boolean {
    const queue = r.queue;
    if (queue.open.get(r.item.id) !== r) return false;
    this.finish(r);
    if (this.deadLetters.exhausted(queue, r.item.deliveries)) {
      this.moveToDead(queue, r.item, now);
      return true;
    }
    queue.released++;
    if (delayMs > 0) {
      this.delays.hold(queue, r.item, now + delayMs);
      this.changes.delayed(queue.name, r.item.id, now + delayMs);
      return false;
    }
    queue.ready.pushHead(r.item);
    this.changes.released(queue.name, r.item.id);
    return false;
  }

  /** Gives reservation `r` a new deadline (a new heap entry; the old one is cancelled). */
  private renew(r: Reservation, deadline: number, now: number): void {
    if (r.deadline !== Infinity) this.deadlines.noteCancelled();
    r.cancelled = true;
    const renewed = new Reservation(r.item, r.queue, r.holder, deadline);
    r.queue.open.replace(r, renewed);
    renewed.holder?.held.replace(r, renewed);
    if (deadline !== Infinity) this.deadlines.push(renewed);
    else if (renewed.holder === null) this.putBack(renewed, now);
  }

  /**
   * Takes a waiter off its queue and its holder; it will not be called. A queue that only waiters
   * ever used goes with its last one: waiting creates no queue that stays or counts toward maxQueues.
   */
  private unlinkWaiter(w: Waiter): void {
    w.cancelled = true;
    this.deadlines.noteCancelled();
    const list = w.queue.waiters;
    const at = list.indexOf(w);
    if (at >= 0) list.splice(at, 1);
    if (w.holder.waiter === w) w.holder.waiter = null;
    if (w.queue.unused && this.queues.get(w.queue.name) === w.queue) this.queues.delete(w.queue.name);
  }

  /** Hands ready items to blocked readers: every peeker sees the head, then one reader per item reserves it. */
  private serveWaiters(queue: Queue, now: number): void {
    while (queue.waiters.length > 0) {
      const w = queue.waiters[0];
      let item: Item | null;
      if (w.peek) {
        this.settleHead(queue, now);
        item = queue.ready.peek();
      } else {
        item = this.takeHead(queue, now);
        if (item !== null) this.open(queue, w.holder, item, w.leaseMs > 0 ? now + w.leaseMs : Infinity);
      }
      if (item === null) return;
      this.unlinkWaiter(w);
      w.wake(item);
    }
  }
}
