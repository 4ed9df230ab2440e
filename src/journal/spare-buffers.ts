/**
 * Write buffers for the encoder to reuse. A busy server fills a buffer per event-loop turn, and
 * allocating each anew (off-heap) makes V8 run full garbage collections; once a buffer's bytes are
 * durable (no retry after a fault can need them), it comes back here.
 */
import { wholeBuffer } from '../mapped-memory.js';

/**
 * Spare bytes kept at most: with `--fsync 50` a busy server writes ~50 buffers between two fsyncs,
 * and each one allocated anew costs a share of a full garbage collection.
 */
const MAX_SPARE_BYTES = 16 * 1024 * 1024;

export class SpareBuffers {
  private readonly spares: Buffer[] = [];
  private bytes = 0;

  /** Bytes of the spares kept. */
  get size(): number {
    return this.bytes;
  }

  /** A buffer to encode into, or null (the encoder then allocates one). */
  take(): Buffer | null {
    const spare = this.spares.pop();
    if (spare === undefined) return null;
    this.bytes -= spare.length;
    return spare;
  }

  /** Drops every spare (for the collector to free). */
  clear(): void {
    this.spares.length = 0;
    this.bytes = 0;
  }

  /** Offers the whole buffer `view` was taken from (the encoder's detach()), while the pool has room. */
  give(view: Buffer): void {
    if (view.byteOffset !== 0) return;
    const whole = wholeBuffer(view);
    if (this.bytes + whole.length > MAX_SPARE_BYTES) return;
    this.spares.push(whole);
    this.bytes += whole.length;
  }
}
