/**
 * Encodes journal records (format version 5) into one growing buffer: the journal's hot path. Every
 * ChangeLog call becomes one record appended here with no syscall and no allocation (the buffer
 * doubles when full); the journal writes the whole buffer once per event-loop turn. Layout:
 * docs/journal-format.md.
 *
 * Each record carries its serial number and the count of ending records before it with the id the
 * newest of them ended: the encoder keeps both running, so a reader can tell exactly what a damaged
 * record was missing from the one after it.
 *
 * Reservations of a queue's head become one `reserved_run` record while nothing changes that head:
 * the first is written at once with a count of 1, each next one of the same queue only adds one to its
 * count (acks, and enqueues of items the run does not reserve, may come between: they change no
 * queue's head), and the record's checksum is written once anything else is encoded or the bytes are
 * handed over. The bytes a reply waits for (`length`) include the run from its first reservation.
 * docs/journal-format.md: Reservation runs.
 *
 * Acks of one queue's items in id order, with nothing encoded between them, become one `acked_run`
 * record: the first is an `acked` record whose checksum waits, the next one turns it into an
 * `acked_run` in place (the record is the last one encoded), each after that adds one to its count.
 * docs/journal-format.md: Ack runs.
 */
import { releasableBuffer } from '../mapped-memory.js';
import { crc32 } from './crc.js';
import {
  ENQUEUED_FIXED_BYTES,
  FileKind,
  FORMAT_VERSION,
  FRAME_BYTES,
  HEADER_BYTES,
  isEnding,
  MAGIC,
  MAX_QUEUE_NAME_BYTES,
  PREFIX_BYTES,
  RecordType,
  SYNC_BYTE,
  writeU64,
} from './format.js';

const INITIAL_BYTES = 64 * 1024;
/** A reserved_run's body after the queue name: first_id u64, count u32. */
const RESERVED_RUN_FIXED_BYTES = 12;
/** Largest count one reserved_run or acked_run holds (u32); the next one starts a new run. */
const MAX_RUN = 0xffff_ffff;
/** An acked_run's body is an acked record's with a count (u32) after the id. */
const ACKED_RUN_EXTRA_BYTES = 4;

/** Where a chain of records goes on: the next serial, the ending records so far and the newest one's item. */
export interface ChainPosition {
  readonly serial: number;
  readonly endings: number;
  readonly lastEndedId: number;
}

/** A new chain (a new data directory, or a snapshot's own records): serials from 1. */
export const CHAIN_START: ChainPosition = { serial: 1, endings: 0, lastEndedId: 0 };

export class RecordEncoder {
  private buf: Buffer;
  private used = 0;
  /** The last queue name and its bytes: most records name the queue the previous one did. */
  private lastName = '';
  private lastNameBytes = Buffer.alloc(0);
  private serial = 1;
  private endings = 0;
  private lastEndedId = 0;
  /** lastEndedId as the two u32 words every record carries (split once, not per record). */
  private lastEndedLo = 0;
  private lastEndedHi = 0;
  /** The reserved_run record still open: where it starts (-1: none), where its count is, its queue. */
  private runStart = -1;
  private runCountAt = 0;
  private runCount = 0;
  private runQueue = '';
  /** The first id enqueued to the run's queue since the run began: items from there on may not join it. */
  private runFence = Infinity;
  /** The acked or acked_run record still open, always the last one encoded: where it starts (-1: none), its queue, its last id, its count. */
  private ackStart = -1;
  private ackQueue = '';
  private ackLastId = 0;
  private ackCount = 0;

  constructor(
    private readonly initialBytes = INITIAL_BYTES,
    from: ChainPosition = CHAIN_START,
  ) {
    this.buf = Buffer.allocUnsafe(initialBytes);
    this.continueFrom(from);
  }

  /** Bytes encoded and not yet taken. */
  get length(): number {
    return this.used;
  }

  /** Where the next record goes on the chain. */
  get position(): ChainPosition {
    return { serial: this.serial, endings: this.endings, lastEndedId: this.lastEndedId };
  }

  /** Goes on after the records a reader found (startup). */
  continueFrom(p: ChainPosition): void {
    this.serial = p.serial >>> 0;
    this.endings = p.endings >>> 0;
    this.setLastEnded(p.lastEndedId);
  }

  enqueued(queue: string, id: number, flags: number, expiresAt: number, enqueuedAt: number, data: Buffer): void {
    if (this.runStart >= 0 && queue === this.runQueue && id < this.runFence) this.runFence = id;
    const at = this.begin(RecordType.Enqueued, queue, ENQUEUED_FIXED_BYTES + data.length);
    const b = this.buf;
    writeU64(b, id, at);
    putU32(b, flags >>> 0, at + 8);
    writeU64(b, Math.max(0, Math.floor(expiresAt)), at + 12);
    writeU64(b, Math.max(0, Math.floor(enqueuedAt)), at + 20);
    data.copy(b, at + ENQUEUED_FIXED_BYTES);
    this.end(at + ENQUEUED_FIXED_BYTES + data.length);
  }

  /**
   * The head item `id` of `queue` is reserved: one more in the open reserved_run record when that run
   * is of `queue` and `id` was in the queue when it began (ids grow with enqueueing), else the first of
   * a new one.
   */
  reservedHead(queue: string, id: number): void {
    if (this.runStart >= 0 && this.runQueue === queue && id < this.runFence && this.runCount < MAX_RUN) {
      putU32(this.buf, ++this.runCount, this.runCountAt);
      return;
    }
    const at = this.begin(RecordType.ReservedRun, queue, RESERVED_RUN_FIXED_BYTES);
    writeU64(this.buf, id, at);
    putU32(this.buf, 1, at + 8);
    this.runStart = this.used;
    this.runCountAt = at + 8;
    this.runCount = 1;
    this.runQueue = queue;
    this.runFence = Infinity;
    this.used = at + RESERVED_RUN_FIXED_BYTES;
    this.serial = (this.serial + 1) >>> 0;
  }

  /**
   * Item `id` of `queue` is acknowledged: one more in the open ack record when it is of `queue` and
   * `id` follows its last id, else a new `acked` record (left open).
   */
  acked(queue: string, id: number): void {
    if (this.ackStart >= 0 && this.ackQueue === queue && id === this.ackLastId + 1 && this.ackCount < MAX_RUN) {
      if (this.ackCount === 1) {
        // The acked record becomes an acked_run: its count goes after the id.
        this.reserve(ACKED_RUN_EXTRA_BYTES);
        this.buf[this.ackStart + PREFIX_BYTES - 1] = RecordType.AckedRun;
        this.used += ACKED_RUN_EXTRA_BYTES;
        putU32(this.buf, this.used - this.ackStart - FRAME_BYTES, this.ackStart + 5);
      }
      putU32(this.buf, ++this.ackCount, this.used - ACKED_RUN_EXTRA_BYTES);
      this.ackLastId = id;
      this.ended(id);
      return;
    }
    const at = this.begin(RecordType.Acked, queue, 8);
    writeU64(this.buf, id, at);
    this.ackStart = this.used;
    this.ackQueue = queue;
    this.ackLastId = id;
    this.ackCount = 1;
    this.used = at + 8;
    this.serial = (this.serial + 1) >>> 0;
    this.ended(id);
  }

  /** reserved (not of the head: a snapshot's open items), acked, released, expired: a queue and an item id. */
  item(type: RecordType, queue: string, id: number): void {
    const at = this.begin(type, queue, 8);
    writeU64(this.buf, id, at);
    this.end(at + 8);
    if (isEnding(type)) this.ended(id);
  }

  /** delayed: item `id` is not ready until `dueAt` (ms). */
  delayed(queue: string, id: number, dueAt: number): void {
    const at = this.begin(RecordType.Delayed, queue, 16);
    writeU64(this.buf, id, at);
    writeU64(this.buf, Math.max(0, Math.floor(dueAt)), at + 8);
    this.end(at + 16);
  }

  /** deliveries (snapshots only): item `id` has been delivered `count` times. */
  deliveries(queue: string, id: number, count: number): void {
    const at = this.begin(RecordType.Deliveries, queue, 12);
    writeU64(this.buf, id, at);
    putU32(this.buf, count >>> 0, at + 8);
    this.end(at + 12);
  }

  /** flushed, dropped, fanout: a queue. */
  queue(type: RecordType, queue: string): void {
    this.end(this.begin(type, queue, 0));
    if (isEnding(type)) this.ended(0);
  }

  /** next_id: ids below `next` may have been issued. */
  nextId(next: number): void {
    const at = this.beginBare(RecordType.NextId, 8);
    writeU64(this.buf, next, at);
    this.end(at + 8);
  }

  /** flush_all: every queue is flushed at `at` (0: no flush is pending). */
  flushAll(at: number): void {
    const p = this.beginBare(RecordType.FlushAll, 8);
    writeU64(this.buf, Math.max(0, Math.floor(at)), p);
    this.end(p + 8);
  }

  /** snapshot_end: closes a snapshot of `items` enqueued records; `next` is where the segment after it goes on. */
  snapshotEnd(items: number, next: ChainPosition): void {
    const at = this.beginBare(RecordType.SnapshotEnd, 24);
    writeU64(this.buf, items, at);
    putU32(this.buf, next.serial >>> 0, at + 8);
    putU32(this.buf, next.endings >>> 0, at + 12);
    writeU64(this.buf, next.lastEndedId, at + 16);
    this.end(at + 24);
  }

  /**
   * Hands over the encoded bytes (a view of a buffer this encoder no longer touches) and goes on in
   * `spare` (a buffer handed over earlier and no longer needed) or a new buffer.
   */
  detach(spare: Buffer | null = null): Buffer {
    if (this.runStart >= 0) this.sealRun();
    if (this.ackStart >= 0) this.sealAck();
    const out = this.buf.subarray(0, this.used);
    this.buf =
      spare ??
      releasableBuffer(Math.max(this.initialBytes, this.used < this.buf.length / 4 ? this.buf.length / 2 : this.buf.length));
    this.used = 0;
    return out;
  }

  /** With nothing encoded, goes back to a buffer of the initial size (a burst may have grown it to MiBs). */
  shrink(): void {
    if (this.used === 0 && this.buf.length > this.initialBytes) this.buf = Buffer.allocUnsafe(this.initialBytes);
  }

  /** The encoded bytes, valid until the next call; then forgets them and reuses the buffer. */
  takeView(): Buffer {
    if (this.runStart >= 0) this.sealRun();
    if (this.ackStart >= 0) this.sealAck();
    const out = this.buf.subarray(0, this.used);
    this.used = 0;
    return out;
  }

  /** Starts a record; returns the offset where its fixed fields go (after type and queue name). */
  private begin(type: RecordType, queue: string, fixed: number): number {
    const nameBytes = queue.length; // latin1: one byte per char
    if (nameBytes === 0 || nameBytes > MAX_QUEUE_NAME_BYTES)
      throw new RangeError(`queue name of ${nameBytes} bytes cannot be journaled`);
    const start = this.prefix(type, 1 + nameBytes + fixed);
    const b = this.buf;
    const at = start + PREFIX_BYTES;
    b[at] = nameBytes;
    if (queue !== this.lastName) {
      this.lastName = queue;
      this.lastNameBytes = Buffer.from(queue, 'latin1');
    }
    const name = this.lastNameBytes;
    for (let i = 0; i < nameBytes; i++) b[at + 1 + i] = name[i];
    return at + 1 + nameBytes;
  }

  private beginBare(type: RecordType, fixed: number): number {
    return this.prefix(type, fixed) + PREFIX_BYTES;
  }

  /** Makes room for a record with `body` bytes after its type and writes its prefix but the crc. */
  private prefix(type: RecordType, body: number): number {
    // Acks and enqueues change no queue's head (an enqueue to the run's queue sets the fence instead).
    if (this.runStart >= 0 && type !== RecordType.Acked && type !== RecordType.Enqueued) this.sealRun();
    if (this.ackStart >= 0) this.sealAck();
    const total = PREFIX_BYTES + body;
    this.reserve(total);
    const b = this.buf;
    const start = this.used;
    b[start] = SYNC_BYTE;
    putU32(b, total - FRAME_BYTES, start + 5);
    putU32(b, this.serial, start + 9);
    putU32(b, this.endings, start + 13);
    putU32(b, this.lastEndedLo, start + 17);
    putU32(b, this.lastEndedHi, start + 21);
    b[start + 25] = type;
    return start;
  }

  /** Seals the record that starts at `used` and ends at `end`: writes its checksum, moves the serial on. */
  private end(end: number): void {
    const start = this.used;
    putU32(this.buf, crc32(this.buf, start + FRAME_BYTES - 4, end), start + 1);
    this.used = end;
    this.serial = (this.serial + 1) >>> 0;
  }

  /** Closes the open reserved_run record: writes its checksum. */
  private sealRun(): void {
    const start = this.runStart;
    this.runStart = -1;
    putU32(this.buf, crc32(this.buf, start + FRAME_BYTES - 4, this.runCountAt + 4), start + 1);
  }

  /** Closes the open ack record (the last one encoded): writes its checksum. */
  private sealAck(): void {
    const start = this.ackStart;
    this.ackStart = -1;
    putU32(this.buf, crc32(this.buf, start + FRAME_BYTES - 4, this.used), start + 1);
  }

  /** The record just sealed ended item `id` (0: a whole queue's items). */
  private ended(id: number): void {
    this.endings = (this.endings + 1) >>> 0;
    this.setLastEnded(id);
  }

  private setLastEnded(id: number): void {
    this.lastEndedId = id;
    this.lastEndedLo = id >>> 0;
    this.lastEndedHi = (id - this.lastEndedLo) / 0x1_0000_0000;
  }

  private reserve(n: number): void {
    if (this.used + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.used + n) size *= 2;
    const bigger = releasableBuffer(size);
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

/**
 * The 32-byte header that opens every journal file. `nextId`: ids below it may have been issued;
 * `nextSerial`: in a snapshot, the serial of the first record of the segment after it (0 elsewhere).
 */
export function encodeHeader(kind: FileKind, seq: number, nextId: number, nextSerial = 0): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(b, 0);
  b.writeUInt16LE(FORMAT_VERSION, 8);
  b[10] = kind;
  b[11] = 0;
  b.writeUInt32LE(seq, 12);
  writeU64(b, nextId, 16);
  b.writeUInt32LE(nextSerial >>> 0, 24);
  b.writeUInt32LE(crc32(b, 0, 28), 28);
  return b;
}
