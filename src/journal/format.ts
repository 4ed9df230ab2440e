/**
 * The journal's on-disk vocabulary: file header, record types and limits (docs/journal-format.md is the
 * byte-by-byte description; change both together, and bump FORMAT_VERSION for anything an older reader
 * could not read).
 */

/** First 8 bytes of every journal file. */
export const MAGIC = Buffer.from('rq-jrnl\n', 'latin1');
/** Format version written in each file header; readers accept 1. */
export const FORMAT_VERSION = 1;
/** magic(8) version(u16) kind(u8) reserved(u8) seq(u32) crc(u32) */
export const HEADER_BYTES = 20;

/** What a file holds: a segment of the live log, or a snapshot (the state before a segment). */
export const FileKind = { Segment: 1, Snapshot: 2 } as const;
export type FileKind = (typeof FileKind)[keyof typeof FileKind];

/** crc(u32) length(u32): length counts the type byte and the body. */
export const RECORD_PREFIX_BYTES = 8;

/** Record types. Values are part of the format. The names are the ChangeLog's (docs/architecture.md). */
export const RecordType = {
  Enqueued: 1,
  Reserved: 2,
  Acked: 3,
  Released: 4,
  Expired: 5,
  Flushed: 6,
  Dropped: 7,
  NextId: 8,
  SnapshotEnd: 9,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

export const RECORD_NAMES: Record<number, string> = {
  1: 'enqueued', 2: 'reserved', 3: 'acked', 4: 'released', 5: 'expired', 6: 'flushed', 7: 'dropped',
  8: 'next_id', 9: 'snapshot_end',
};

export { MAX_QUEUE_NAME_BYTES } from '../queue-name.js';
/**
 * Largest record the reader accepts: a length beyond this is damage, not a record. Items are limited by
 * --max-item-size (1 MiB by default); 256 MiB leaves room for any sane limit and catches garbage lengths.
 */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;
/** Fixed body bytes of an enqueued record after the queue name: id, flags, expiresAt, enqueuedAt. */
export const ENQUEUED_FIXED_BYTES = 8 + 4 + 8 + 8;

const TWO_32 = 0x1_0000_0000;

/** Writes a non-negative safe integer as u64 little-endian (byte stores: this runs for every record). */
export function writeU64(buf: Buffer, value: number, at: number): void {
  const lo = value >>> 0; // value mod 2^32, also above 2^32
  const hi = (value - lo) / TWO_32;
  buf[at] = lo;
  buf[at + 1] = lo >>> 8;
  buf[at + 2] = lo >>> 16;
  buf[at + 3] = lo >>> 24;
  buf[at + 4] = hi;
  buf[at + 5] = hi >>> 8;
  buf[at + 6] = hi >>> 16;
  buf[at + 7] = hi >>> 24;
}

/** Reads a u64 little-endian; returns -1 when it is not a safe integer. */
export function readU64(buf: Buffer, at: number): number {
  const hi = buf.readUInt32LE(at + 4);
  if (hi > 0x1fffff) return -1;
  return hi * TWO_32 + buf.readUInt32LE(at);
}
