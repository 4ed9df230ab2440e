/**
 * One queue's items as replay rebuilds them (replay-state.ts applies the records): live items, which
 * of them are open, and their order, in typed-array columns.
 *
 * Why columns: a restart may replay millions of items. One object and one Map entry per item cost
 * ~1 s of allocation and garbage collection per million; typed-array columns cost neither. Items are
 * found by id with a binary search, since ids arrive in increasing order (a small map holds the few
 * that do not: a snapshot lists released items first).
 */
import type { Item } from '../queue/types.js';

const DEAD = -1;
const INITIAL_CAPACITY = 64;

export class QueueReplay {
  /** Live items. */
  count = 0;
  /** Data bytes of live items. */
  bytes = 0;
  private n = 0; // rows used (live and dead)
  private ids = new Float64Array(INITIAL_CAPACITY);
  /** The largest id up to each row: non-decreasing, so rows can be binary-searched by id. */
  private search = new Float64Array(INITIAL_CAPACITY);
  private flags = new Uint32Array(INITIAL_CAPACITY);
  private expires = new Float64Array(INITIAL_CAPACITY);
  private enqueued = new Float64Array(INITIAL_CAPACITY);
  /** Position: > 0 tail order (row order), < 0 released (more negative = nearer the head). */
  private keys = new Float64Array(INITIAL_CAPACITY);
  /** Reservation order while open; 0 ready; DEAD gone. */
  private state = new Float64Array(INITIAL_CAPACITY);
  /** Item data: bytes [dataAt, dataAt + dataLen) of chunks[chunk] (the buffers the records were read in). */
  private chunk = new Uint32Array(INITIAL_CAPACITY);
  private dataAt = new Float64Array(INITIAL_CAPACITY);
  private dataLen = new Uint32Array(INITIAL_CAPACITY);
  /** Times each item was reserved: its delivery count. */
  private deliveries = new Uint32Array(INITIAL_CAPACITY);
  /** When a delayed item is due (ms); 0 for an item that is not delayed. */
  private due = new Float64Array(INITIAL_CAPACITY);
  /** Set once an item joined the tail out of row order (a delayed item came due): the tail is then sorted by key. */
  private reordered = false;
  /** Rows whose id is not above every earlier row's: id → row. */
  private unordered = new Map<number, number>();
  private maxId = 0;
  private tailSeq = 0;
  private headSeq = 0;
  private reserveSeq = 0;

  constructor(
    readonly name: string,
    private readonly chunks: Chunks,
  ) {}

  add(
    id: number,
    flags: number,
    expiresAt: number,
    enqueuedAt: number,
    source: Buffer,
    start: number,
    end: number,
    deliveries = 0,
  ): void {
    if (id <= this.maxId) {
      this.remove(id);
      this.unordered.set(id, this.n);
    } else {
      this.maxId = id;
    }
    if (this.n === this.ids.length) this.grow();
    const r = this.n++;
    this.ids[r] = id;
    this.search[r] = this.maxId;
    this.flags[r] = flags;
    this.expires[r] = expiresAt;
    this.enqueued[r] = enqueuedAt;
    this.keys[r] = ++this.tailSeq;
    this.state[r] = 0;
    this.chunk[r] = this.chunks.ref(source);
    this.dataAt[r] = start;
    this.dataLen[r] = end - start;
    this.deliveries[r] = deliveries;
    this.due[r] = 0;
    this.count++;
    this.bytes += end - start;
  }

  remove(id: number): boolean {
    const r = this.find(id);
    if (r < 0) return false;
    this.state[r] = DEAD;
    this.bytes -= this.dataLen[r];
    this.chunks.unref(this.chunk[r]);
    this.count--;
    this.unordered.delete(id);
    if (this.n - this.count > 4096 && this.n - this.count > this.count) this.compact();
    return true;
  }

  /** True while item `id` is live here. */
  has(id: number): boolean {
    return this.find(id) >= 0;
  }

  /** Ids of the open items. */
  openIds(): number[] {
    return this.openRows().map((r) => this.ids[r]);
  }

  reserve(id: number): boolean {
    const r = this.find(id);
    if (r < 0) return false;
    this.state[r] = ++this.reserveSeq;
    this.deliveries[r]++;
    return true;
  }

  release(id: number): boolean {
    const r = this.find(id);
    if (r < 0) return false;
    this.state[r] = 0;
    this.keys[r] = -++this.headSeq;
    return true;
  }

  /** Item `id` (ready, open or just added) waits until `dueAt`. */
  delay(id: number, dueAt: number): boolean {
    const r = this.find(id);
    if (r < 0) return false;
    this.state[r] = 0;
    this.due[r] = dueAt;
    return true;
  }

  /** Delayed item `id` joins the tail. */
  joinTail(id: number): boolean {
    const r = this.find(id);
    if (r < 0) return false;
    this.due[r] = 0;
    this.keys[r] = ++this.tailSeq;
    this.reordered = true;
    return true;
  }

  /** Sets item `id`'s delivery count (a snapshot's deliveries record). */
  setDeliveries(id: number, count: number): boolean {
    const r = this.find(id);
    if (r < 0) return false;
    this.deliveries[r] = count;
    return true;
  }

  /** Removes item `id` and returns it (its data a view), for a move to another queue; null when unknown. */
  take(id: number): Item | null {
    const r = this.find(id);
    if (r < 0) return null;
    const item = this.item(r);
    this.remove(id);
    return item;
  }

  /** Removes every ready item; open ones stay (engine.flush). */
  flush(): void {
    for (let r = 0; r < this.n; r++) if (this.state[r] === 0) this.remove(this.ids[r]);
  }

  /**
   * Visits what a restart restores, head first: open items (back at the head), then ready ones,
   * then delayed ones (dueAt > 0) in due order.
   */
  forEach(visit: (item: Item, open: boolean, dueAt: number) => void): void {
    for (const r of this.openRows()) visit(this.item(r), true, 0);
    for (const r of this.releasedRows()) visit(this.item(r), false, 0);
    for (const r of this.tailRows()) visit(this.item(r), false, 0);
    for (const r of this.delayedRows()) visit(this.item(r), false, this.due[r]);
  }

  /** Ready items head first, then open items in id order, then delayed ones (the order a snapshot lists them). */
  *snapshotOrder(): Generator<{ item: Item; open: boolean; dueAt: number }> {
    for (const r of this.releasedRows()) yield { item: this.item(r), open: false, dueAt: 0 };
    for (const r of this.tailRows()) yield { item: this.item(r), open: false, dueAt: 0 };
    for (const r of this.openRows()) yield { item: this.item(r), open: true, dueAt: 0 };
    for (const r of this.delayedRows()) yield { item: this.item(r), open: false, dueAt: this.due[r] };
  }

  /** Ready rows at the tail, in tail order. */
  private tailRows(): number[] {
    const rows: number[] = [];
    for (let r = 0; r < this.n; r++) if (this.state[r] === 0 && this.keys[r] > 0 && this.due[r] === 0) rows.push(r);
    return this.reordered ? rows.sort((a, b) => this.keys[a] - this.keys[b]) : rows;
  }

  private delayedRows(): number[] {
    const rows: number[] = [];
    for (let r = 0; r < this.n; r++) if (this.state[r] === 0 && this.due[r] > 0) rows.push(r);
    return rows.sort((a, b) => this.due[a] - this.due[b] || a - b);
  }

  private item(r: number): Item {
    const at = this.dataAt[r];
    const data = this.chunks.list[this.chunk[r]]!.subarray(at, at + this.dataLen[r]);
    return {
      id: this.ids[r],
      flags: this.flags[r],
      expiresAt: this.expires[r],
      enqueuedAt: this.enqueued[r],
      data,
      deliveries: this.deliveries[r],
    };
  }

  private openRows(): number[] {
    const rows: number[] = [];
    for (let r = 0; r < this.n; r++) if (this.state[r] > 0) rows.push(r);
    return rows.sort((a, b) => this.ids[a] - this.ids[b]);
  }

  private releasedRows(): number[] {
    const rows: number[] = [];
    for (let r = 0; r < this.n; r++) if (this.state[r] === 0 && this.keys[r] < 0 && this.due[r] === 0) rows.push(r);
    return rows.sort((a, b) => this.keys[a] - this.keys[b]);
  }

  /** Row of a live item, or -1. */
  private find(id: number): number {
    if (this.unordered.size > 0) {
      const u = this.unordered.get(id);
      if (u !== undefined) return this.state[u] === DEAD ? -1 : u;
    }
    // The first row whose running maximum reaches id is the row of id, if id came in order.
    let lo = 0,
      hi = this.n;
    const search = this.search;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (search[mid] < id) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.n && this.ids[lo] === id && this.state[lo] !== DEAD ? lo : -1;
  }

  private grow(): void {
    const size = this.ids.length * 2;
    this.ids = extend(this.ids, new Float64Array(size));
    this.search = extend(this.search, new Float64Array(size));
    this.flags = extend(this.flags, new Uint32Array(size));
    this.expires = extend(this.expires, new Float64Array(size));
    this.enqueued = extend(this.enqueued, new Float64Array(size));
    this.keys = extend(this.keys, new Float64Array(size));
    this.state = extend(this.state, new Float64Array(size));
    this.chunk = extend(this.chunk, new Uint32Array(size));
    this.dataAt = extend(this.dataAt, new Float64Array(size));
    this.dataLen = extend(this.dataLen, new Uint32Array(size));
    this.deliveries = extend(this.deliveries, new Uint32Array(size));
    this.due = extend(this.due, new Float64Array(size));
  }

  /** Drops dead rows, keeping row order (and so the running maximum non-decreasing). */
  private compact(): void {
    let w = 0;
    const unordered = new Map<number, number>();
    for (let r = 0; r < this.n; r++) {
      if (this.state[r] === DEAD) continue;
      if (this.unordered.has(this.ids[r])) unordered.set(this.ids[r], w);
      this.ids[w] = this.ids[r];
      this.search[w] = this.search[r];
      this.flags[w] = this.flags[r];
      this.expires[w] = this.expires[r];
      this.enqueued[w] = this.enqueued[r];
      this.keys[w] = this.keys[r];
      this.state[w] = this.state[r];
      this.chunk[w] = this.chunk[r];
      this.dataAt[w] = this.dataAt[r];
      this.dataLen[w] = this.dataLen[r];
      this.deliveries[w] = this.deliveries[r];
      this.due[w] = this.due[r];
      w++;
    }
    this.n = w;
    this.unordered = unordered;
  }
}

/** The buffers item data was read in, shared by the queues of one state (rows refer to them by index). */
export class Chunks {
  /** Buffers by index; null once no live item is left in one (so it can be freed). */
  readonly list: Array<Buffer | null> = [];
  /** Live items per buffer. */
  private readonly refs: number[] = [];
  private last: Buffer | null = null;
  private lastIndex = 0;

  /** The index of `buf`, counting one more live item in it. */
  ref(buf: Buffer): number {
    let i = this.lastIndex;
    if (buf !== this.last) {
      i = this.list.lastIndexOf(buf);
      if (i < 0) {
        i = this.list.push(buf) - 1;
        this.refs.push(0);
      }
      this.last = buf;
      this.lastIndex = i;
    }
    this.refs[i]++;
    return i;
  }

  /** One live item fewer in buffer `i`. */
  unref(i: number): void {
    if (--this.refs[i] === 0 && this.list[i] !== this.last) this.list[i] = null;
  }
}

function extend<T extends Float64Array | Uint32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
