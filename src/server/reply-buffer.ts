/**
 * Collects the replies of one batch of requests into one buffer, so a batch costs one socket write.
 * Strings are written as latin1 (the wire words are ASCII and keys are latin1 byte strings).
 */
const INITIAL_BYTES = 16 * 1024;

export class ReplyBuffer {
  private buf = Buffer.allocUnsafe(INITIAL_BYTES);
  private used = 0;

  get length(): number {
    return this.used;
  }

  /** Appends an ASCII/latin1 string. */
  text(s: string): void {
    this.reserve(s.length);
    this.used += this.buf.write(s, this.used, 'latin1');
  }

  /** Appends raw bytes. */
  bytes(b: Buffer): void {
    this.reserve(b.length);
    this.used += b.copy(this.buf, this.used);
  }

  /** Takes the collected bytes as a new buffer (safe to hand to a socket) and empties this one. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.used);
    this.buf.copy(out, 0, 0, this.used);
    this.used = 0;
    if (this.buf.length > 4 * INITIAL_BYTES) this.buf = Buffer.allocUnsafe(INITIAL_BYTES);
    return out;
  }

  private reserve(n: number): void {
    if (this.used + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.used + n) size *= 2;
    const bigger = Buffer.allocUnsafe(size);
    this.buf.copy(bigger, 0, 0, this.used);
    this.buf = bigger;
  }
}
