/**
 * Where open reservations are kept: each queue's, by item id and in reservation order
 * (OpenReservations), and each holder's, per queue and oldest first (HeldReservations).
 *
 * Both are written on every get and every delete, so both allocate nothing when a reservation
 * comes and goes: a reservation carries its own links in both lists (intrusive doubly linked
 * lists), the id lookup is an IdTable, and a holder reuses its list object from one reservation to
 * the next. Removing is O(1) everywhere. See id-table.ts for why the garbage collector cares.
 */
import { IdTable } from './id-table.js';
import type { Timed } from './deadlines.js';
import type { Holder, Queue } from './queue.js';
import type { Item } from './types.js';

/** An item reserved by a holder (or, after its connection closed, by its lease alone). */
export class Reservation implements Timed {
  cancelled = false;
  /** Neighbours in its queue's OpenReservations (older, newer). */
  olderOpen: Reservation | null = null;
  newerOpen: Reservation | null = null;
  /** Neighbours in its holder's list for its queue (older, newer). */
  olderHeld: Reservation | null = null;
  newerHeld: Reservation | null = null;

  constructor(
    readonly item: Item,
    readonly queue: Queue,
    public holder: Holder | null,
    /** Lease end (absolute ms), or Infinity for a reservation tied to its connection only. */
    readonly deadline: number,
  ) {}
}

/** A queue's open reservations: found by item id, listed oldest reservation first. */
export class OpenReservations {
  private readonly byId = new IdTable<Reservation>();
  private oldest: Reservation | null = null;
  private newest: Reservation | null = null;

  get size(): number {
    return this.byId.size;
  }

  get(id: number): Reservation | undefined {
    return this.byId.get(id);
  }

  /** Adds `r` as the newest reservation. */
  add(r: Reservation): void {
    this.byId.set(r.item.id, r);
    r.olderOpen = this.newest;
    r.newerOpen = null;
    if (this.newest === null) this.oldest = r;
    else this.newest.newerOpen = r;
    this.newest = r;
  }

  /** Removes `r` (which must be in this list). */
  remove(r: Reservation): void {
    this.byId.delete(r.item.id);
    if (r.olderOpen === null) this.oldest = r.newerOpen;
    else r.olderOpen.newerOpen = r.newerOpen;
    if (r.newerOpen === null) this.newest = r.olderOpen;
    else r.newerOpen.olderOpen = r.olderOpen;
    r.olderOpen = r.newerOpen = null;
  }

  /** Puts `renewed` (a reservation of the same item) in the place of `r`. */
  replace(r: Reservation, renewed: Reservation): void {
    this.byId.set(r.item.id, renewed);
    renewed.olderOpen = r.olderOpen;
    renewed.newerOpen = r.newerOpen;
    if (r.olderOpen === null) this.oldest = renewed;
    else r.olderOpen.newerOpen = renewed;
    if (r.newerOpen === null) this.newest = renewed;
    else r.newerOpen.olderOpen = renewed;
    r.olderOpen = r.newerOpen = null;
  }

  /** Every open reservation, oldest first (a copy: the caller may change the list while using it). */
  all(): Reservation[] {
    const out: Reservation[] = [];
    for (let r = this.oldest; r !== null; r = r.newerOpen) out.push(r);
    return out;
  }
}

/** One holder's open reservations on one queue, oldest first. */
class HeldList {
  /** The queue these reservations belong to; null while the list is empty and free for any queue. */
  queue: Queue | null = null;
  oldest: Reservation | null = null;
  newest: Reservation | null = null;
  count = 0;
  /** When the list was given its queue (holder's counter): lists are visited in this order. */
  since = 0;
}

/**
 * A holder's open reservations, per queue, oldest first. A connection usually holds items of one
 * queue at a time: that list is `first`, kept (emptied, its queue forgotten) when its last
 * reservation ends, so a worker reserving and acknowledging allocates nothing. Lists of further
 * queues held at the same time live in a Map and leave it when they empty.
 */
export class HeldReservations {
  private readonly first = new HeldList();
  private more: Map<Queue, HeldList> | null = null;
  private lists = 0;

  /** How many reservations the holder has on `queue`. */
  count(queue: Queue): number {
    return this.listOf(queue)?.count ?? 0;
  }

  /** The holder's oldest reservation on `queue`, or null. */
  oldest(queue: Queue): Reservation | null {
    return this.listOf(queue)?.oldest ?? null;
  }

  /** The holder's reservations on `queue`, oldest first (a copy). */
  on(queue: Queue): Reservation[] {
    const out: Reservation[] = [];
    for (let r = this.listOf(queue)?.oldest ?? null; r !== null; r = r.newerHeld) out.push(r);
    return out;
  }

  /** Every queue the holder has reservations on, each with them oldest first, queues in the order first held. */
  byQueue(): Array<[Queue, Reservation[]]> {
    const lists = this.more === null ? [] : [...this.more.values()];
    if (this.first.queue !== null) lists.push(this.first);
    lists.sort((a, b) => a.since - b.since);
    return lists.map((list) => [list.queue!, this.on(list.queue!)]);
  }

  /** Adds `r` as the holder's newest reservation on its queue. */
  add(r: Reservation): void {
    const list = this.listOf(r.queue) ?? this.newList(r.queue);
    r.olderHeld = list.newest;
    r.newerHeld = null;
    if (list.newest === null) list.oldest = r;
    else list.newest.newerHeld = r;
    list.newest = r;
    list.count++;
  }

  /** Removes `r` (which must be held here). */
  remove(r: Reservation): void {
    const list = this.listOf(r.queue)!;
    if (r.olderHeld === null) list.oldest = r.newerHeld;
    else r.olderHeld.newerHeld = r.newerHeld;
    if (r.newerHeld === null) list.newest = r.olderHeld;
    else r.newerHeld.olderHeld = r.olderHeld;
    r.olderHeld = r.newerHeld = null;
    if (--list.count === 0) this.forgetList(list);
  }

  /** Puts `renewed` (a reservation of the same item) in the place of `r`. */
  replace(r: Reservation, renewed: Reservation): void {
    const list = this.listOf(r.queue)!;
    renewed.olderHeld = r.olderHeld;
    renewed.newerHeld = r.newerHeld;
    if (r.olderHeld === null) list.oldest = renewed;
    else r.olderHeld.newerHeld = renewed;
    if (r.newerHeld === null) list.newest = renewed;
    else r.newerHeld.olderHeld = renewed;
    r.olderHeld = r.newerHeld = null;
  }

  /** Forgets every reservation on `queue` (the queue is dropped). */
  forget(queue: Queue): void {
    const list = this.listOf(queue);
    if (list === undefined) return;
    for (let r = list.oldest; r !== null;) {
      const next = r.newerHeld;
      r.olderHeld = r.newerHeld = null;
      r = next;
    }
    this.forgetList(list);
  }

  /** Forgets every reservation (the holder is closed). */
  clear(): void {
    for (const [queue] of this.byQueue()) this.forget(queue);
  }

  private listOf(queue: Queue): HeldList | undefined {
    return this.first.queue === queue ? this.first : this.more?.get(queue);
  }

  private newList(queue: Queue): HeldList {
    let list = this.first;
    if (list.queue !== null) {
      list = new HeldList();
      (this.more ??= new Map()).set(queue, list);
    }
    list.queue = queue;
    list.since = ++this.lists;
    return list;
  }

  private forgetList(list: HeldList): void {
    if (list !== this.first) this.more!.delete(list.queue!);
    list.queue = list.oldest = list.newest = null;
    list.count = 0;
  }
}
