/**
 * The state a journal describes, rebuilt record by record: live items per queue, which of them are
 * open (reserved), and their order. Replay (startup), compaction and `rq replay-journal` all fold
 * records into this one class, so they cannot disagree about what a journal means.
 *
 * Order is what the engine would have: new items at the tail, released items at the head (the last
 * released first), and, since a restart ends every connection, items still open go back to the head
 * in the order they were reserved.
 */
import type { DecodedRecord } from './decoder.js';
import { RecordType } from './format.js';

/** A live item as replay knows it. Shaped like the engine's Item, so it can be restored as is. */
export interface ReplayItem {
  readonly id: number;
  readonly flags: number;
  readonly expiresAt: number;
  readonly enqueuedAt: number;
  readonly data: Buffer;
  /** Position key: > 0 tail order (enqueue), < 0 head order (release; more negative = nearer the head). */
  key: number;
  /** Reservation order while open; 0 when ready. */
  reserved: number;
}

export class QueueReplay {
  /** Live items by id, in the order they were first seen. */
  readonly items = new Map<number, ReplayItem>();
  private tailSeq = 0;
  private headSeq = 0;
  private reserveSeq = 0;
  /** Data bytes of live items. */
  bytes = 0;

  constructor(readonly name: string) {}

  add(item: ReplayItem): void {
    const old = this.items.get(item.id);
    if (old !== undefined) this.remove(item.id);
    item.key = ++this.tailSeq;
    this.items.set(item.id, item);
    this.bytes += item.data.length;
  }

  remove(id: number): boolean {
    const item = this.items.get(id);
    if (item === undefined) return false;
    this.items.delete(id);
    this.bytes -= item.data.length;
    return true;
  }

  reserve(id: number): boolean {
    const item = this.items.get(id);
    if (item === undefined) return false;
    item.reserved = ++this.reserveSeq;
    return true;
  }

  release(id: number): boolean {
    const item = this.items.get(id);
    if (item === undefined) return false;
    item.reserved = 0;
    item.key = -++this.headSeq;
    return true;
  }

  /** Removes every ready item; open ones stay (engine.flush). */
  flush(): void {
    for (const item of this.items.values()) if (item.reserved === 0) this.remove(item.id);
  }

  /** Items still open, in reservation order. */
  openItems(): ReplayItem[] {
    const open: ReplayItem[] = [];
    for (const item of this.items.values()) if (item.reserved > 0) open.push(item);
    return open.sort((a, b) => a.reserved - b.reserved);
  }

  /** Ready items, head first. */
  readyItems(): ReplayItem[] {
    const released: ReplayItem[] = [];
    const tail: ReplayItem[] = [];
    // Map order is first-seen order, which is tail order for items never released.
    for (const item of this.items.values()) {
      if (item.reserved > 0) continue;
      if (item.key < 0) released.push(item);
      else tail.push(item);
    }
    if (released.length === 0) return tail;
    released.sort((a, b) => a.key - b.key);
    return released.concat(tail);
  }

  /** What a restart restores, head first: open items (back at the head), then ready ones. */
  restoreOrder(): ReplayItem[] {
    const open = this.openItems();
    const ready = this.readyItems();
    return open.length === 0 ? ready : open.concat(ready);
  }
}

/** Counts of records that referred to items replay did not know (normal after a flush or drop). */
export interface ReplayAnomalies {
  unknownItems: number;
}

export class ReplayState {
  readonly queues = new Map<string, QueueReplay>();
  /** The id the next enqueued item gets: past every id seen and every next_id record. */
  nextId = 1;
  records = 0;
  readonly anomalies: ReplayAnomalies = { unknownItems: 0 };

  /** @param copyData keep a copy of item data (when the scanned buffers are reused) */
  constructor(private readonly copyData = false) {}

  apply(r: DecodedRecord): void {
    this.records++;
    switch (r.type) {
      case RecordType.Enqueued: {
        const data = this.copyData ? Buffer.from(r.data) : r.data;
        this.queue(r.queue).add({ id: r.id, flags: r.flags, expiresAt: r.expiresAt, enqueuedAt: r.enqueuedAt, data, key: 0, reserved: 0 });
        if (r.id >= this.nextId) this.nextId = r.id + 1;
        return;
      }
      case RecordType.Reserved:
        return this.count(this.queues.get(r.queue)?.reserve(r.id));
      case RecordType.Acked:
      case RecordType.Expired:
        return this.count(this.queues.get(r.queue)?.remove(r.id));
      case RecordType.Released:
        return this.count(this.queues.get(r.queue)?.release(r.id));
      case RecordType.Flushed:
        this.queues.get(r.queue)?.flush();
        return;
      case RecordType.Dropped:
        this.queues.delete(r.queue);
        return;
      case RecordType.NextId:
        if (r.id > this.nextId) this.nextId = r.id;
        return;
      case RecordType.SnapshotEnd:
        return;
    }
  }

  /** Live items and bytes over all queues. */
  totals(): { items: number; bytes: number } {
    let items = 0, bytes = 0;
    for (const q of this.queues.values()) {
      items += q.items.size;
      bytes += q.bytes;
    }
    return { items, bytes };
  }

  private queue(name: string): QueueReplay {
    let q = this.queues.get(name);
    if (q === undefined) {
      q = new QueueReplay(name);
      this.queues.set(name, q);
    }
    return q;
  }

  private count(known: boolean | undefined): void {
    if (known !== true) this.anomalies.unknownItems++;
  }
}
