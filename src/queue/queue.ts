/**
 * The state of one queue: its ready items, its open reservations, its blocked readers, its counters.
 * A plain data holder; the rules that move items between these live in engine.ts and the files
 * it calls (delays.ts, dead-letters.ts, fanouts.ts).
 */
import type { Timed } from './deadlines.js';
import { ReadyList } from './ready-list.js';
import { HeldReservations, OpenReservations } from './reservations.js';
import type { Item, EngineQueueStats } from './types.js';

/** A connection (or any party) that can hold reservations. One per client connection. */
export class Holder {
  /** Open reservations per queue, oldest first. */
  readonly held = new HeldReservations();
  /** Set once the connection is gone; leased reservations then live on alone. */
  closed = false;
  /** The `get …/t=` this holder is blocked in, if any (a connection waits for one thing at a time). */
  waiter: Waiter | null = null;
  constructor(readonly id: number) {}
}

/** An item waiting for its due time (`set q/delay=`, a release with `delay=`). */
export interface Delayed extends Timed {
  readonly item: Item;
  readonly queue: Queue;
  /** When it joins the tail (absolute ms). */
  readonly deadline: number;
  /** Order of delaying: items due at the same millisecond join the tail in this order. */
  readonly seq: number;
  cancelled: boolean;
}

/** A `get …/t=` waiting for an item. */
export interface Waiter extends Timed {
  readonly queue: Queue;
  readonly holder: Holder;
  /** Peek waiters are shown the item; reserving waiters receive it. */
  readonly peek: boolean;
  readonly leaseMs: number;
  /** Called once, with the item or null on timeout/cancel. Must not call back into the engine synchronously. */
  readonly wake: (item: Item | null) => void;
  cancelled: boolean;
}

export class Queue {
  readonly ready = new ReadyList();
  /** Open reservations by item id, in reservation order. */
  readonly open = new OpenReservations();
  openBytes = 0;
  /** Blocked readers, first come first served; only live ones (timed-out and cancelled ones are removed). */
  readonly waiters: Waiter[] = [];
  totalItems = 0;
  /** Reservations made: each time an item was handed out to be worked on, redeliveries included. */
  delivered = 0;
  expiredItems = 0;
  acked = 0;
  released = 0;
  /** Oldest ready items dropped to make room on a full queue (`--discard-old`). */
  discarded = 0;
  /** Items refused because the queue was full. */
  rejected = 0;
  /** Items waiting for their due time, by id. */
  readonly delayed = new Map<number, Delayed>();
  delayedBytes = 0;
  /** Items moved to this queue's dead-letter queue. */
  dead = 0;
  /** A fanout queue (`<base>+<name>`) that exists until dropped, used or not. */
  fanout = false;

  constructor(readonly name: string) {}

  /** Items the queue holds: ready, open and delayed (what --max-queue-items counts). */
  get held(): number {
    return this.ready.count + this.open.size + this.delayed.size;
  }

  /** Data bytes the queue holds: ready, open and delayed. */
  get heldBytes(): number {
    return this.ready.bytes + this.openBytes + this.delayedBytes;
  }

  /** Nothing but waiting ever happened here: no item, no reservation, no waiter, every counter at zero. */
  get unused(): boolean {
    return (
      this.held === 0 &&
      this.waiters.length === 0 &&
      this.totalItems === 0 &&
      !this.fanout &&
      this.dead === 0 &&
      this.acked === 0 &&
      this.released === 0 &&
      this.expiredItems === 0 &&
      this.discarded === 0 &&
      this.rejected === 0
    );
  }

  stats(now: number): EngineQueueStats {
    const head = this.ready.headMeta();
    return {
      name: this.name,
      items: this.ready.count,
      open: this.open.size,
      bytes: this.heldBytes,
      totalItems: this.totalItems,
      delivered: this.delivered,
      expiredItems: this.expiredItems,
      acked: this.acked,
      released: this.released,
      discarded: this.discarded,
      rejected: this.rejected,
      waiters: this.waiters.length,
      ageMs: head === null ? 0 : Math.max(0, now - head.enqueuedAt),
      delayed: this.delayed.size,
      dead: this.dead,
      headDeliveries: head === null ? 0 : head.deliveries,
    };
  }
}
