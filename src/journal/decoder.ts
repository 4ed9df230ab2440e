/**
 * Decodes journal files: the header check and the record scanner. The only parser of the format: the
 * server's startup, compaction and `rq replay-journal` all read through here (docs/journal-format.md).
 * A scan stops at the first record that is torn (cut short) or corrupt (bad length, checksum or
 * fields) and says where; every record before it is good.
 */
import { crc32 } from './crc.js';
import {
  ENQUEUED_FIXED_BYTES, FORMAT_VERSION, HEADER_BYTES, MAGIC, MAX_QUEUE_NAME_BYTES, MAX_RECORD_BYTES,
  RECORD_PREFIX_BYTES, readU64, RecordType, type FileKind,
} from './format.js';

export interface FileHeader {
  readonly version: number;
  readonly kind: FileKind;
  readonly seq: number;
}

/** Checks a file's first bytes; returns the header or why it is not a journal file this reader knows. */
export function decodeHeader(buf: Buffer): FileHeader | string {
  if (buf.length < HEADER_BYTES) return `file header cut short (${buf.length} of ${HEADER_BYTES} bytes)`;
  if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) return 'not an rq journal file (bad magic)';
  if (buf.readUInt32LE(16) !== crc32(buf, 0, 16)) return 'file header checksum mismatch';
  const version = buf.readUInt16LE(8);
  if (version !== FORMAT_VERSION) return `journal format version ${version} is not supported (this rq reads ${FORMAT_VERSION})`;
  const kind = buf[10];
  if (kind !== 1 && kind !== 2) return `unknown file kind ${kind}`;
  return { version, kind, seq: buf.readUInt32LE(12) };
}

/**
 * One decoded record. The scanner reuses a single instance for every record (no allocation per
 * record): copy what you keep. `data` is a view into the scanned buffer.
 */
export class DecodedRecord {
  type: RecordType = RecordType.NextId;
  /** Queue name (latin1), '' for next_id and snapshot_end. */
  queue = '';
  /** Item id for item records; the number of next_id and snapshot_end. */
  id = 0;
  flags = 0;
  expiresAt = 0;
  enqueuedAt = 0;
  /** Item data of an enqueued record: source[dataStart, dataEnd). Kept as offsets so that no view is made per record. */
  source: Buffer = EMPTY;
  dataStart = 0;
  dataEnd = 0;
  /** Offset of the record in its buffer, and its size in bytes. */
  offset = 0;
  size = 0;

  /** The item data, as a view (made on each call). */
  get data(): Buffer {
    return this.source.subarray(this.dataStart, this.dataEnd);
  }

  set data(value: Buffer) {
    this.source = value;
    this.dataStart = 0;
    this.dataEnd = value.length;
  }
}
const EMPTY = Buffer.alloc(0);

/** Why a scan stopped before the end of its bytes. */
export interface Damage {
  /** Offset (in the scanned bytes) of the first record that could not be read. */
  readonly offset: number;
  /** 'torn': the bytes end inside a record (an interrupted write); 'corrupt': the record is wrong. */
  readonly kind: 'torn' | 'corrupt';
  readonly reason: string;
}

/**
 * Decodes the record at `at` in buf[0, end) into `out`. Returns the offset after it, or a Damage.
 * A record that does not fit in `end` is 'torn' (more bytes may follow when scanning a stream).
 */
export function decodeRecord(buf: Buffer, at: number, end: number, out: DecodedRecord, names: NameCache): number | Damage {
  if (end - at < RECORD_PREFIX_BYTES) return { offset: at, kind: 'torn', reason: 'record prefix cut short' };
  const length = buf.readUInt32LE(at + 4);
  if (length < 1 || length > MAX_RECORD_BYTES) return { offset: at, kind: 'corrupt', reason: `impossible record length ${length}` };
  const stop = at + RECORD_PREFIX_BYTES + length;
  if (stop > end) return { offset: at, kind: 'torn', reason: `record of ${length} bytes cut short at ${end - at - RECORD_PREFIX_BYTES}` };
  if (buf.readUInt32LE(at) !== crc32(buf, at + 4, stop)) return { offset: at, kind: 'corrupt', reason: 'record checksum mismatch' };
  const type = buf[at + 8];
  let p = at + 9;
  out.offset = at;
  out.size = stop - at;
  out.type = type as RecordType;
  out.queue = '';
  out.source = EMPTY;
  out.dataStart = out.dataEnd = 0;
  const fixed = FIXED_BYTES[type];
  if (fixed === undefined) return { offset: at, kind: 'corrupt', reason: `unknown record type ${type}` };
  if (type === RecordType.NextId || type === RecordType.SnapshotEnd) {
    if (stop - p !== 8) return { offset: at, kind: 'corrupt', reason: 'bad record size' };
    out.id = readU64(buf, p);
    if (out.id < 0) return { offset: at, kind: 'corrupt', reason: 'number out of range' };
    return stop;
  }
  const nameBytes = buf[p];
  if (nameBytes < 1 || nameBytes > MAX_QUEUE_NAME_BYTES || p + 1 + nameBytes + fixed > stop) {
    return { offset: at, kind: 'corrupt', reason: 'bad queue name length' };
  }
  out.queue = names.get(buf, p + 1, nameBytes);
  p += 1 + nameBytes;
  if (type === RecordType.Flushed || type === RecordType.Dropped) {
    return p === stop ? stop : { offset: at, kind: 'corrupt', reason: 'bad record size' };
  }
  out.id = readU64(buf, p);
  if (out.id < 1) return { offset: at, kind: 'corrupt', reason: 'item id out of range' };
  if (type !== RecordType.Enqueued) return p + 8 === stop ? stop : { offset: at, kind: 'corrupt', reason: 'bad record size' };
  out.flags = buf.readUInt32LE(p + 8);
  out.expiresAt = readU64(buf, p + 12);
  out.enqueuedAt = readU64(buf, p + 20);
  if (out.expiresAt < 0 || out.enqueuedAt < 0) return { offset: at, kind: 'corrupt', reason: 'time out of range' };
  out.source = buf;
  out.dataStart = p + ENQUEUED_FIXED_BYTES;
  out.dataEnd = stop;
  return stop;
}

/** Fixed body bytes after the type (and queue name) by record type; undefined = unknown type. */
const FIXED_BYTES: Record<number, number> = {
  [RecordType.Enqueued]: ENQUEUED_FIXED_BYTES,
  [RecordType.Reserved]: 8,
  [RecordType.Acked]: 8,
  [RecordType.Released]: 8,
  [RecordType.Expired]: 8,
  [RecordType.Flushed]: 0,
  [RecordType.Dropped]: 0,
  [RecordType.NextId]: 8,
  [RecordType.SnapshotEnd]: 8,
};

/**
 * Turns queue-name bytes into strings without a new string per record: a journal names few queues,
 * so the last few names are kept and compared byte for byte.
 */
export class NameCache {
  private readonly bytes: Buffer[] = [];
  private readonly strings: string[] = [];
  private nextSlot = 0;

  get(buf: Buffer, at: number, length: number): string {
    outer: for (let i = 0; i < this.bytes.length; i++) {
      const b = this.bytes[i];
      if (b.length !== length) continue;
      for (let k = 0; k < length; k++) if (b[k] !== buf[at + k]) continue outer;
      return this.strings[i];
    }
    const s = buf.toString('latin1', at, at + length);
    const slot = this.bytes.length < 8 ? this.bytes.length : this.nextSlot++ % 8;
    this.bytes[slot] = Buffer.from(buf.subarray(at, at + length));
    this.strings[slot] = s;
    return s;
  }
}
