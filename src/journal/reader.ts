/**
 * Reads the journal of a data directory: chooses the files that describe the current state (the newest
 * intact snapshot, then every segment from its sequence number on), scans them in order and folds
 * their records into a ReplayState. The server's startup, compaction and `rq replay-journal` all read
 * through here; a damaged file is read up to its last good record and reported with its offset.
 */
import { decodeHeader, decodeRecord, DecodedRecord, NameCache, type Damage } from './decoder.js';
import { FileKind, HEADER_BYTES, RecordType } from './format.js';
import { planDirectory } from './names.js';
import { ReplayState } from './replay-state.js';
import type { JournalStore, StoreReader } from './store.js';

/** What was found in one file. */
export interface FileReport {
  readonly name: string;
  readonly kind: 'segment' | 'snapshot';
  readonly seq: number;
  /** Size on disk. */
  size: number;
  records: number;
  /** Offset just after the last good record (where a damaged file would be cut). */
  validEnd: number;
  damage: Damage | null;
}

/** Reads one file record by record, a slice at a time (compaction) or whole (startup). */
export class FileCursor {
  readonly report: FileReport;
  private buf: Buffer = Buffer.alloc(0);
  /** File offset of buf[0]. */
  private base = 0;
  /** Bytes of the file read into buf so far (file offset of buf's end). */
  private readTo = 0;
  private done = false;
  private headerChecked = false;
  private readonly record = new DecodedRecord();
  private readonly names = new NameCache();

  constructor(private readonly store: JournalStore, name: string, kind: 'segment' | 'snapshot', seq: number) {
    this.report = { name, kind, seq, size: store.size(name), records: 0, validEnd: 0, damage: null };
  }

  get finished(): boolean {
    return this.done;
  }

  /**
   * Reads about `budget` more bytes and hands every complete record to `onRecord` (the record object
   * is reused: copy what you keep; its offset is relative to the file). Returns true once the file is
   * done (its end or its first damage).
   */
  step(budget: number, onRecord: (r: DecodedRecord) => void): boolean {
    if (this.done) return true;
    const want = this.want(budget);
    if (want > 0) this.ingest(this.store.read(this.report.name, this.readTo, want), want);
    return this.decode(onRecord);
  }

  /** Reads about `budget` more bytes off the main thread; `decode` then hands over their records. */
  async fill(budget: number): Promise<void> {
    if (this.done) return;
    const want = this.want(budget);
    if (want === 0) return;
    this.reader ??= await this.store.openReader(this.report.name);
    this.ingest(await this.reader.read(this.readTo, want), want);
  }

  /** Closes what fill opened. */
  async close(): Promise<void> {
    await this.reader?.close();
    this.reader = null;
  }

  private reader: StoreReader | null = null;

  private want(budget: number): number {
    return Math.min(this.report.size - this.readTo, Math.max(budget, 1));
  }

  private ingest(chunk: Buffer, want: number): void {
    this.readTo += chunk.length;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    if (chunk.length < want) this.report.size = this.readTo; // the file shrank under us
  }

  /** Hands every complete record read so far to `onRecord`; true once the file is done. */
  decode(onRecord: (r: DecodedRecord) => void): boolean {
    if (this.done) return true;
    const atEnd = this.readTo >= this.report.size;
    let at = 0;
    if (!this.headerChecked) {
      if (this.buf.length < HEADER_BYTES && !atEnd) return false;
      const problem = this.checkHeader();
      if (problem !== null) return this.stop({ offset: 0, kind: this.buf.length < HEADER_BYTES ? 'torn' : 'corrupt', reason: problem });
      this.headerChecked = true;
      at = HEADER_BYTES;
      this.report.validEnd = HEADER_BYTES;
    }
    const r = this.record;
    for (;;) {
      if (at >= this.buf.length) break;
      const next = decodeRecord(this.buf, at, this.buf.length, r, this.names);
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
    this.buf = at >= this.buf.length ? Buffer.alloc(0) : this.buf.subarray(at);
    this.base += at;
    if (atEnd && this.buf.length === 0) this.done = true;
    return this.done;
  }

  /** Reads the whole file at once. */
  readAll(onRecord: (r: DecodedRecord) => void): FileReport {
    while (!this.step(Number.MAX_SAFE_INTEGER, onRecord));
    return this.report;
  }

  private checkHeader(): string | null {
    const header = decodeHeader(this.buf);
    if (typeof header === 'string') return header;
    const kind = this.report.kind === 'segment' ? FileKind.Segment : FileKind.Snapshot;
    if (header.kind !== kind) return `file header says kind ${header.kind}, name says ${this.report.kind}`;
    if (header.seq !== this.report.seq) return `file header says sequence ${header.seq}, name says ${this.report.seq}`;
    return null;
  }

  private stop(damage: Damage): true {
    this.report.damage = damage;
    this.done = true;
    this.buf = Buffer.alloc(0);
    return true;
  }
}

/** The result of reading a data directory. */
export interface JournalRead {
  readonly state: ReplayState;
  /** Every file read, in order: the snapshot (if any), then the segments. */
  readonly files: FileReport[];
  /** Files present but not needed (older than the snapshot used, unfinished snapshots, bad snapshots). */
  readonly obsolete: string[];
  /** Human-readable problems: damage (with file and offset), missing segments. */
  readonly warnings: string[];
  /** Sequence number of the newest segment (0 when there is none). */
  readonly lastSegment: number;
}

export interface ReadOptions {
  /** Called for every record, after it is applied to the state (`rq replay-journal --records`). */
  readonly onRecord?: (r: DecodedRecord, file: FileReport) => void;
}

/** Reads every journal file that matters in `store`, synchronously (startup and the CLI). */
export function readJournal(store: JournalStore, options: ReadOptions = {}): JournalRead {
  const plan = planDirectory(store.list());
  const warnings: string[] = [];
  const obsolete = [...plan.temporary];
  const files: FileReport[] = [];
  let state = new ReplayState();
  let startSeq = 0;

  // The newest snapshot whose header is good. A damaged one still gives its records before the damage
  // (the files it replaced are gone, so an older snapshot would miss their changes: worse).
  for (let i = plan.snapshots.length - 1; i >= 0; i--) {
    const snap = plan.snapshots[i];
    const candidate = new ReplayState();
    let ended = false;
    const seen: Array<[DecodedRecord, FileReport]> = [];
    const cursor = new FileCursor(store, snap.name, 'snapshot', snap.seq);
    const report = cursor.readAll((r) => {
      if (r.type === RecordType.SnapshotEnd) ended = true;
      candidate.apply(r);
      if (options.onRecord) seen.push([Object.assign(new DecodedRecord(), r, { data: Buffer.from(r.data) }), cursor.report]);
    });
    if (report.damage !== null && report.validEnd < HEADER_BYTES) {
      warnings.push(`${store.location}/${snap.name}: not a usable snapshot (${report.damage.reason}); using an older state`);
      obsolete.push(snap.name);
      continue;
    }
    if (report.damage !== null || !ended) {
      const where = report.damage ? `${report.damage.kind} record at offset ${report.damage.offset} (${report.damage.reason})` : `no snapshot_end record (cut at offset ${report.validEnd})`;
      warnings.push(`${store.location}/${snap.name}: snapshot damaged: ${where}; its ${report.records} records before the damage are used`);
      if (report.damage === null) report.damage = { offset: report.validEnd, kind: 'torn', reason: 'no snapshot_end record' };
    }
    state = candidate;
    startSeq = snap.seq;
    files.push(report);
    for (const [r, f] of seen) options.onRecord!(r, f);
    obsolete.push(...plan.snapshots.slice(0, i).map((s) => s.name));
    break;
  }

  let expected = startSeq;
  for (const seg of plan.segments) {
    if (seg.seq < startSeq) {
      obsolete.push(seg.name);
      continue;
    }
    if (seg.seq !== expected && expected !== 0) {
      warnings.push(`${store.location}: segments ${expected}…${seg.seq - 1} are missing; their changes are lost`);
    }
    expected = seg.seq + 1;
    const cursor = new FileCursor(store, seg.name, 'segment', seg.seq);
    const onRecord = options.onRecord;
    const report = cursor.readAll(onRecord ? (r) => (state.apply(r), onRecord(r, cursor.report)) : (r) => state.apply(r));
    files.push(report);
    if (report.damage !== null) {
      const d = report.damage;
      warnings.push(`${store.location}/${seg.name}: ${d.kind} record at offset ${d.offset} (${d.reason}); ` +
        `${report.size - d.offset} bytes after the last good record are ignored`);
    }
  }
  const lastSegment = plan.segments.length > 0 ? plan.segments[plan.segments.length - 1].seq : 0;
  return { state, files, obsolete, warnings, lastSegment };
}
