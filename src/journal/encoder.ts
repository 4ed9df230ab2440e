/**
 * Encodes journal records into one growing buffer: the journal's hot path. Every ChangeLog call becomes
 * one record appended here with no syscall and no allocation (the buffer doubles when full); the journal
 * writes the whole buffer once per event-loop turn. Layout: docs/journal-format.md.
 */
import { crc32 } from './crc.js';
import { ENQUEUED_FIXED_BYTES, FileKind, FORMAT_VERSION, HEADER_BYTES, MAGIC, MAX_QUEUE_NAME_BYTES, RECORD_PREFIX_BYTES, RecordType, writeU64 } from './format.js';

const INITIAL_BYTES = 64 * 1024;

export class RecordEncoder {
  private buf: Buffer;
  private used = 0;
  /** The last queue name and its bytes: most records name the queue the previous one did. */
  private lastName = '';
  private lastNameBytes = Buffer.alloc(0);

  constructor(private readonly initialBytes = INITIAL_BYTES) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes encoded and not yet taken. */
  get length(): number {
    return this.used;
  }

  enqueued(queue: string, id: number, flags: number, expiresAt: number, enqueuedAt: number, data: Buffer): void {
    const at = this.begin(RecordType.Enqueued, queue, ENQUEUED_FIXED_BYTES + data.length);
    const b = this.buf;
    writeU64(b, id, at);
    putU32(b, flags >>> 0, at + 8);
    writeU64(b, Math.max(0, Math.floor(expiresAt)), at + 12);
    writeU64(b, Math.max(0, Math.floor(enqueuedAt)), at + 20);
    data.copy(b, at + ENQUEUED_FIXED_BYTES);
    this.end(at + ENQUEUED_FIXED_BYTES + data.length);
  }

  /** reserved, acked, released, expired: a queue and an item id. */
  item(type: RecordType, queue: string, id: number): void {
    const at = this.begin(type, queue, 8);
    writeU64(this.buf, id, at);
    this.end(at + 8);
  }

  /** flushed, dropped: a queue. */
  queue(type: RecordType, queue: string): void {
    this.end(this.begin(type, queue, 0));
  }

  /** next_id: the id the next enqueued item gets. */
  nextId(next: number): void {
    const at = this.beginBare(RecordType.NextId, 8);
    writeU64(this.buf, next, at);
    this.end(at + 8);
  }

  /** snapshot_end: closes a snapshot; `items` is how many enqueued records it holds. */
  snapshotEnd(items: number): void {
    const at = this.beginBare(RecordType.SnapshotEnd, 8);
    writeU64(this.buf, items, at);
    this.end(at + 8);
  }

  /**
   * Hands over the encoded bytes (a view of a buffer this encoder no longer touches) and goes on in
   * `spare` (a buffer handed over earlier and no longer needed) or a new buffer.
   */
  detach(spare: Buffer | null = null): Buffer {
    const out = this.buf.subarray(0, this.used);
    this.buf = spare ?? Buffer.allocUnsafeSlow(Math.max(this.initialBytes, this.used < this.buf.length / 4 ? this.buf.length / 2 : this.buf.length));
    this.used = 0;
    return out;
  }

  /** The encoded bytes, valid until the next call; then forgets them and reuses the buffer. */
  takeView(): Buffer {
    const out = this.buf.subarray(0, this.used);
    this.used = 0;
    return out;
  }

  /** Starts a record; returns the offset where its fixed fields go (after type and queue name). */
  private begin(type: RecordType, queue: string, fixed: number): number {
    const nameBytes = queue.length; // latin1: one byte per char
    if (nameBytes === 0 || nameBytes > MAX_QUEUE_NAME_BYTES) throw new RangeError(`queue name of ${nameBytes} bytes cannot be journaled`);
    const total = RECORD_PREFIX_BYTES + 2 + nameBytes + fixed;
    this.reserve(total);
    const b = this.buf;
    const start = this.used;
    putU32(b, total - RECORD_PREFIX_BYTES, start + 4);
    b[start + 8] = type;
    b[start + 9] = nameBytes;
    if (queue !== this.lastName) {
      this.lastName = queue;
      this.lastNameBytes = Buffer.from(queue, 'latin1');
    }
    const name = this.lastNameBytes;
    for (let i = 0; i < nameBytes; i++) b[start + 10 + i] = name[i];
    return start + 10 + nameBytes;
  }

  private beginBare(type: RecordType, fixed: number): number {
    const total = RECORD_PREFIX_BYTES + 1 + fixed;
    this.reserve(total);
    const start = this.used;
    putU32(this.buf, total - RECORD_PREFIX_BYTES, start + 4);
    this.buf[start + 8] = type;
    return start + 9;
  }

  /** Seals the record that starts at `used` and ends at `end`: writes its checksum. */
  private end(end: number): void {
    const start = this.used;
    putU32(this.buf, crc32(this.buf, start + 4, end), start);
    this.used = end;
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

/** u32 little-endian by byte stores (Buffer.writeUInt32LE checks its arguments on every call). */
function putU32(b: Buffer, v: number, at: number): void {
  b[at] = v;
  b[at + 1] = v >>> 8;
  b[at + 2] = v >>> 16;
  b[at + 3] = v >>> 24;
}

/** The 20-byte header that opens every journal file. */
export function encodeHeader(kind: FileKind, seq: number): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(b, 0);
  b.writeUInt16LE(FORMAT_VERSION, 8);
  b[10] = kind;
  b[11] = 0;
  b.writeUInt32LE(seq, 12);
  b.writeUInt32LE(crc32(b, 0, 16), 16);
  return b;
}
