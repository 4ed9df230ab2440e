/**
 * Large buffers that the C allocator maps on their own, so that freeing one gives its memory back to
 * the system at once.
 *
 * Why: glibc serves a request below its mapping threshold from its heap, and returns memory freed
 * there only from the top of the heap, and only past a trim threshold. Both thresholds rise (up to
 * 32 and 64 MiB) each time a mapped buffer of a few MiB is freed, which a journal read or a replay
 * does by the dozen; from then on buffers of that size come from the heap, and what they leave there
 * when freed stays resident, pinned by anything small allocated after them: 20 MB of a 23 MB heap
 * after restoring a million items (bench/RESULTS.md: Memory after a restart).
 *
 * A request of MAPPED_BYTES or more is always mapped (the threshold never rises past 32 MiB), is
 * unmapped whole when freed, and freeing it moves neither threshold (glibc raises them only for
 * buffers up to 32 MiB, and a mapping is a page larger). Only the pages written to are resident, so
 * a buffer rounded up to MAPPED_BYTES costs what is used of it.
 */

/** 32 MiB: glibc's largest mapping threshold (DEFAULT_MMAP_THRESHOLD_MAX on 64-bit systems). */
export const MAPPED_BYTES = 32 * 1024 * 1024;

/** A typed array's constructor (Float64Array, Uint32Array…). */
export interface ArrayType<T> {
  new (length: number): T;
  new (buffer: ArrayBuffer, offset: number, length: number): T;
  readonly BYTES_PER_ELEMENT: number;
}

/**
 * A zeroed typed array of `length` elements over a buffer of a whole number of MAPPED_BYTES: mapped on
 * its own, with only the pages written resident. Where the system refuses the reservation (strict
 * overcommit), an array of exactly `length` elements.
 */
export function mappedArray<T>(type: ArrayType<T>, length: number): T {
  const bytes = Math.ceil((length * type.BYTES_PER_ELEMENT) / MAPPED_BYTES) * MAPPED_BYTES;
  try {
    return new type(new ArrayBuffer(bytes), 0, length);
  } catch {
    return new type(length);
  }
}

/**
 * 256 KiB: from this size, a buffer that comes and goes is mapped on its own. Smaller ones come from
 * the C heap, where what they leave is small; larger ones are what moved glibc's thresholds up and
 * stayed in its heap (replay slabs, journal files read whole, compaction's pieces, the journal's write
 * buffers during a burst). Measured with a million items pushed: 1 MiB left 137–144 MB of RSS 15 s
 * later, 256 KiB 134.5–135.2 MB (bench/RESULTS.md).
 */
export const RELEASABLE_BYTES = 256 * 1024;

/**
 * A buffer of `length` bytes (contents unspecified) whose memory goes back to the system once it is
 * freed: mapped on its own from RELEASABLE_BYTES on (only the pages written are resident), else an
 * ordinary allocation.
 */
export function releasableBuffer(length: number): Buffer {
  if (length < RELEASABLE_BYTES) return Buffer.allocUnsafeSlow(length);
  const mapping = mappedArray(Uint8Array, length).buffer;
  lengths.set(mapping, length);
  return Buffer.from(mapping, 0, length);
}

/** The length each mapped releasableBuffer was asked for: its mapping is larger. */
const lengths = new WeakMap<ArrayBufferLike, number>();

/**
 * The whole buffer `view` is a part of: all of its memory, or all of the releasableBuffer it was cut
 * from (not the rest of the mapping, which it never had).
 */
export function wholeBuffer(view: Buffer): Buffer {
  const memory = view.buffer;
  return Buffer.from(memory, 0, lengths.get(memory) ?? memory.byteLength);
}
