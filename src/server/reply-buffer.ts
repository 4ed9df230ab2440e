/**
 * Collects the replies of one batch of requests into one buffer, so a batch costs one socket write.
 * Strings are written as latin1 (the wire words are ASCII and keys are latin1 byte strings).
 * Short strings and numbers are copied byte by byte: for the few bytes of `STORED\r\n` or a
 * `VALUE` header that is several times faster than Buffer#write, and this is the hot path.
 */
const INITIAL_BYTES = 16 * 1024;
/** Below this length a JS loop beats Buffer#write / Buffer#copy (measured with bench/inproc-text.mjs). */
const SHORT = 48;

export class ReplyBuffer {
  private buf = Buffer.allocUnsafe(INITIAL_BYTES);
  private used = 0;

  get length(): number {
    return this.used;
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
