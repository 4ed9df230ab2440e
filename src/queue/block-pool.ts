/**
 * Where the ready lists' full-size blocks live: 64 KiB blocks carved out of 32 MiB slabs, which the
 * C allocator maps on their own, outside its heap.
 *
 * Why: glibc gives back memory freed inside its heap only from the top of the heap, and only past
 * a threshold that rises to 64 MiB once large buffers have come and gone. Blocks of queued items
 * allocated inside the heap pin what a journal compaction frees around them: 15 s after a push of
 * 1M items a server kept 197 MB of RSS with 55 MB of its heap free, against 153 MB with the blocks
 * in slabs (bench/RESULTS.md: Memory). A slab of MAPPED_BYTES is always mapped, and unmapped whole
 * when freed (mapped-memory.ts). Only the pages blocks have been written to are resident, so a new
 * slab costs nothing until used.
 *
 * A block given back is reused before a slab is carved further, from the slab with the most blocks
 * in use (so that sparse slabs empty); a slab whose blocks have all come back is dropped, and V8
 * frees it with its ArrayBuffer. A block dropped without being given back (the list of a queue that
 * simply became garbage) comes back when V8 collects it.
 */
import { MAPPED_BYTES } from '../mapped-memory.js';

export const POOL_BLOCK_BYTES = 64 * 1024;
/** A slab is always a mapping of its own. */
const SLAB_BYTES = MAPPED_BYTES;
const BLOCKS_PER_SLAB = SLAB_BYTES / POOL_BLOCK_BYTES;

class Slab {
  readonly buf = Buffer.allocUnsafeSlow(SLAB_BYTES);
  /** Blocks handed out and not given back. */
  inUse = 0;
  /** Blocks ever carved; the rest of the slab has never been written. */
  carved = 0;
  /** Offsets of blocks given back, for reuse. */
  readonly free: number[] = [];
}

/** Slabs with blocks in use, or with blocks never carved. */
const slabs = new Set<Slab>();
/** A block collected without being given back comes back through here (a block given back is unregistered). */
const collected = new FinalizationRegistry<{ slab: Slab; offset: number }>(({ slab, offset }) => release(slab, offset));

/**
 * A block to write items into. It is the caller's until given back with giveBackBlock, or until it
 * is collected: the caller must not hand out views of it that outlive it.
 */
export function takeBlock(): Buffer {
  let slab: Slab | null = null;
  for (const s of slabs) if (s.free.length > 0 && (slab === null || s.inUse > slab.inUse)) slab = s;
  if (slab === null) for (const s of slabs) if (s.carved < BLOCKS_PER_SLAB) slab = s;
  if (slab === null) {
    slab = new Slab();
    slabs.add(slab);
  }
  const offset = slab.free.pop() ?? slab.carved++ * POOL_BLOCK_BYTES;
  slab.inUse++;
  const block = slab.buf.subarray(offset, offset + POOL_BLOCK_BYTES);
  collected.register(block, { slab, offset }, block);
  return block;
}

/** Gives back a block takeBlock handed out; it must not be used again. */
export function giveBackBlock(block: Buffer): void {
  collected.unregister(block);
  for (const slab of slabs) {
    if (slab.buf.buffer === block.buffer) return release(slab, block.byteOffset - slab.buf.byteOffset);
  }
  throw new Error('giveBackBlock: not a block of the pool');
}

function release(slab: Slab, offset: number): void {
  slab.inUse--;
  slab.free.push(offset);
  if (slab.inUse === 0) slabs.delete(slab);
}

/** Slabs held and blocks in use, for tests and memory figures. */
export function poolFigures(): { slabs: number; blocksInUse: number } {
  let blocksInUse = 0;
  for (const slab of slabs) blocksInUse += slab.inUse;
  return { slabs: slabs.size, blocksInUse };
}
