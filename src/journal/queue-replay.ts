/**
 * One queue's items as replay rebuilds them (replay-state.ts applies the records): live items, which
 * of them are open, and their order, in typed-array columns.
 *
 * Why columns: a restart may replay millions of items. One object and one Map entry per item cost
 * ~1 s of allocation and garbage collection per million; typed-array columns cost neither. Items are
 * found by id with a binary search, since ids arrive in increasing order (a small map holds the few
 * that do not: a snapshot lists released items first).
 */
import { MAPPED_BYTES, mappedArray, releasableBuffer, type ArrayType } from '../mapped-memory.js';
import type { Item } from '../queue/types.js';

const DEAD = -1;
const INITIAL_CAPACITY = 64;
/**
 * 128 KiB: a column grows by doubling up to this size (16,384 rows), in the C heap; past it, columns
 * are mapped on their own, a whole number of MAPPED_BYTES each (4,194,304 rows: mapped-memory.ts).
 * Columns that doubled through sizes of a few MiB left their memory in the C heap for good once
 * freed (20 MB after restoring a million items); mapped, they give it back when the replay ends, and
 * only the rows written are resident. A million items also grow once past 16,384 rows rather than
 * six times.
 */
const SMALL_COLUMN_BYTES = 128 * 1024;
const ROWS_PER_MAPPING = MAPPED_BYTES / Float64Array.BYTES_PER_ELEMENT;

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
  /** Item data: bytes [dataAt, dataAt + dataLen) of slabs.list[slab] (a copy: see DataSlabs). */
  private slab = new Uint32Array(INITIAL_CAPACITY);
  private dataAt = new Float64Array(INITIAL_CAPACITY);
  private dataLen = new Uint32Array(INITIAL_CAPACITY);
  /** Times each item was reserved: its delivery count. */
  private deliveries = new Uint32Array(INITIAL_CAPACITY);
  /** When a delayed item is due (ms); 0 for an item that is not delayed. */
  private due = new Float64Array(INITIAL_CAPACITY);
  /**
   * The head, for reserved_run: released items as a stack of (id, key) pairs, the last released on top
   * (an entry whose item has moved since is skipped when met), then the tail in row order from
   * `tailFrom` (rows before it are not at the tail: a row never comes back to its place).
   */
  private released: number[] = [];
  private tailFrom = 0;
  /** Rows whose id is not above every earlier row's: id → row. */
  private unordered = new Map<number, number>();
  private maxId = 0;
  private tailSeq = 0;
  private headSeq = 0;
  private reserveSeq = 0;

  constructor(
    readonly name: string,
    private readonly slabs: DataSlabs,
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
    this.slab[r] = this.slabs.keep(source, start, end);
    this.dataAt[r] = this.slabs.at;
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
    this.slabs.unref(this.slab[r], this.dataLen[r]);
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
    this.released.push(id, this.keys[r]);
    return true;
  }

  /**
   * reserved_run: the `count` items at the head, the first being `firstId`, are reserved. Returns
   * false when the head is not `firstId` (damage before this record): then `firstId` is found by id and
   * it and the items after it in queue order are reserved. `reserved` is told each id reserved.
   */
  reserveRun(firstId: number, count: number, reserved: ((id: number) => void) | null): { atHead: boolean; missing: number } {
    let r = this.head();
    const atHead = r >= 0 && this.ids[r] === firstId;
    let next: () => number = () => this.head();
    if (!atHead) {
      r = this.find(firstId);
      if (r < 0) return { atHead, missing: count };
      if (this.state[r] !== 0 || this.due[r] !== 0) {
        // Not ready (open, or delayed): reserved as a reserved record would; where the rest were is unknown.
        this.reserveRow(r, reserved);
        return { atHead, missing: count - 1 };
      }
      next = this.after(r);
    }
    let done = 0;
    while (done < count && r >= 0) {
      this.reserveRow(r, reserved);
      done++;
      if (done < count) r = next();
    }
    return { atHead, missing: count - done };
  }

  /** The head's row (the last released item, else the first of the tail), or -1 when no item is ready. */
  private head(): number {
    const stack = this.released;
    while (stack.length > 0) {
      const r = this.find(stack[stack.length - 2]);
      if (r >= 0 && this.state[r] === 0 && this.due[r] === 0 && this.keys[r] === stack[stack.length - 1]) return r;
      stack.length -= 2;
    }
    return this.nextTail(this.tailFrom, true);
  }

  /** The first tail row from `from` (and, with `move`, makes it `tailFrom`), or -1. */
  private nextTail(from: number, move: boolean): number {
    let r = from;
    while (r < this.n && !(this.state[r] === 0 && this.keys[r] > 0 && this.due[r] === 0)) r++;
    if (move) this.tailFrom = r;
    return r < this.n ? r : -1;
  }

  /** Walks the ready items after row `from` in queue order (used when a run did not start at the head). */
  private after(from: number): () => number {
    let stackAt = -1;
    if (this.keys[from] < 0) {
      for (let i = this.released.length - 2; i >= 0; i -= 2) if (this.released[i + 1] === this.keys[from]) stackAt = i;
    }
    let row = stackAt >= 0 ? -1 : from;
    return () => {
      for (stackAt -= 2; stackAt >= 0; stackAt -= 2) {
        const r = this.find(this.released[stackAt]);
        if (r >= 0 && this.state[r] === 0 && this.due[r] === 0 && this.keys[r] === this.released[stackAt + 1]) return r;
      }
      row = this.nextTail(row < 0 ? this.tailFrom : row + 1, false);
      return row;
    };
  }

  private reserveRow(r: number, reserved: ((id: number) => void) | null): void {
    this.state[r] = ++this.reserveSeq;
    this.deliveries[r]++;
    reserved?.(this.ids[r]);
  }

  /** Item `id` (ready, open or just added) waits until `dueAt`. */
  delay(id: number, dueAt: number): boolean {
    const r = this.find(id);
    if (r < 0) return false;
    this.state[r] = 0;
    this.due[r] = dueAt;
    return true;
  }

  /** Delayed item `id` joins the tail: its row moves to the end, so that rows stay in tail order. */
  joinTail(id: number): boolean {
    const r = this.find(id);
    if (r < 0) return false;
    if (this.n === this.ids.length) this.grow();
    const to = this.n++;
    this.ids[to] = id;
    this.search[to] = this.maxId;
    this.flags[to] = this.flags[r];
    this.expires[to] = this.expires[r];
    this.enqueued[to] = this.enqueued[r];
    this.keys[to] = ++this.tailSeq;
    this.state[to] = this.state[r];
    this.slab[to] = this.slab[r];
    this.dataAt[to] = this.dataAt[r];
    this.dataLen[to] = this.dataLen[r];
    this.deliveries[to] = this.deliveries[r];
    this.due[to] = 0;
    this.state[r] = DEAD;
    this.unordered.set(id, to);
    return true;
  }

  /** Sets item `id`'s delivery count (a snapshot's deliveries record). */
  setDeliveries(id: number, count: number): boolean {
    const r = this.find(id);
    if (r < 0) return false;
    this.deliveries[r] = count;
    return true;
  }

  /** Removes item `id` and returns it (its data a view into a slab), for a move to another queue; null when unknown. */
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
    return rows;
  }

  private delayedRows(): number[] {
    const rows: number[] = [];
    for (let r = 0; r < this.n; r++) if (this.state[r] === 0 && this.due[r] > 0) rows.push(r);
    return rows.sort((a, b) => this.due[a] - this.due[b] || a - b);
  }

  private item(r: number): Item {
    const at = this.dataAt[r];
    const data = this.slabs.list[this.slab[r]]!.subarray(at, at + this.dataLen[r]);
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
    const size = nextCapacity(this.ids.length);
    this.ids = extend(this.ids, column(Float64Array, size));
    this.search = extend(this.search, column(Float64Array, size));
    this.flags = extend(this.flags, column(Uint32Array, size));
    this.expires = extend(this.expires, column(Float64Array, size));
    this.enqueued = extend(this.enqueued, column(Float64Array, size));
    this.keys = extend(this.keys, column(Float64Array, size));
    this.state = extend(this.state, column(Float64Array, size));
    this.slab = extend(this.slab, column(Uint32Array, size));
    this.dataAt = extend(this.dataAt, column(Float64Array, size));
    this.dataLen = extend(this.dataLen, column(Uint32Array, size));
    this.deliveries = extend(this.deliveries, column(Uint32Array, size));
    this.due = extend(this.due, column(Float64Array, size));
  }

  /** Drops dead rows, keeping row order (and so the running maximum non-decreasing). */
  private compact(): void {
    let w = 0;
    let tailFrom = -1;
    const unordered = new Map<number, number>();
    for (let r = 0; r < this.n; r++) {
      if (r === this.tailFrom) tailFrom = w;
      if (this.state[r] === DEAD) continue;
      if (this.unordered.has(this.ids[r])) unordered.set(this.ids[r], w);
      this.ids[w] = this.ids[r];
      this.search[w] = this.search[r];
      this.flags[w] = this.flags[r];
      this.expires[w] = this.expires[r];
      this.enqueued[w] = this.enqueued[r];
      this.keys[w] = this.keys[r];
      this.state[w] = this.state[r];
      this.slab[w] = this.slab[r];
      this.dataAt[w] = this.dataAt[r];
      this.dataLen[w] = this.dataLen[r];
      this.deliveries[w] = this.deliveries[r];
      this.due[w] = this.due[r];
      w++;
    }
    this.n = w;
    this.tailFrom = tailFrom < 0 ? w : tailFrom;
    this.unordered = unordered;
  }
}

/**
 * Item data, copied out of the buffers records were read in into slabs of its own, shared by the
 * queues of one state (rows refer to a slab by index). Copying is what lets a reader drop each buffer
 * once it is decoded: a view would keep a whole read buffer (records, headers, the records of items
 * long gone) alive for one live item, and a million live items would keep every buffer of the journal
 * until the state is dropped. Slabs are counted like the items in them: a slab whose items are all
 * gone is released. A new slab is a quarter of the live bytes (MIN_SLAB_BYTES to MAX_SLAB_BYTES): under
 * churn, where a few long-lived items may each keep a slab, slabs stay small; a million live items
 * fill slabs large enough to be mapped on their own, which return to the system once freed.
 */
export class DataSlabs {
  /** Slabs by index; null once no live item is left in one (so it can be freed). */
  readonly list: Array<Buffer | null> = [];
  /** Where keep() put the last bytes it kept, in slab `list[index]`. */
  at = 0;
  /** Live items per slab. */
  private readonly refs: number[] = [];
  /** Bytes of the live items in all slabs. */
  private liveBytes = 0;
  /** The slab being filled, its index, and the bytes of it used. */
  private slab: Buffer | null = null;
  private slabIndex = 0;
  private used = 0;

  /** Copies bytes [start, end) of `source` into a slab, counting one more live item there: returns the slab's index (and sets `at`). */
  keep(source: Buffer, start: number, end: number): number {
    const length = end - start;
    this.liveBytes += length;
    if (length > LARGE_ITEM_BYTES) {
      const own = releasableBuffer(length);
      source.copy(own, 0, start, end);
      this.at = 0;
      return this.add(own, 1);
    }
    if (this.slab === null || this.used + length > this.slab.length) {
      const size = Math.min(MAX_SLAB_BYTES, Math.max(MIN_SLAB_BYTES, this.liveBytes >> 2));
      this.slab = releasableBuffer(size);
      this.slabIndex = this.add(this.slab, 0);
      this.used = 0;
    }
    const slab = this.slab;
    let to = this.used;
    if (length < SHORT_COPY) for (let i = start; i < end; i++) slab[to++] = source[i];
    else source.copy(slab, to, start, end);
    this.at = this.used;
    this.used += length;
    this.refs[this.slabIndex]++;
    return this.slabIndex;
  }

  /** One live item (of `length` bytes) fewer in slab `i`. */
  unref(i: number, length: number): void {
    this.liveBytes -= length;
    if (--this.refs[i] === 0 && this.list[i] !== this.slab) this.list[i] = null;
  }

  private add(buf: Buffer, refs: number): number {
    this.refs.push(refs);
    return this.list.push(buf) - 1;
  }
}

const MIN_SLAB_BYTES = 256 * 1024;
/**
 * 32 MiB. Every slab (none is smaller than RELEASABLE_BYTES) and every item with a buffer of its own
 * is mapped on its own (mapped-memory.ts: releasableBuffer), so that a freed one leaves the
 * process's memory at once; from the C heap, slabs of a few MiB stayed there once freed. Only the
 * pages written to count; each slab reserves 32 MiB of address space.
 */
const MAX_SLAB_BYTES = MAPPED_BYTES;
/** Items larger than this get a buffer of their own rather than leaving much of a slab's end unused. */
const LARGE_ITEM_BYTES = 1024 * 1024;
/** Below this length a JS byte loop beats Buffer#copy. */
const SHORT_COPY = 64;

/** The capacity after `rows`: twice as many while the largest column stays small, else the next whole mapping. */
function nextCapacity(rows: number): number {
  const doubled = rows * 2;
  if (doubled * Float64Array.BYTES_PER_ELEMENT <= SMALL_COLUMN_BYTES) return doubled;
  return Math.ceil(doubled / ROWS_PER_MAPPING) * ROWS_PER_MAPPING;
}

/** A column of `rows` rows: in the C heap while small, else mapped on its own. */
function column<T extends Float64Array | Uint32Array>(type: ArrayType<T>, rows: number): T {
  return rows * type.BYTES_PER_ELEMENT <= SMALL_COLUMN_BYTES ? new type(rows) : mappedArray(type, rows);
}

function extend<T extends Float64Array | Uint32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
