/**
 * The ready items of one queue, packed into large blocks rather than one object per item.
 *
 * Why: a queue may hold millions of small items. One JS object plus one Buffer per item
 * costs ~300 bytes of heap each; packing header and data into blocks (1 KiB growing to 64 KiB) costs 12 bytes
 * of header per item (16 with memcache flags, 20 with an expiry) and keeps the garbage collector idle. An item becomes
 * an object only when it leaves the list (reserve), or when it is put back at the head
 * (release), where it stays an object until reserved again.
 *
 * Record layout inside a block (host byte order; blocks never leave the process), 4-byte aligned:
 *   idDelta i32 | timeDelta i32 | length u32 (bit 31: has expiry, 30: has deliveries, 29: has flags,
 *   28: long) | [length u32, if long] | [flags u32] | [expiresAt f64] | [deliveries u32] | data | pad
 * Each optional word is there only when needed: most items have no memcache flags (0), no expiry,
 * have been delivered 0 times, and are shorter than 256 MiB, and cost 12 bytes of header. Only an
 * item that comes back to the tail after deliveries (a delayed release, a dead-letter move, a
 * restart) carries a deliveries word.
 * Ids and enqueue times are stored relative to the block's first record. A record whose deltas do not
 * fit in 32 signed bits starts a new block, so any order of ids and times is stored correctly.
 */
import { giveBackBlock, POOL_BLOCK_BYTES, takeBlock } from './block-pool.js';
import type { Item } from './types.js';

/**
 * Block size: large enough that per-block overhead vanishes, small enough that a drained block is
 * freed soon. Blocks of this size come from the block pool (block-pool.ts), outside the C heap.
 */
const BLOCK_BYTES = POOL_BLOCK_BYTES;
/**
 * A queue's first block; each block that fills doubles the next, up to BLOCK_BYTES. So a queue with
 * a few small items costs about a KiB, not 64: a client creating many queues cannot turn each
 * small `set` into 64 KiB of memory.
 */
const FIRST_BLOCK_BYTES = 1024;
const HEADER_BYTES = 12;
const WORD_BYTES = 4;
const EXPIRY_BYTES = 8;
const HAS_EXPIRY = 0x80000000;
const HAS_DELIVERIES = 0x40000000;
const HAS_FLAGS = 0x20000000;
const LONG_LENGTH = 0x10000000;
/** The length word holds lengths up to this; a longer item's length has a word of its own. */
const SHORT_LENGTH_MAX = 0x0fffffff;
const I32_MIN = -0x80000000;
const I32_MAX = 0x7fffffff;
/** Below this length a JS byte loop beats Buffer#copy (bench/inproc-text.mjs). */
const SHORT_COPY = 64;

/** A record's fields beyond id and time, as decode() reads them. */
interface Fields {
  length: number;
  flags: number;
  expiresAt: number;
  deliveries: number;
  /** Where the data starts in the block, and where the next record does. */
  dataAt: number;
  next: number;
}

/** A block with its header views and the base its deltas are relative to. */
class Block {
  readonly i32: Int32Array;
  readonly u32: Uint32Array;
  baseId = 0;
  baseTime = 0;
  /** `buf` is the pool's (takeBlock) and goes back to it when the list drops the block. */
  constructor(
    readonly buf: Buffer,
    readonly pooled: boolean,
  ) {
    this.i32 = new Int32Array(buf.buffer, buf.byteOffset, buf.length >> 2);
    this.u32 = new Uint32Array(buf.buffer, buf.byteOffset, buf.length >> 2);
  }
}

/** The length word of a record: the length (unless long) and which optional fields follow. */
function lengthWord(dataLength: number, flags: number, expiresAt: number, deliveries: number): number {
  return (
    ((dataLength > SHORT_LENGTH_MAX ? LONG_LENGTH : dataLength) |
      (flags !== 0 ? HAS_FLAGS : 0) |
      (expiresAt !== 0 ? HAS_EXPIRY : 0) |
      (deliveries !== 0 ? HAS_DELIVERIES : 0)) >>>
    0
  );
}

/** Bytes from a record's start to its data, per its length word. */
function fieldBytes(word: number): number {
  return (
    HEADER_BYTES +
    ((word & LONG_LENGTH) !== 0 ? WORD_BYTES : 0) +
    ((word & HAS_FLAGS) !== 0 ? WORD_BYTES : 0) +
    ((word & HAS_EXPIRY) !== 0 ? EXPIRY_BYTES : 0) +
    ((word & HAS_DELIVERIES) !== 0 ? WORD_BYTES : 0)
  );
}

function recordBytes(dataLength: number, word: number): number {
  return fieldBytes(word) + ((dataLength + 3) & ~3);
}

function fitsDelta(delta: number): boolean {
  return delta >= I32_MIN && delta <= I32_MAX;
}

export interface ItemMeta {
  readonly id: number;
  readonly enqueuedAt: number;
  readonly expiresAt: number;
  readonly deliveries: number;
}

export class ReadyList {
  /** Items put back at the head, as objects; the last element is the head. */
  private readonly front: Item[] = [];
  private readonly blocks: Block[] = [];
  /** Bytes used in each block but the last (whose end is tailOffset). */
  private readonly blockEnds: number[] = [];
  /** Read offset in blocks[0]. */
  private headOffset = 0;
  /** Write offset in the last block. */
  private tailOffset = 0;
  /** Items stored in blocks (not counting `front`). */
  private packedCount = 0;
  private _bytes = 0;
  /** A drained block kept for reuse, so a queue that keeps emptying does not allocate a block per item. */
  private spare: Block | null = null;
  /** The size of the next new block (grows from FIRST_BLOCK_BYTES as blocks fill). */
  private nextBlockBytes = FIRST_BLOCK_BYTES;
  /** decode()'s result, reused: reading a record allocates nothing but the item. */
  private readonly fields: Fields = { length: 0, flags: 0, expiresAt: 0, deliveries: 0, dataAt: 0, next: 0 };

  get count(): number {
    return this.front.length + this.packedCount;
  }

  /** Data bytes of all ready items. */
  get bytes(): number {
    return this._bytes;
  }

  /** Appends an item at the tail. `data` is copied. */
  pushTail(id: number, flags: number, expiresAt: number, enqueuedAt: number, data: Uint8Array, deliveries = 0): void {
    const n = data.length;
    const word = lengthWord(n, flags, expiresAt, deliveries);
    const need = recordBytes(n, word);
    let block = this.blocks.length > 0 ? this.blocks[this.blocks.length - 1] : null;
    if (
      block === null ||
      block.buf.length - this.tailOffset < need ||
      !fitsDelta(id - block.baseId) ||
      !fitsDelta(enqueuedAt - block.baseTime)
    ) {
      block = this.startBlock(need, id, enqueuedAt);
    }
    const at = this.tailOffset;
    const w = at >> 2;
    block.i32[w] = id - block.baseId;
    block.i32[w + 1] = enqueuedAt - block.baseTime;
    block.u32[w + 2] = word;
    let from = at + HEADER_BYTES;
    const buf = block.buf;
    if ((word & LONG_LENGTH) !== 0) {
      block.u32[from >> 2] = n;
      from += WORD_BYTES;
    }
    if (flags !== 0) {
      block.u32[from >> 2] = flags;
      from += WORD_BYTES;
    }
    if (expiresAt !== 0) {
      buf.writeDoubleLE(expiresAt, from);
      from += EXPIRY_BYTES;
    }
    if (deliveries !== 0) {
      block.u32[from >> 2] = deliveries;
      from += WORD_BYTES;
    }
    if (n < SHORT_COPY) {
      for (let i = 0; i < n; i++) buf[from + i] = data[i];
    } else {
      buf.set(data, from);
    }
    this.tailOffset = at + need;
    this.packedCount++;
    this._bytes += n;
  }

  /** Puts an item back at the head, ahead of everything else. */
  pushHead(item: Item): void {
    this.front.push(item);
    this._bytes += item.data.length;
  }

  /** The head item's id, enqueue time, expiry and delivery count without removing it; null when empty. */
  headMeta(): ItemMeta | null {
    if (this.front.length > 0) return this.front[this.front.length - 1];
    if (this.packedCount === 0) return null;
    this.skipToRecord();
    const block = this.blocks[0];
    const w = this.headOffset >> 2;
    const f = this.decode(block, this.headOffset);
    return {
      id: block.baseId + block.i32[w],
      enqueuedAt: block.baseTime + block.i32[w + 1],
      expiresAt: f.expiresAt,
      deliveries: f.deliveries,
    };
  }

  /** Removes and returns the head item; null when empty. */
  shift(): Item | null {
    const fronted = this.front.pop();
    if (fronted !== undefined) {
      this._bytes -= fronted.data.length;
      return fronted;
    }
    if (this.packedCount === 0) return null;
    this.skipToRecord();
    const block = this.blocks[0];
    const item = this.readAt(block, this.headOffset);
    this.headOffset = this.fields.next;
    this.packedCount--;
    this._bytes -= item.data.length;
    if (this.packedCount === 0) this.resetBlocks();
    return item;
  }

  /** Returns the head item without removing it (its data is a copy); null when empty. */
  peek(): Item | null {
    if (this.front.length > 0) return this.front[this.front.length - 1];
    if (this.packedCount === 0) return null;
    this.skipToRecord();
    return this.readAt(this.blocks[0], this.headOffset);
  }

  /** Removes every item. */
  clear(): void {
    this.front.length = 0;
    this.resetBlocks();
    this.packedCount = 0;
    this._bytes = 0;
  }

  /** Every ready item from head to tail (data copied). For snapshots and inspection, not the hot path. */
  *items(): Generator<Item> {
    for (let i = this.front.length - 1; i >= 0; i--) yield this.front[i];
    let remaining = this.packedCount;
    for (let b = 0; b < this.blocks.length && remaining > 0; b++) {
      const block = this.blocks[b];
      const end = this.blockEnd(b);
      let at = b === 0 ? this.headOffset : 0;
      while (at < end && remaining > 0) {
        const item = this.readAt(block, at);
        at = this.fields.next;
        remaining--;
        yield item;
      }
    }
  }

  private startBlock(need: number, baseId: number, baseTime: number): Block {
    let block: Block;
    if (this.blocks.length > 0) this.nextBlockBytes = Math.min(BLOCK_BYTES, this.nextBlockBytes * 2);
    if (this.spare !== null && need <= this.spare.buf.length) {
      block = this.spare;
      this.spare = null;
    } else if (this.nextBlockBytes === BLOCK_BYTES && need <= BLOCK_BYTES) {
      block = new Block(takeBlock(), true);
    } else {
      block = new Block(Buffer.allocUnsafeSlow(Math.max(this.nextBlockBytes, need)), false);
    }
    block.baseId = baseId;
    block.baseTime = baseTime;
    // (Blocks are dropped as soon as no packed item is left, so a full block always holds items.)
    if (this.blocks.length > 0) this.blockEnds.push(this.tailOffset);
    this.blocks.push(block);
    this.tailOffset = 0;
    return block;
  }

  private resetBlocks(): void {
    const last = this.blocks.pop();
    for (const block of this.blocks) dropBlock(block);
    // Keep the last block for the next item, unless it was made for one oversized item.
    if (last !== undefined && last.buf.length <= BLOCK_BYTES) {
      if (this.spare !== null) dropBlock(this.spare);
      this.spare = last;
    }
    this.blocks.length = 0;
    this.blockEnds.length = 0;
    this.headOffset = 0;
    this.tailOffset = 0;
  }

  /** Drops the first block once all its records are read, so blocks[0] at headOffset is the head record. */
  private skipToRecord(): void {
    while (this.blocks.length > 1 && this.headOffset >= this.blockEnds[0]) {
      dropBlock(this.blocks.shift()!);
      this.blockEnds.shift();
      this.headOffset = 0;
    }
  }

  private blockEnd(index: number): number {
    return index === this.blocks.length - 1 ? this.tailOffset : this.blockEnds[index];
  }

  /** The optional fields of the record at `at`, and where its data starts (in `fields`, reused). */
  private decode(block: Block, at: number): Fields {
    const f = this.fields;
    const word = block.u32[(at >> 2) + 2];
    let from = at + HEADER_BYTES;
    f.length = word & SHORT_LENGTH_MAX;
    if (word === f.length) {
      // The common record: no optional field.
      f.flags = f.expiresAt = f.deliveries = 0;
      f.dataAt = from;
      f.next = from + ((word + 3) & ~3);
      return f;
    }
    if ((word & LONG_LENGTH) !== 0) {
      f.length = block.u32[from >> 2];
      from += WORD_BYTES;
    }
    f.flags = 0;
    if ((word & HAS_FLAGS) !== 0) {
      f.flags = block.u32[from >> 2];
      from += WORD_BYTES;
    }
    f.expiresAt = 0;
    if ((word & HAS_EXPIRY) !== 0) {
      f.expiresAt = block.buf.readDoubleLE(from);
      from += EXPIRY_BYTES;
    }
    f.deliveries = 0;
    if ((word & HAS_DELIVERIES) !== 0) {
      f.deliveries = block.u32[from >> 2];
      from += WORD_BYTES;
    }
    f.dataAt = from;
    f.next = from + ((f.length + 3) & ~3);
    return f;
  }

  /** The record at `at`, its data copied. */
  private readAt(block: Block, at: number): Item {
    const w = at >> 2;
    const { length, flags, expiresAt, deliveries, dataAt } = this.decode(block, at);
    const src = block.buf;
    const data = Buffer.allocUnsafe(length);
    if (length < SHORT_COPY) {
      for (let i = 0; i < length; i++) data[i] = src[dataAt + i];
    } else {
      src.copy(data, 0, dataAt, dataAt + length);
    }
    return { id: block.baseId + block.i32[w], enqueuedAt: block.baseTime + block.i32[w + 1], expiresAt, flags, data, deliveries };
  }
}

/** Ends the list's use of `block`: a pooled one goes back to the pool. */
function dropBlock(block: Block): void {
  if (block.pooled) giveBackBlock(block.buf);
}
