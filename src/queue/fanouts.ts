/**
 * Fanout queues (kestrel's): a queue named `<base>+<name>` receives its own copy of every item set
 * on `<base>` from the moment it is first used until it is dropped. This class knows which fanout
 * queues each base has; the engine stores the copies.
 */
import { fanoutBase } from '../queue-name.js';
import type { Queue } from './queue.js';
import type { ChangeLog } from './types.js';

export class Fanouts {
  /** The fanout queues of each base queue that has any. */
  private readonly byBase = new Map<string, Set<Queue>>();

  /** `changes` hears of each fanout queue made, so that it outlives a restart. */
  constructor(private readonly changes: ChangeLog) {}

  /**
   * A new fanout queue when `name` is one, made by `newQueue` and recorded; null when `name` is
   * not a fanout name or `newQueue` has no room.
   */
  create(name: string, newQueue: (name: string) => Queue | null): Queue | null {
    if (fanoutBase(name) === null) return null;
    const queue = newQueue(name);
    if (queue === null) return null;
    this.register(queue);
    this.changes.fanout(name);
    return queue;
  }

  /** Marks `queue` (whose name is a fanout name) as a fanout queue of its base, recording nothing. */
  register(queue: Queue): void {
    const base = fanoutBase(queue.name)!;
    queue.fanout = true;
    let set = this.byBase.get(base);
    if (set === undefined) this.byBase.set(base, (set = new Set()));
    set.add(queue);
  }

  /** `queue` is dropped: it receives no more copies. */
  forget(queue: Queue): void {
    const base = fanoutBase(queue.name);
    if (base !== null) this.byBase.get(base)?.delete(queue);
  }

  /** The fanout queues that receive a copy of each item set on `base`, if it has any. */
  of(base: string): ReadonlySet<Queue> | undefined {
    return this.byBase.get(base);
  }
}
