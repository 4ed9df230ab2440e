/**
 * The journal's on-disk vocabulary: file headers, record types and limits (docs/journal-format.md is
 * the byte-by-byte description; change both together, and bump FORMAT_VERSION for anything an older
 * reader could not read). rq writes version 5 and reads 1 to 5. Version 3 is version 2 with the
 * records of work that fails (delayed, due, dead, fanout, deliveries); version 4 adds reserved_run,
 * version 5 acked_run.
 */

import { MAX_QUEUE_NAME_BYTES } from '../queue-name.js';

/** First 8 bytes of every journal file. */
export const MAGIC = Buffer.from('rq-jrnl\n', 'latin1');
/** Format version rq writes. */
export const FORMAT_VERSION = 5;
/** Versions rq reads. */
export const READABLE_VERSIONS: readonly number[] = [1, 2, 3, 4, 5];

/** v1 header: magic(8) version(u16) kind(u8) reserved(u8) seq(u32) crc(u32). */
export const V1_HEADER_BYTES = 20;
/** v2 header: magic(8) version(u16) kind(u8) reserved(u8) seq(u32) next_id(u64) next_serial(u32) crc(u32). */
export const HEADER_BYTES = 32;

/** What a file holds: a segment of the live log, a snapshot (the state before a segment), or the manifest. */
export const FileKind = { Segment: 1, Snapshot: 2, Manifest: 3 } as const;
export type FileKind = (typeof FileKind)[keyof typeof FileKind];

/** v1 record prefix: crc(u32) length(u32); length counts the type byte and the body. */
export const V1_PREFIX_BYTES = 8;
/**
 * v2 record prefix: sync(u8) crc(u32) length(u32) serial(u32) endings(u32) last_ended(u64) type(u8);
 * length counts everything after itself (serial … body).
 */
export const PREFIX_BYTES = 26;
/** Bytes of a v2 record before its length field ends (sync, crc, length): the frame around `length`. */
export const FRAME_BYTES = 9;
/** First byte of every v2 record: lets a reader find the next record after a damaged length. */
export const SYNC_BYTE = 0xa5;

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
  FlushAll: 10,
  Delayed: 11,
  Due: 12,
  Dead: 13,
  Fanout: 14,
  Deliveries: 15,
  ReservedRun: 16,
  AckedRun: 17,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

export const RECORD_NAMES: Record<number, string> = {
  1: 'enqueued',
  2: 'reserved',
  3: 'acked',
  4: 'released',
  5: 'expired',
  6: 'flushed',
  7: 'dropped',
  8: 'next_id',
  9: 'snapshot_end',
  10: 'flush_all',
  11: 'delayed',
  12: 'due',
  13: 'dead',
  14: 'fanout',
  15: 'deliveries',
  16: 'reserved_run',
  17: 'acked_run',
};

/**
 * Records that end items (an item ended is gone for good). Every v2 record counts the ending records
 * before it and names the item the newest one ended, so that one lost is found again from the next.
 */
export function isEnding(type: number): boolean {
  return (
    type === RecordType.Acked ||
    type === RecordType.AckedRun ||
    type === RecordType.Expired ||
    type === RecordType.Flushed ||
    type === RecordType.Dropped
  );
}

/**
 * How many ending records a record counts as: an acked_run as the `count` acked records it stands
 * for (so the chain's count is the same whether acks were written one by one or as runs), another
 * ending record as one.
 */
export function endingsIn(type: number, count: number): number {
  return type === RecordType.AckedRun ? count : isEnding(type) ? 1 : 0;
}

export { MAX_QUEUE_NAME_BYTES };
/**
 * Largest record the reader accepts: a length beyond this is damage, not a record. Items are limited by
 * --max-item-size (1 MiB by default); 256 MiB leaves room for any sane limit and catches garbage lengths.
 */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;
/** Fixed body bytes of an enqueued record after the queue name: id, flags, expiresAt, enqueuedAt. */
export const ENQUEUED_FIXED_BYTES = 8 + 4 + 8 + 8;
/**
 * The largest item a record holds: MAX_RECORD_BYTES less an enqueued record's other bytes with the
 * longest queue name. `rq serve` refuses a larger --max-item-size.
 */
export const MAX_ITEM_BYTES = MAX_RECORD_BYTES - (PREFIX_BYTES - FRAME_BYTES) - 1 - MAX_QUEUE_NAME_BYTES - ENQUEUED_FIXED_BYTES;

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
