/**
 * Reads the records of a whole file, past damage (docs/journal-format.md: Damage). A record that does
 * not verify costs that record, not the rest: when its length is sound and the record after it
 * verifies, reading goes on there; otherwise the reader looks for the next place where records
 * verify again. What it skipped is reported as damaged ranges; the serials of version 2 records say
 * how many records a range held (replay-state.ts).
 *
 * When to trust a place after damage: in version 2, the record there must verify and carry the
 * serial that follows (exactly one lost after a sound length; a count the skipped bytes can hold
 * after a scan), and a scan also wants the record after it to verify (or the file to end there).
 * Version 1 has no serials: two records in a row must verify.
 */
import { decoderOf, DecodedRecord, NameCache, type RecordDecoder } from './decoder.js';
import { FRAME_BYTES, MAX_RECORD_BYTES, PREFIX_BYTES, SYNC_BYTE, V1_PREFIX_BYTES } from './format.js';

/** Bytes the reader skipped, and why. */
export interface DamagedRange {
  /** Where the damage begins (a file offset). */
  readonly offset: number;
  /** Where reading went on (the file's size when nothing after it could be read). */
  readonly end: number;
  /** 'torn': the file ends inside a record, or in zero bytes (an interrupted write); 'corrupt': bytes are wrong. */
  readonly kind: 'torn' | 'corrupt';
  readonly reason: string;
  /** Records the range held: 1 after a sound length, the gap in serials after a scan, null when unknown. */
  readonly records: number | null;
}

export interface ScanResult {
  records: number;
  /** Offset just after the last record that verified (where a torn tail is cut). */
  validEnd: number;
  readonly damage: DamagedRange[];
}

/** The smallest version 2 record (a flushed or dropped record of a one-byte queue name). */
const MIN_V2_RECORD = PREFIX_BYTES + 2;
/** Records decoded between two yields (a caller may let its output drain then). */
const RECORDS_PER_STEP = 8192;

/**
 * Decodes the records of buf[start, end) written in format `version`, calling `onRecord` for each
 * one that verifies (in order; the record object is reused), and `onDamage` for each range skipped,
 * before the record that follows it. Yields every few thousand records.
 */
export function* scanRecords(
  buf: Buffer,
  start: number,
  version: number,
  onRecord: (r: DecodedRecord) => void,
  onDamage: (d: DamagedRange) => void,
): Generator<void, ScanResult> {
  const decode = decoderOf(version);
  const names = new NameCache();
  const r = new DecodedRecord();
  const probe = new DecodedRecord();
  const end = buf.length;
  const result: ScanResult = { records: 0, validEnd: start, damage: [] };
  const damaged = (d: DamagedRange) => {
    result.damage.push(d);
    onDamage(d);
  };
  /** Serial of the last record read in this file (version 2), or -1. */
  let lastSerial = -1;
  let at = start;
  while (at < end) {
    const next = decode(buf, at, end, r, names);
    if (typeof next === 'number') {
      onRecord(r);
      result.validEnd = next;
      lastSerial = r.serial;
      at = next;
      if (++result.records % RECORDS_PER_STEP === 0) yield;
      continue;
    }
    // A sound length: the damage is this one record if the one after it verifies.
    const skipTo = frameEnd(buf, at, version);
    if (skipTo === end && next.kind === 'corrupt') {
      damaged({ offset: at, end, kind: 'corrupt', reason: next.reason, records: 1 });
      break;
    }
    if (
      skipTo > at &&
      skipTo < end &&
      verifies(decode, buf, skipTo, lastSerial >= 0 ? (lastSerial + 2) >>> 0 : -1, version === 1 || lastSerial < 0, probe, names)
    ) {
      damaged({ offset: at, end: skipTo, kind: 'corrupt', reason: next.reason, records: 1 });
      at = skipTo;
      continue;
    }
    // Otherwise look for the next place where records verify.
    const found = version === 1 ? scanV1(decode, buf, at + 1, probe, names) : scanV2(decode, buf, at, lastSerial, probe, names);
    // Perhaps only the length was hit, and the bytes up to there are the whole record.
    const whole = wholeWithLength(decode, buf, at, found < 0 ? end : found, version, r, names);
    if (whole > 0 && (lastSerial < 0 || r.serial === (lastSerial + 1) >>> 0)) {
      damaged({
        offset: at,
        end: whole,
        kind: 'corrupt',
        reason: `${next.reason}; only its length field was damaged: the record is whole and used`,
        records: 0,
      });
      onRecord(r);
      result.records++;
      result.validEnd = whole;
      lastSerial = r.serial;
      at = whole;
      continue;
    }
    if (found < 0) {
      const zeros = allZero(buf, at, end);
      const torn = zeros || next.kind === 'torn';
      const reason = zeros ? `the file ends in ${end - at} zero bytes` : next.reason;
      damaged({ offset: at, end, kind: torn ? 'torn' : 'corrupt', reason, records: torn ? 0 : null });
      break;
    }
    let records: number | null = null;
    if (version !== 1 && lastSerial >= 0) {
      decode(buf, found, end, probe, names);
      records = ((probe.serial - lastSerial) >>> 0) - 1;
    }
    damaged({ offset: at, end: found, kind: 'corrupt', reason: next.reason, records });
    at = found;
  }
  return result;
}

/**
 * Decodes buf[at, end) as one record whose length field is damaged: with the length those bytes
 * span written into a copy, does it verify? Returns `end` and fills `out` if so, else -1.
 */
function wholeWithLength(
  decode: RecordDecoder,
  buf: Buffer,
  at: number,
  end: number,
  version: number,
  out: DecodedRecord,
  names: NameCache,
): number {
  const frame = version === 1 ? V1_PREFIX_BYTES : FRAME_BYTES;
  const length = end - at - frame;
  if (length < 1 || length > MAX_RECORD_BYTES || buf.readUInt32LE(at + frame - 4) === length) return -1;
  const copy = Buffer.from(buf.subarray(at, end));
  copy.writeUInt32LE(length, frame - 4);
  if (decode(copy, 0, copy.length, out, names) !== copy.length) return -1;
  out.offset = at;
  return end;
}

/** Where the record at `at` ends if its length field is believable (-1 when it is not). */
function frameEnd(buf: Buffer, at: number, version: number): number {
  const frame = version === 1 ? V1_PREFIX_BYTES : FRAME_BYTES;
  if (buf.length - at < frame) return -1;
  const length = buf.readUInt32LE(at + frame - 4);
  const min = version === 1 ? 1 : PREFIX_BYTES - FRAME_BYTES;
  if (length < min || length > MAX_RECORD_BYTES || at + frame + length > buf.length) return -1;
  return at + frame + length;
}

/**
 * True when a record verifies at `at` (with serial `serial`, unless -1) and, if `two`, the record
 * after it verifies too (with the next serial) or the buffer ends with the first.
 */
function verifies(
  decode: RecordDecoder,
  buf: Buffer,
  at: number,
  serial: number,
  two: boolean,
  probe: DecodedRecord,
  names: NameCache,
): boolean {
  const next = decode(buf, at, buf.length, probe, names);
  if (typeof next !== 'number') return false;
  if (serial >= 0 && probe.serial !== serial) return false;
  if (!two || next === buf.length) return true;
  const first = probe.serial;
  const after = decode(buf, next, buf.length, probe, names);
  return typeof after === 'number' && (first < 0 || probe.serial === (first + 1) >>> 0);
}

/**
 * Version 2: the first sync byte after `damageAt` where a record verifies with a serial the skipped
 * bytes can account for, and the record after it verifies too (or the file ends). -1 if none.
 */
function scanV2(
  decode: RecordDecoder,
  buf: Buffer,
  damageAt: number,
  lastSerial: number,
  probe: DecodedRecord,
  names: NameCache,
): number {
  for (let p = buf.indexOf(SYNC_BYTE, damageAt + 1); p >= 0; p = buf.indexOf(SYNC_BYTE, p + 1)) {
    if (buf.length - p < PREFIX_BYTES) return -1;
    if (lastSerial >= 0) {
      const lost = ((buf.readUInt32LE(p + 9) - lastSerial) >>> 0) - 1;
      if (lost < 1 || lost > Math.floor((p - damageAt) / MIN_V2_RECORD) + 1) continue;
    }
    if (verifies(decode, buf, p, -1, true, probe, names)) return p;
  }
  return -1;
}

/** Version 1: the first offset from `from` where two records in a row verify (or one that ends the file). -1 if none. */
function scanV1(decode: RecordDecoder, buf: Buffer, from: number, probe: DecodedRecord, names: NameCache): number {
  for (let p = from; p + V1_PREFIX_BYTES < buf.length; p++) {
    if (frameEnd(buf, p, 1) < 0) continue;
    if (verifies(decode, buf, p, -1, true, probe, names)) return p;
  }
  return -1;
}

function allZero(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== 0) return false;
  return true;
}
