/**
 * Reads one journal file record by record, a slice at a time, off the main thread: compaction
 * (compactor.ts). Unlike the startup reader (reader.ts) it stops at the first damage: a compaction
 * never folds a damaged file (compaction-scheduler.ts snapshots memory instead).
 */
import { releasableBuffer } from '../mapped-memory.js';
import { decoderOf, DecodedRecord, isHeader, NameCache, type Damage } from './decoder.js';
import { HEADER_BYTES, V1_HEADER_BYTES } from './format.js';
import { checkHeader, newReport, type FileReport } from './reader.js';
import type { JournalStore, StoreReader } from './store.js';

export class FileCursor {
  readonly report: FileReport;
  /** The bytes read and not decoded yet: a view into `space`. */
  private buf: Buffer = EMPTY;
  /**
   * The buffer every piece of the file is read into (the decoder's records copy what they keep), so
   * that reading a file leaves one buffer behind, not one per piece.
   */
  private space: Buffer = EMPTY;
  /** File offset of buf[0]. */
  private base = 0;
  /** Bytes of the file read into buf so far (file offset of buf's end). */
  private readTo = 0;
  private done = false;
  private readonly record = new DecodedRecord();
  private readonly names = new NameCache();
  private reader: StoreReader | null = null;

  constructor(
    private readonly store: JournalStore,
    name: string,
    kind: 'segment' | 'snapshot',
    seq: number,
  ) {
    this.report = newReport(name, kind, seq);
    this.report.size = store.size(name);
  }

  get finished(): boolean {
    return this.done;
  }

  /** Reads about `budget` more bytes off the main thread; `decode` then hands over their records. */
  async fill(budget: number): Promise<void> {
    if (this.done) return;
    const want = Math.min(this.report.size - this.readTo, Math.max(budget, 1));
    if (want === 0) return;
    this.reader ??= await this.store.openReader(this.report.name);
    // What is left of the last piece (a record cut at its end) moves to the front, the piece after it.
    const rest = this.buf.length;
    if (this.space.length < rest + want) {
      const bigger = releasableBuffer(rest + want);
      this.buf.copy(bigger, 0);
      this.space = bigger;
    } else if (rest > 0) {
      this.buf.copy(this.space, 0); // may overlap: Buffer#copy moves
    }
    const got = await this.reader.read(this.space, rest, this.readTo, want);
    this.readTo += got;
    this.buf = this.space.subarray(0, rest + got);
    if (got < want) this.report.size = this.readTo; // the file shrank under us
  }

  /** Closes what fill opened. */
  async close(): Promise<void> {
    await this.reader?.close();
    this.reader = null;
  }

  /**
   * Hands every complete record read so far to `onRecord` (the record object is reused: copy what
   * you keep; its offset is relative to the file). Returns true once the file is done (its end or
   * its first damage).
   */
  decode(onRecord: (r: DecodedRecord) => void): boolean {
    if (this.done) return true;
    const atEnd = this.readTo >= this.report.size;
    let at = 0;
    if (this.report.header === null) {
      if (this.buf.length < HEADER_BYTES && !atEnd) return false;
      const header = checkHeader(this.buf, this.report);
      if (!isHeader(header))
        return this.stop({ offset: 0, kind: this.buf.length < V1_HEADER_BYTES ? 'torn' : 'corrupt', reason: header.problem });
      this.report.header = header;
      this.report.version = header.version;
      at = header.bytes;
      this.report.validEnd = at;
    }
    const decode = decoderOf(this.report.version);
    const r = this.record;
    for (;;) {
      if (at >= this.buf.length) break;
      const next = decode(this.buf, at, this.buf.length, r, this.names);
      if (typeof next !== 'number') {
        if (next.kind === 'torn' && !atEnd) break; // the rest of the record is in the next slice
        return this.stop({ ...next, offset: this.base + next.offset });
      }
      r.offset += this.base;
      onRecord(r);
      this.report.records++;
      this.report.validEnd = this.base + next;
      at = next;
    }
    this.buf = at >= this.buf.length ? EMPTY : this.buf.subarray(at);
    this.base += at;
    if (atEnd && this.buf.length === 0) this.finish();
    return this.done;
  }

  private stop(damage: Damage): true {
    this.report.damage = damage;
    this.finish();
    return true;
  }

  private finish(): void {
    this.done = true;
    this.buf = EMPTY;
    this.space = EMPTY;
  }
}

const EMPTY = Buffer.alloc(0);
