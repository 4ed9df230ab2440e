/**
 * Delayed items (`set q/delay=`, a release with `delay=`): held off their queue's ready list until
 * their due time, then joined to its tail in due order. One heap holds every queue's delayed
 * items, so many delayed items cost no timer each: the engine asks `next()` for the earliest due
 * time and calls `joinDue(now)` when it passes. Each queue keeps its own delayed items by id (for
 * its counts and for flushing); this class keeps the two in step.
 */
import { DeadlineHeap } from './deadlines.js';
import type { Delayed, Queue } from './queue.js';
import type { ChangeLog, Item } from './types.js';

export class Delays {
  private readonly heap = new DeadlineHeap<Delayed>();
  /** Order of delaying, so that items due at the same millisecond join in the order they were delayed. */
  private seq = 0;

  /** `changes` hears of each delayed item that becomes due. */
  constructor(private readonly changes: ChangeLog) {}

  /** Entries in the heap, live or cancelled. */
  get entries(): number {
    return this.heap.size;
  }

  /** The earliest due time of any delayed item, or Infinity. */
  next(): number {
    return this.heap.next();
  }

  /** Holds `item` of `queue` until `dueAt`, recording nothing (the caller records, or is replaying). */
  hold(queue: Queue, item: Item, dueAt: number): void {
    const entry: Delayed = { item, queue, deadline: dueAt, seq: ++this.seq, cancelled: false };
    queue.delayed.set(item.id, entry);
    queue.delayedBytes += item.data.length;
    this.heap.push(entry);
  }

  /** Removes every delayed item of `queue`. */
  drop(queue: Queue): void {
    for (const entry of queue.delayed.values()) {
      entry.cancelled = true;
      this.heap.noteCancelled();
    }
    queue.delayed.clear();
    queue.delayedBytes = 0;
  }

  /**
   * Delayed items due by `now` join the tails of their queues, earliest first (ties in delaying
   * order), each recorded as `due`. Returns the queues that received items (their waiters may now
   * be served), or null when none were due.
   */
  joinDue(now: number): Set<Queue> | null {
    const due = this.heap.popDue(now);
    if (due.length === 0) return null;
    if (due.length > 1) due.sort(dueOrder);
    const touched = new Set<Queue>();
    for (const entry of due) {
      const { item, queue } = entry;
      queue.delayed.delete(item.id);
      queue.delayedBytes -= item.data.length;
      queue.ready.pushTail(item.id, item.flags, item.expiresAt, item.enqueuedAt, item.data, item.deliveries);
      this.changes.due(queue.name, item.id);
      touched.add(queue);
    }
    return touched;
  }

  /** Every delayed item of `queue` with its due time, in the order they will join the tail. */
  itemsOf(queue: Queue): Array<{ item: Item; dueAt: number }> {
    return [...queue.delayed.values()].sort(dueOrder).map((d) => ({ item: d.item, dueAt: d.deadline }));
  }
}

/** Due time first; items due at the same millisecond in the order they were delayed. */
function dueOrder(a: Delayed, b: Delayed): number {
  return a.deadline - b.deadline || a.seq - b.seq;
}
