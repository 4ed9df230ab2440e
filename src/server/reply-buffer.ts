/**
 * Collects the replies of one batch of requests into one buffer, so a batch costs one socket write.
 * Strings are written as latin1 (the wire words are ASCII and keys are latin1 byte strings).
 * Short strings and numbers are copied byte by byte: for the few bytes of `STORED\r\n` or a
 * `VALUE` header that is several times faster than Buffer#write, and this is the hot path.
 *
 * A batch is taken as a view of the slab it was built in, not a copy: the slab's bytes before
 * `start` belong to batches handed out and are never written again; a slab that fills up is left
 * to them (freed once they are written) and the batch being built moves to a new one.
 */
const INITIAL_BYTES = 16 * 1024;
/** Below this length a JS loop beats Buffer#write / Buffer#copy (measured with bench/inproc-text.mjs). */
const SHORT = 48;

export class ReplyBuffer {
  private buf = Buffer.allocUnsafe(INITIAL_BYTES);
  /** Where the batch being built begins: the bytes before it were taken. */
  private start = 0;
  private used = 0;

  /** Bytes of the batch being built. */
  get length(): number {
    return this.used - this.start;
  }

  /** Appends a latin1 string. */
  text(s: string): void {
    const n = s.length;
    this.reserve(n);
    if (n < SHORT) {
      const buf = this.buf;
      let at = this.used;
      for (let i = 0; i < n; i++) buf[at++] = s.charCodeAt(i);
      this.used = at;
    } else {
      this.used += this.buf.write(s, this.used, 'latin1');
    }
  }

  /** Appends a non-negative integer in decimal. */
  int(v: number): void {
    if (v < 10) {
      this.reserve(1);
      this.buf[this.used++] = 0x30 + v;
      return;
    }
    this.text(String(v));
  }

  /** Appends raw bytes. */
  bytes(b: Uint8Array): void {
    const n = b.length;
    this.reserve(n);
    if (n < SHORT) {
      const buf = this.buf;
      let at = this.used;
      for (let i = 0; i < n; i++) buf[at++] = b[i];
      this.used = at;
    } else {
      this.buf.set(b, this.used);
      this.used += n;
    }
  }

  /**
   * Takes the batch's bytes (a view, safe to hand to a socket: they are never written again) and
   * begins the next batch.
   */
  take(): Buffer {
    const out = this.buf.subarray(this.start, this.used);
    this.start = this.used;
    // A slab grown for one large batch is not kept for the small ones that follow.
    if (this.buf.length > 4 * INITIAL_BYTES) this.newSlab(INITIAL_BYTES);
    return out;
  }

  private reserve(n: number): void {
    if (this.used + n <= this.buf.length) return;
    const length = this.used - this.start;
    let size = INITIAL_BYTES;
    while (size < length + n) size *= 2;
    this.newSlab(size);
  }

  /** Moves the batch being built to a new slab of `size` bytes; the old one stays with the batches taken from it. */
  private newSlab(size: number): void {
    const slab = Buffer.allocUnsafe(size);
    this.buf.copy(slab, 0, this.start, this.used);
    this.used -= this.start;
    this.start = 0;
    this.buf = slab;
  }
}
