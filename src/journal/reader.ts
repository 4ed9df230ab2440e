/**
 * Reads the journal of a data directory: chooses the files that describe the current state (the newest
 * usable snapshot, then every segment from its sequence number on), reads them in order past any
 * damage (scan.ts) and folds their records into a ReplayState. The server's startup, compaction and
 * `rq replay-journal` all read through here. What is damaged, lost or missing is reported with the
 * file and offset, and with what it costs (docs/journal-format.md: Damage).
 */
import {
  decodeHeader,
  decoderOf,
  DecodedRecord,
  isHeader,
  NameCache,
  type Damage,
  type FileHeader,
  type HeaderProblem,
} from './decoder.js';
import { FileKind, FORMAT_VERSION, HEADER_BYTES, RecordType, V1_HEADER_BYTES } from './format.js';
import { readManifest, type Manifest } from './manifest.js';
import { planDirectory, segmentName } from './names.js';
import { ReplayState, type Loss } from './replay-state.js';
import { scanRecords, type DamagedRange } from './scan.js';
import type { JournalStore } from './store.js';

/** What was found in one file. */
export interface FileReport {
  readonly name: string;
  readonly kind: 'segment' | 'snapshot';
  readonly seq: number;
  /** Size on disk. */
  size: number;
  records: number;
  /** Offset just after the last good record (where a torn tail is cut). */
  validEnd: number;
  /** The first damage found, or null. */
  damage: Damage | null;
  /** Every range skipped (scan.ts); a damaged header is a range at offset 0. */
  readonly damaged: DamagedRange[];
  /** The file's format version (from its header, or guessed from its records when the header is damaged). */
  version: number;
  /** The header, or null when it is damaged. */
  header: FileHeader | null;
  /** Why the file could not be read at all (an I/O error, a format this rq does not read), or null. */
  unreadable: string | null;
}

export function newReport(name: string, kind: 'segment' | 'snapshot', seq: number): FileReport {
  return {
    name,
    kind,
    seq,
    size: 0,
    records: 0,
    validEnd: 0,
    damage: null,
    damaged: [],
    version: 2,
    header: null,
    unreadable: null,
  };
}

/** True when some range of the file is corrupt (not just a torn tail): its original is worth keeping. */
export function isCorrupt(f: FileReport): boolean {
  return f.damaged.some((d) => d.kind === 'corrupt');
}

/** The header of a file, checked against its name. */
export function checkHeader(buf: Buffer, report: FileReport): FileHeader | HeaderProblem {
  const header = decodeHeader(buf);
  if (!isHeader(header)) return header;
  const kind = report.kind === 'segment' ? FileKind.Segment : FileKind.Snapshot;
  if (header.kind !== kind)
    return { problem: `file header says kind ${header.kind}, name says ${report.kind}`, unsupported: false };
  if (header.seq !== report.seq)
    return { problem: `file header says sequence ${header.seq}, name says ${report.seq}`, unsupported: false };
  return header;
}

/**
 * Reads a whole file past its damage: every record that verifies goes to `onRecord` (in order; the
 * object is reused), and every corrupt range to the state (which works out what it cost). A damaged
 * header costs no record: the records after it are read in the version they verify in.
 */
function* readFile(
  store: JournalStore,
  report: FileReport,
  state: ReplayState,
  onRecord: (r: DecodedRecord) => void,
): Generator<void, FileReport> {
  let buf: Buffer;
  try {
    report.size = store.size(report.name);
    buf = store.read(report.name, 0, report.size);
  } catch (err) {
    report.unreadable = `cannot read it (${describeError(err)})`;
    return report;
  }
  report.size = buf.length;
  const header = checkHeader(buf, report);
  let start: number;
  if (isHeader(header)) {
    report.header = header;
    report.version = header.version;
    start = header.bytes;
    if (header.nextId > 0) state.raiseNextId(header.nextId);
    if (report.kind === 'segment') state.segmentAtLeast(header.nextSerial);
  } else if (header.unsupported) {
    report.unreadable = header.problem;
    return report;
  } else {
    const guess = guessVersion(buf);
    report.version = guess.version;
    start = guess.start;
    // A file cut inside its header holds nothing: a segment being created when the server stopped.
    const torn = start >= buf.length && buf.length < HEADER_BYTES;
    report.damaged.push({ offset: 0, end: start, kind: torn ? 'torn' : 'corrupt', reason: header.problem, records: 0 });
  }
  report.validEnd = start;
  const where = (d: DamagedRange) => `${store.location}/${report.name} at offset ${d.offset}`;
  const result = yield* scanRecords(buf, start, report.version, onRecord, (d) => {
    report.damaged.push(d);
    if (d.kind === 'corrupt' && d.records !== 0) state.damaged(where(d), d.records);
  });
  report.records = result.records;
  report.validEnd = result.validEnd;
  report.damage = report.damaged[0] ?? null;
  return report;
}

/**
 * The format version and first record of a file whose header is damaged: where records verify after
 * a version 2 or a version 1 header, or where a scan finds them.
 */
function guessVersion(buf: Buffer): { version: number; start: number } {
  const names = new NameCache();
  const probe = new DecodedRecord();
  // The newest version reads every version 2 and 3 record too.
  for (const [version, start] of [
    [FORMAT_VERSION, HEADER_BYTES],
    [1, V1_HEADER_BYTES],
  ] as const) {
    if (buf.length > start && typeof decoderOf(version)(buf, start, buf.length, probe, names) === 'number')
      return { version, start };
  }
  for (const version of [FORMAT_VERSION, 1]) {
    let first = -1;
    const scan = scanRecords(
      buf,
      0,
      version,
      (r) => {
        if (first < 0) first = r.offset;
      },
      () => {},
    );
    while (first < 0 && !scan.next().done);
    if (first >= 0) return { version, start: first };
  }
  return { version: FORMAT_VERSION, start: buf.length };
}

/** The result of reading a data directory. */
export interface JournalRead {
  readonly state: ReplayState;
  /** Every file read, in order: the snapshot (if any), then the segments. */
  readonly files: FileReport[];
  /** Files present but not needed (older than the snapshot used, unfinished snapshots, bad snapshots). */
  readonly obsolete: string[];
  /** Originals of damaged files kept from earlier (`<name>.damaged`). */
  readonly kept: string[];
  /** Human-readable problems: damage (with file and offset), lost and missing records, and what they cost. */
  readonly warnings: string[];
  /** Files that could not be read at all: nothing can be restored safely until they can. */
  readonly unreadable: string[];
  /** True when something was lost or damaged (beyond a torn tail), so that startup writes a new snapshot. */
  readonly lossy: boolean;
  /** Sequence number of the newest segment (0 when there is none). */
  readonly lastSegment: number;
  /** The manifest (null when there is none or it is damaged). */
  readonly manifest: Manifest | null;
}

export interface ReadOptions {
  /** Called for every record, after it is applied to the state (`rq replay-journal --records`). */
  readonly onRecord?: (r: DecodedRecord, file: FileReport) => void;
}

/** Reads every journal file that matters in `store`, synchronously (startup and the CLI). */
export function readJournal(store: JournalStore, options: ReadOptions = {}): JournalRead {
  const reading = readingJournal(store, options);
  for (;;) {
    const step = reading.next();
    if (step.done) return step.value;
  }
}

/**
 * readJournal as steps: it yields every few thousand records, so that a caller can let its output
 * drain (`rq replay-journal --records` into a pipe).
 */
export function* readingJournal(store: JournalStore, options: ReadOptions = {}): Generator<void, JournalRead> {
  const plan = planDirectory(store.list());
  const warnings: string[] = [];
  const unreadable: string[] = [];
  const obsolete = [...plan.temporary];
  const files: FileReport[] = [];
  const at = (name: string) => `${store.location}/${name}`;
  let state = new ReplayState();
  let startSeq = 0;
  let lossy = false;

  // The newest snapshot that gives records. A damaged one still gives what verifies in it (the files
  // it replaced are gone, so an older snapshot would miss their changes: worse).
  let snapshot: FileReport | null = null;
  for (let i = plan.snapshots.length - 1; i >= 0; i--) {
    const snap = plan.snapshots[i];
    const candidate = new ReplayState();
    candidate.startChain(1, 0);
    candidate.reading(at(snap.name), 'snapshot');
    let ended = false;
    const seen: DecodedRecord[] = [];
    const report = yield* readFile(store, newReport(snap.name, 'snapshot', snap.seq), candidate, (r) => {
      if (r.type === RecordType.SnapshotEnd) ended = true;
      candidate.apply(r);
      if (options.onRecord) seen.push(Object.assign(new DecodedRecord(), r, { data: Buffer.from(r.data) }));
    });
    if (report.unreadable !== null) {
      unreadable.push(`${at(snap.name)}: ${report.unreadable}`);
      files.push(report);
      break;
    }
    if (report.records === 0 && report.header === null) {
      warnings.push(
        `${at(snap.name)}: not a usable snapshot (${report.damaged[0]?.reason ?? 'no records'}); using an older state`,
      );
      obsolete.push(snap.name);
      lossy = true;
      continue;
    }
    if (!ended && !report.damaged.some((d) => d.kind === 'corrupt')) {
      const cut = report.damaged[0]?.offset ?? report.validEnd;
      warnings.push(
        `${at(snap.name)}: snapshot has no snapshot_end record (it ends at offset ${cut}); its ${report.records} records are used`,
      );
      lossy = true;
    }
    candidate.snapshotRead(report.version, report.header?.nextSerial ?? null);
    state = candidate;
    startSeq = snap.seq;
    snapshot = report;
    files.push(report);
    for (const r of seen) options.onRecord!(r, report);
    obsolete.push(...plan.snapshots.slice(0, i).map((s) => s.name));
    break;
  }
  if (snapshot === null) state.startChain(1, 0);

  let previous: FileReport | null = snapshot;
  for (const seg of plan.segments) {
    if (seg.seq < startSeq) {
      obsolete.push(seg.name);
      continue;
    }
    const onRecord = options.onRecord;
    const report = newReport(seg.name, 'segment', seg.seq);
    state.reading(at(seg.name), 'segment');
    yield* readFile(store, report, state, onRecord ? (r) => (state.apply(r), onRecord(r, report)) : (r) => state.apply(r));
    files.push(report);
    if (report.unreadable !== null) {
      unreadable.push(`${at(seg.name)}: ${report.unreadable}`);
      continue;
    }
    // Version 1 has no serials: a gap in segment numbers is all a reader can see.
    if (
      report.version === 1 &&
      previous !== null &&
      previous.kind === 'segment' &&
      previous.version === 1 &&
      seg.seq > previous.seq + 1
    ) {
      warnings.push(
        `${store.location}: segments ${previous.seq + 1}…${seg.seq - 1} are absent; if they held changes, those are lost ` +
          '(rq 0.1 also left such gaps after restarts without changes)',
      );
      lossy = true;
    }
    previous = report;
  }
  const lastSegment = plan.segments.length > 0 ? plan.segments[plan.segments.length - 1].seq : 0;

  const manifest = readManifest(store);
  const hasV2 = files.some((f) => f.version >= 2 && (f.records > 0 || f.kind === 'snapshot'));
  if (typeof manifest === 'string') {
    warnings.push(`${at('MANIFEST')}: damaged (${manifest}); missing newest segments cannot be detected`);
  } else if (manifest === null) {
    if (hasV2) warnings.push(`${at('MANIFEST')}: missing; missing newest segments cannot be detected`);
  } else {
    state.raiseNextId(manifest.nextId);
    if (manifest.newest >= startSeq && !plan.segments.some((s) => s.seq === manifest.newest)) {
      const first = Math.max(startSeq, lastSegment + 1);
      const which =
        first < manifest.newest
          ? `${at(segmentName(first))}…${segmentName(manifest.newest)} are`
          : `${at(segmentName(manifest.newest))} is`;
      warnings.push(
        `${which} missing (the manifest names ${segmentName(manifest.newest)} as the newest segment): the changes it held are lost`,
      );
      lossy = true;
    }
  }

  state.finish();
  for (const f of files) {
    for (const d of f.damaged) {
      if (d.kind === 'corrupt') lossy = true;
      warnings.push(describeDamage(store.location, f, d));
    }
  }
  for (const loss of state.losses) {
    lossy = true;
    warnings.push(describeLoss(loss));
  }
  const offHead = state.anomalies.firstRunOffHead;
  if (offHead !== null) {
    const n = state.anomalies.runsOffHead;
    warnings.push(
      `${offHead.where}: ${n === 1 ? 'a reserved_run record' : `${n} reserved_run records (the first here)`} did not start ` +
        `at the head of its queue (${offHead.queue}, item ${offHead.id}): reserved by id from there; the order of the items ` +
        'it restores may differ from what the server had',
    );
  }
  return {
    state,
    files,
    obsolete,
    kept: plan.kept,
    warnings,
    unreadable,
    lossy,
    lastSegment,
    manifest: typeof manifest === 'string' ? null : manifest,
  };
}

/** One line for a damaged range. */
function describeDamage(location: string, f: FileReport, d: DamagedRange): string {
  const where = `${location}/${f.name}`;
  if (d.offset === 0 && d.end <= HEADER_BYTES && d.records === 0 && f.records > 0) {
    return `${where}: damaged header (${d.reason}); the ${f.records} records after it verify and are used`;
  }
  const what = `${d.kind} record at offset ${d.offset} (${d.reason})`;
  if (d.kind === 'torn')
    return `${where}: ${what}; ${f.size - d.offset} bytes after the last good record are ignored (an interrupted write)`;
  if (d.records === 0) return `${where}: ${what}`;
  const span = d.end >= f.size ? 'to the end of the file' : `${d.end - d.offset} bytes, to offset ${d.end}`;
  return `${where}: ${what}; skipped ${span}`;
}

/** One line for lost records: how many, and what they may cost. */
function describeLoss(loss: Loss): string {
  const parts: string[] = [];
  const serials =
    loss.firstSerial !== null && loss.records !== null
      ? loss.records === 1
        ? ` (serial ${loss.firstSerial})`
        : ` (serials ${loss.firstSerial}…${(loss.firstSerial + loss.records - 1) >>> 0})`
      : '';
  parts.push(
    loss.records === null
      ? 'records lost (how many is unknown)'
      : `${loss.records} record${loss.records === 1 ? '' : 's'} lost${serials}`,
  );
  if (loss.endings === 0)
    parts.push('none of them ended an item (no ack, expiry, flush or drop): at most the items they enqueued are lost with them');
  if (loss.recovered !== null && loss.recoveredItems > 1)
    parts.push(
      `the acks of ${loss.recoveredItems} items up to ${loss.recovered} (an acked_run) were among them and are applied: those items stay gone`,
    );
  else if (loss.recovered !== null)
    parts.push(`the ack or expiry of item ${loss.recovered} was among them and is applied: that item stays gone`);
  if (loss.lostFlush) parts.push('a flush or a queue removal was among them: the items it removed are back');
  if (loss.endings !== null && loss.endings > 1 && loss.recoveredItems <= 1)
    parts.push(`${loss.endings} of them ended items; only the newest is known`);
  if (loss.suspects.length > 0) {
    const shown =
      loss.suspects.slice(0, 10).join(', ') + (loss.suspects.length > 10 ? `, … (${loss.suspects.length} in all)` : '');
    const one = loss.suspects.length === 1;
    parts.push(
      `WARNING: ${one ? 'item' : 'items'} ${shown} ${one ? 'was' : 'were'} open before the loss and ${one ? 'is' : 'are'} restored: ` +
        'if the lost records held an ack, it may have been acknowledged already and is delivered again',
    );
  }
  return `${loss.where}: ${parts.join('; ')}`;
}

function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code !== undefined ? `${e.code}: ${e.message.replace(/^\w+: /, '')}` : String(err);
}
