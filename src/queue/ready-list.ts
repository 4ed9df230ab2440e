/**
 * The ready items of one queue, packed into large blocks rather than one object per item.
 *
 * Why: a queue may hold millions of small items. One JS object plus one Buffer per item
 * costs ~300 bytes of heap each; packing header and data into 64 KiB blocks costs
 * 32 bytes of header per item and keeps the garbage collector idle. An item becomes
 * an object only when it leaves the list (reserve), or when it is put back at the head
 * (release), where it stays an object until reserved again.
 *
 * Record layout inside a block (host byte order; blocks never leave the process):
 *   id f64 | enqueuedAt f64 | expiresAt f64 | flags u32 | length u32 | data[length] | pad to 8
 * Records start at multiples of 8 so the header is read through typed-array views, not DataView calls.
 */
import type { Item } from './types.js';

/** Block size: large enough that per-block overhead vanishes, small enough that a drained block is freed soon. */
const BLOCK_BYTES = 64 * 1024;
const HEADER_BYTES = 32;

/** A block with its header views. */
class Block {
  readonly f64: Float64Array;
  readonly u32: Uint32Array;
  constructor(readonly buf: Buffer) {
    this.f64 = new Float64Array(buf.buffer, buf.byteOffset, buf.length >> 3);
    this.u32 = new Uint32Array(buf.buffer, buf.byteOffset, buf.length >> 2);
  }
}

function recordBytes(dataLength: number): number {
  return HEADER_BYTES + ((dataLength + 7) & ~7);
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
  /** A drained block kept for reuse, so a queue that keeps emptying does not allocate a block per item. */
  private spare: Block | null = null;
  private _bytes = 0;

  get count(): number {
    return this.front.length + this.packedCount;
  }

  /** Data bytes of all ready items. */
  get bytes(): number {
    return this._bytes;
  }

  /** Appends an item at the tail. `data` is copied. */
  pushTail(id: number, flags: number, expiresAt: number, enqueuedAt: number, data: Buffer): void {
    const need = recordBytes(data.length);
    let block = this.blocks.length > 0 ? this.blocks[this.blocks.length - 1] : null;
    if (block === null || block.buf.length - this.tailOffset < need) {
      if (this.spare !== null && need <= BLOCK_BYTES) {
        block = this.spare;
        this.spare = null;
      } else {
        block = new Block(Buffer.allocUnsafeSlow(Math.max(BLOCK_BYTES, need)));
      }
      // (Blocks are dropped as soon as no packed item is left, so a full block always holds items.)
      if (this.blocks.length > 0) this.blockEnds.push(this.tailOffset);
      this.blocks.push(block);
      this.tailOffset = 0;
    }
    const at = this.tailOffset;
    const f = at >> 3;
    block.f64[f] = id;
    block.f64[f + 1] = enqueuedAt;
    block.f64[f + 2] = expiresAt;
    const u = at >> 2;
    block.u32[u + 6] = flags;
    block.u32[u + 7] = data.length;
    const buf = block.buf;
    const n = data.length;
    if (n < 64) {
      for (let i = 0, o = at + HEADER_BYTES; i < n; i++) buf[o + i] = data[i];
    } else {
      buf.set(data, at + HEADER_BYTES);
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

  /** The head item's enqueue time, expiry and id without removing it; null when empty. */
  headMeta(): { id: number; enqueuedAt: number; expiresAt: number } | null {
    if (this.front.length > 0) return this.front[this.front.length - 1];
    if (this.packedCount === 0) return null;
    this.skipToRecord();
    const f = this.blocks[0].f64;
    const at = this.headOffset >> 3;
    return { id: f[at], enqueuedAt: f[at + 1], expiresAt: f[at + 2] };
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
    const item = this.readAt(this.blocks[0], this.headOffset);
    this.headOffset += recordBytes(item.data.length);
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

  private resetBlocks(): void {
    const last = this.blocks[this.blocks.length - 1];
    if (last !== undefined && last.buf.length === BLOCK_BYTES) this.spare = last;
    this.blocks.length = 0;
    this.blockEnds.length = 0;
    this.headOffset = 0;
    this.tailOffset = 0;
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
        at += recordBytes(item.data.length);
        remaining--;
        yield item;
      }
    }
  }

  /** Drops the first block once all its records are read, so blocks[0] at headOffset is the head record. */
  private skipToRecord(): void {
    while (this.blocks.length > 1 && this.headOffset >= this.blockEnds[0]) {
      this.blocks.shift();
      this.blockEnds.shift();
      this.headOffset = 0;
    }
  }

  private blockEnd(index: number): number {
    return index === this.blocks.length - 1 ? this.tailOffset : this.blockEnds[index];
  }

  private readAt(block: Block, at: number): Item {
    const f = at >> 3;
    const length = block.u32[(at >> 2) + 7];
    const data = Buffer.allocUnsafe(length);
    const src = block.buf;
    const from = at + HEADER_BYTES;
    if (length < 64) {
      for (let i = 0; i < length; i++) data[i] = src[from + i];
    } else {
      src.copy(data, 0, from, from + length);
    }
    return { id: block.f64[f], enqueuedAt: block.f64[f + 1], expiresAt: block.f64[f + 2], flags: block.u32[(at >> 2) + 6], data };
  }
}
