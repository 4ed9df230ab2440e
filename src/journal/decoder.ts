/**
 * Decodes journal files: the header check and the record decoders of format versions 1 to 5. The
 * only parser of the format: the server's startup, compaction and `rq replay-journal` all read
 * through here (docs/journal-format.md). A record that does not decode is torn (cut short: the bytes
 * end inside it) or corrupt (bad length, checksum or fields); scan.ts decides what follows.
 */
import { crc32 } from './crc.js';
import {
  ENQUEUED_FIXED_BYTES,
  FRAME_BYTES,
  HEADER_BYTES,
  MAGIC,
  MAX_QUEUE_NAME_BYTES,
  MAX_RECORD_BYTES,
  PREFIX_BYTES,
  READABLE_VERSIONS,
  readU64,
  RecordType,
  V1_HEADER_BYTES,
  V1_PREFIX_BYTES,
  type FileKind,
} from './format.js';

export interface FileHeader {
  readonly version: number;
  readonly kind: FileKind;
  readonly seq: number;
  /** Ids below this may have been issued (v2; 0 in v1). */
  readonly nextId: number;
  /** In a v2 snapshot: the serial of the first record of the segment after it (0 elsewhere). */
  readonly nextSerial: number;
  /** Header length: where the records begin. */
  readonly bytes: number;
}

/** Why a file's first bytes are not a header this reader can use. */
export interface HeaderProblem {
  readonly problem: string;
  /** A sound header of a format version this rq does not read: the file must be left alone. */
  readonly unsupported: boolean;
}

/** Checks a file's first bytes; returns the header or why it is not a journal file this reader knows. */
export function decodeHeader(buf: Buffer): FileHeader | HeaderProblem {
  const bad = (problem: string, unsupported = false): HeaderProblem => ({ problem, unsupported });
  if (buf.length < V1_HEADER_BYTES) return bad(`file header cut short (${buf.length} bytes)`);
  if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) return bad('not an rq journal file (bad magic)');
  const version = buf.readUInt16LE(8);
  const v1Sound = buf.readUInt32LE(16) === crc32(buf, 0, 16);
  const v2Sound = buf.length >= HEADER_BYTES && buf.readUInt32LE(28) === crc32(buf, 0, 28);
  if (!READABLE_VERSIONS.includes(version)) {
    if (v1Sound || v2Sound)
      return bad(`journal format version ${version} is not supported (this rq reads ${READABLE_VERSIONS.join(' and ')})`, true);
    return bad('file header checksum mismatch');
  }
  if (version >= 2 && buf.length < HEADER_BYTES) return bad(`file header cut short (${buf.length} of ${HEADER_BYTES} bytes)`);
  if (!(version === 1 ? v1Sound : v2Sound)) return bad('file header checksum mismatch');
  const kind = buf[10];
  if (kind !== 1 && kind !== 2 && kind !== 3) return bad(`unknown file kind ${kind}`);
  if (version === 1) return { version, kind, seq: buf.readUInt32LE(12), nextId: 0, nextSerial: 0, bytes: V1_HEADER_BYTES };
  const nextId = readU64(buf, 16);
  if (nextId < 0) return bad('file header next_id out of range');
  return { version, kind, seq: buf.readUInt32LE(12), nextId, nextSerial: buf.readUInt32LE(24), bytes: HEADER_BYTES };
}

export function isHeader(h: FileHeader | HeaderProblem): h is FileHeader {
  return (h as FileHeader).version !== undefined;
}

/**
 * One decoded record. The decoders reuse a single instance for every record (no allocation per
 * record): copy what you keep. `data` is a view into the scanned buffer.
 */
export class DecodedRecord {
  type: RecordType = RecordType.NextId;
  /** Queue name (latin1), '' for records without one. */
  queue = '';
  /** Item id for item records (a reserved_run's or acked_run's first); the number of next_id, snapshot_end (items) and flush_all (time). */
  id = 0;
  flags = 0;
  expiresAt = 0;
  enqueuedAt = 0;
  /** The due time of a delayed record; the count of a deliveries, reserved_run or acked_run record. */
  dueAt = 0;
  count = 0;
  /** v2: the record's serial number; -1 in v1 (no serials). */
  serial = -1;
  /** v2: ending records before this one (mod 2^32), and the id the newest of them ended (0: a flush or drop, or none). */
  endings = 0;
  lastEndedId = 0;
  /** v2 snapshot_end: where the segment after the snapshot goes on (its first serial, endings and last ended id). */
  nextSerial = 0;
  nextEndings = 0;
  nextLastEndedId = 0;
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

/** Why a record could not be read. */
export interface Damage {
  /** Offset (in the scanned bytes) of the record that could not be read. */
  readonly offset: number;
  /** 'torn': the bytes end inside a record (an interrupted write); 'corrupt': the record is wrong. */
  readonly kind: 'torn' | 'corrupt';
  readonly reason: string;
}

/** Decodes one record of buf[0, end) at `at` into `out`: the offset after it, or a Damage. */
export type RecordDecoder = (buf: Buffer, at: number, end: number, out: DecodedRecord, names: NameCache) => number | Damage;

/**
 * Decodes the version 5 record at `at` in buf[0, end) into `out`. Returns the offset after it, or a
 * Damage. A record that does not fit in `end` is 'torn' (more bytes may follow when scanning a stream).
 * The sync byte is not checked: it only helps scan.ts find records after damage.
 */
export function decodeRecord(buf: Buffer, at: number, end: number, out: DecodedRecord, names: NameCache): number | Damage {
  return decodeFramed(buf, at, end, out, names, 5);
}

/** Decodes a version 4 record: the frame of version 5, without acked_run. */
export function decodeRecordV4(buf: Buffer, at: number, end: number, out: DecodedRecord, names: NameCache): number | Damage {
  return decodeFramed(buf, at, end, out, names, 4);
}

/** Decodes a version 3 record: the frame of version 5, without reserved_run and acked_run. */
export function decodeRecordV3(buf: Buffer, at: number, end: number, out: DecodedRecord, names: NameCache): number | Damage {
  return decodeFramed(buf, at, end, out, names, 3);
}

/** Decodes a version 2 record: the frame of version 5, without record types 11 to 17. */
export function decodeRecordV2(buf: Buffer, at: number, end: number, out: DecodedRecord, names: NameCache): number | Damage {
  return decodeFramed(buf, at, end, out, names, 2);
}

function decodeFramed(
  buf: Buffer,
  at: number,
  end: number,
  out: DecodedRecord,
  names: NameCache,
  version: number,
): number | Damage {
  if (end - at < FRAME_BYTES) return { offset: at, kind: 'torn', reason: 'record prefix cut short' };
  const length = buf.readUInt32LE(at + 5);
  if (length < PREFIX_BYTES - FRAME_BYTES || length > MAX_RECORD_BYTES)
    return { offset: at, kind: 'corrupt', reason: `impossible record length ${length}` };
  const stop = at + FRAME_BYTES + length;
  if (stop > end) return { offset: at, kind: 'torn', reason: `record of ${length} bytes cut short at ${end - at - FRAME_BYTES}` };
  if (buf.readUInt32LE(at + 1) !== crc32(buf, at + 5, stop))
    return { offset: at, kind: 'corrupt', reason: 'record checksum mismatch' };
  out.serial = buf.readUInt32LE(at + 9);
  out.endings = buf.readUInt32LE(at + 13);
  out.lastEndedId = readU64(buf, at + 17);
  if (out.lastEndedId < 0) return { offset: at, kind: 'corrupt', reason: 'number out of range' };
  return decodeBody(buf, at, at + 25, stop, version, out, names);
}

/** Decodes the version 1 record at `at` (docs/journal-format.md: version 1). */
export function decodeRecordV1(buf: Buffer, at: number, end: number, out: DecodedRecord, names: NameCache): number | Damage {
  if (end - at < V1_PREFIX_BYTES) return { offset: at, kind: 'torn', reason: 'record prefix cut short' };
  const length = buf.readUInt32LE(at + 4);
  if (length < 1 || length > MAX_RECORD_BYTES)
    return { offset: at, kind: 'corrupt', reason: `impossible record length ${length}` };
  const stop = at + V1_PREFIX_BYTES + length;
  if (stop > end)
    return { offset: at, kind: 'torn', reason: `record of ${length} bytes cut short at ${end - at - V1_PREFIX_BYTES}` };
  if (buf.readUInt32LE(at) !== crc32(buf, at + 4, stop))
    return { offset: at, kind: 'corrupt', reason: 'record checksum mismatch' };
  out.serial = -1;
  out.endings = 0;
  out.lastEndedId = 0;
  return decodeBody(buf, at, at + 8, stop, 1, out, names);
}

/** The record decoder of a format version. */
export function decoderOf(version: number): RecordDecoder {
  return version === 1
    ? decodeRecordV1
    : version === 2
      ? decodeRecordV2
      : version === 3
        ? decodeRecordV3
        : version === 4
          ? decodeRecordV4
          : decodeRecord;
}

/** Decodes the type byte at `typeAt` and the body up to `stop`. */
function decodeBody(
  buf: Buffer,
  at: number,
  typeAt: number,
  stop: number,
  version: number,
  out: DecodedRecord,
  names: NameCache,
): number | Damage {
  const type = buf[typeAt];
  let p = typeAt + 1;
  out.offset = at;
  out.size = stop - at;
  out.type = type as RecordType;
  out.queue = '';
  out.source = EMPTY;
  out.dataStart = out.dataEnd = 0;
  const fixed = FIXED_BYTES_BY_VERSION[version][type];
  if (fixed === undefined) return { offset: at, kind: 'corrupt', reason: `unknown record type ${type}` };
  if (type === RecordType.NextId || type === RecordType.SnapshotEnd || type === RecordType.FlushAll) {
    if (stop - p !== fixed) return { offset: at, kind: 'corrupt', reason: 'bad record size' };
    out.id = readU64(buf, p);
    if (out.id < 0) return { offset: at, kind: 'corrupt', reason: 'number out of range' };
    if (fixed === 24) {
      out.nextSerial = buf.readUInt32LE(p + 8);
      out.nextEndings = buf.readUInt32LE(p + 12);
      out.nextLastEndedId = readU64(buf, p + 16);
      if (out.nextLastEndedId < 0) return { offset: at, kind: 'corrupt', reason: 'number out of range' };
    }
    return stop;
  }
  const nameBytes = buf[p];
  if (nameBytes < 1 || nameBytes > MAX_QUEUE_NAME_BYTES || p + 1 + nameBytes + fixed > stop) {
    return { offset: at, kind: 'corrupt', reason: 'bad queue name length' };
  }
  out.queue = names.get(buf, p + 1, nameBytes);
  p += 1 + nameBytes;
  if (type === RecordType.Flushed || type === RecordType.Dropped || type === RecordType.Fanout) {
    return p === stop ? stop : { offset: at, kind: 'corrupt', reason: 'bad record size' };
  }
  out.id = readU64(buf, p);
  if (out.id < 1) return { offset: at, kind: 'corrupt', reason: 'item id out of range' };
  if (
    type === RecordType.Delayed ||
    type === RecordType.Deliveries ||
    type === RecordType.ReservedRun ||
    type === RecordType.AckedRun
  ) {
    if (p + fixed !== stop) return { offset: at, kind: 'corrupt', reason: 'bad record size' };
    if (type === RecordType.Delayed) {
      out.dueAt = readU64(buf, p + 8);
      if (out.dueAt < 0) return { offset: at, kind: 'corrupt', reason: 'time out of range' };
    } else {
      out.count = buf.readUInt32LE(p + 8);
      if (type !== RecordType.Deliveries && out.count === 0)
        return { offset: at, kind: 'corrupt', reason: `empty ${type === RecordType.ReservedRun ? 'reserved' : 'acked'} run` };
      if (type === RecordType.AckedRun && out.id + out.count - 1 > Number.MAX_SAFE_INTEGER)
        return { offset: at, kind: 'corrupt', reason: 'item id out of range' };
    }
    return stop;
  }
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
  [RecordType.SnapshotEnd]: 24,
  [RecordType.FlushAll]: 8,
  [RecordType.Delayed]: 16,
  [RecordType.Due]: 8,
  [RecordType.Dead]: 8,
  [RecordType.Fanout]: 0,
  [RecordType.Deliveries]: 12,
  [RecordType.ReservedRun]: 12,
  [RecordType.AckedRun]: 12,
};
/** Version 4: without acked_run. */
const FIXED_BYTES_V4: Record<number, number> = { ...FIXED_BYTES };
delete FIXED_BYTES_V4[RecordType.AckedRun];
/** Version 3: without reserved_run. */
const FIXED_BYTES_V3: Record<number, number> = { ...FIXED_BYTES_V4 };
delete FIXED_BYTES_V3[RecordType.ReservedRun];
/** Version 2: without the records of work that fails. */
const FIXED_BYTES_V2: Record<number, number> = { ...FIXED_BYTES_V3 };
for (const type of [RecordType.Delayed, RecordType.Due, RecordType.Dead, RecordType.Fanout, RecordType.Deliveries])
  delete FIXED_BYTES_V2[type];
/** Version 1: snapshot_end holds only its item count, and flush_all does not exist. */
const FIXED_BYTES_V1: Record<number, number> = { ...FIXED_BYTES_V2, [RecordType.SnapshotEnd]: 8 };
delete FIXED_BYTES_V1[RecordType.FlushAll];
const FIXED_BYTES_BY_VERSION: Record<number, Record<number, number>> = {
  1: FIXED_BYTES_V1,
  2: FIXED_BYTES_V2,
  3: FIXED_BYTES_V3,
  4: FIXED_BYTES_V4,
  5: FIXED_BYTES,
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
