/**
 * `rq replay-journal`: what a restart would restore from a data directory, read with the server's own
 * reader (journal/reader.ts) and never written to unless --repair is given. Builds the report; the
 * command module prints it.
 */
import { Compaction, type CapturedState, type SnapshotItem } from '../../journal/compactor.js';
import type { DecodedRecord } from '../../journal/decoder.js';
import { FileStore } from '../../journal/file-store.js';
import { RECORD_NAMES, RecordType } from '../../journal/format.js';
import { lockDataDir } from '../../journal/lock.js';
import { writeManifest } from '../../journal/manifest.js';
import { readingJournal, type FileReport, type JournalRead } from '../../journal/reader.js';
import { repairJournal } from '../../journal/repair.js';
import type { JournalStore } from '../../journal/store.js';

export interface QueueReport {
  readonly name: string;
  /** Items a restart restores (ready + open), not counting expired ones. */
  readonly items: number;
  /** Of which were open (reserved) when the journal ended: they come back at the head. */
  readonly open: number;
  readonly bytes: number;
  /** Age of the oldest restored item, in ms (0 when empty): the `age_ms` its queue will show. */
  readonly ageMs: number;
  readonly expired: number;
}

export interface JournalReport {
  readonly dataDir: string;
  readonly queues: QueueReport[];
  readonly nextId: number;
  readonly records: number;
  readonly files: Array<Pick<FileReport, 'name' | 'kind' | 'size' | 'records' | 'validEnd'> & { damage: string | null }>;
  readonly warnings: string[];
  /** Journal files that could not be read at all: the report misses what they hold. */
  readonly unreadable: string[];
  /** Originals of damaged files kept from earlier repairs (`<name>.damaged`). */
  readonly kept: string[];
  /** A delayed flush_all still to come (unix ms), or 0. */
  readonly flushAllAt: number;
  /** True when no file is damaged or unreadable and no segment is missing. */
  readonly intact: boolean;
  /** With --repair: what was cut, kept, written or removed. */
  readonly repaired: string[];
}

export interface RecordLine {
  readonly file: string;
  readonly offset: number;
  readonly type: string;
  readonly queue?: string;
  readonly id?: number;
  readonly flags?: number;
  readonly expiresAt?: number;
  readonly enqueuedAt?: number;
  readonly bytes?: number;
  readonly next?: number;
  readonly items?: number;
  /** flush_all: when every queue is flushed (0: no longer pending). */
  readonly at?: number;
  /** reserved_run: how many head items it reserved (from `id`); acked_run: how many items it acknowledged (`id` and the ids after it); deliveries: the item's delivery count. */
  readonly count?: number;
  /** The record's serial (format version 2). */
  readonly serial?: number;
}

export interface ReportOptions {
  /** Called for every record read, in order. */
  readonly onRecord?: (line: RecordLine) => void;
  /** Called every few thousand records: the caller lets its output drain before reading on. */
  readonly pause?: () => Promise<void> | null;
  /** Repair as startup would, under the data dir's lock. */
  readonly repair?: boolean;
}

/**
 * Reads `dataDir` and reports what a restart would restore. With `repair`, then does what a restart
 * does to a damaged journal (under the data dir's lock): keeps damaged originals, cuts torn tails,
 * writes what it read as a new snapshot when something was lost or damaged, removes the files that
 * snapshot replaces and rewrites the manifest; it lists each change.
 */
export async function reportJournal(dataDir: string, now: number, options: ReportOptions = {}): Promise<JournalReport> {
  const store = new FileStore(dataDir);
  const onRecord = options.onRecord;
  const reading = readingJournal(store, onRecord ? { onRecord: (r, f) => onRecord(recordLine(r, f)) } : {});
  let read: JournalRead;
  for (;;) {
    const step = reading.next();
    if (step.done) {
      read = step.value;
      break;
    }
    const paused = options.pause?.();
    if (paused) await paused;
  }
  const repaired: string[] = [];
  if (options.repair === true && read.unreadable.length === 0) {
    const lock = lockDataDir(dataDir);
    try {
      repaired.push(...(await repair(store, read, now)));
    } finally {
      lock.release();
    }
  }
  const queues: QueueReport[] = [];
  for (const [name, q] of read.state.queues) {
    let items = 0,
      open = 0,
      bytes = 0,
      expired = 0,
      oldest = Infinity;
    q.forEach((item, isOpen) => {
      if (item.expiresAt !== 0 && item.expiresAt <= now) {
        expired++;
        return;
      }
      items++;
      if (isOpen) open++;
      bytes += item.data.length;
      if (item.enqueuedAt < oldest) oldest = item.enqueuedAt;
    });
    if (items === 0 && expired === 0) continue; // an emptied queue: a restart does not bring it back
    queues.push({ name, items, open, bytes, expired, ageMs: items === 0 ? 0 : Math.max(0, now - oldest) });
  }
  queues.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files = read.files.map((f) => ({
    name: f.name,
    kind: f.kind,
    size: f.size,
    records: f.records,
    validEnd: f.validEnd,
    damage:
      f.unreadable ?? (f.damage === null ? null : `${f.damage.kind} record at offset ${f.damage.offset}: ${f.damage.reason}`),
  }));
  const intact = read.warnings.length === 0 && read.unreadable.length === 0;
  return {
    dataDir,
    queues,
    nextId: read.state.nextId,
    records: read.state.records,
    files,
    warnings: read.warnings,
    unreadable: read.unreadable,
    kept: read.kept,
    flushAllAt: read.state.flushAllAt,
    intact,
    repaired,
  };
}

/**
 * What startup does to a journal it read (journal/repair.ts, then a new snapshot when something was
 * lost or damaged, then the manifest); returns one line per change.
 */
async function repair(store: JournalStore, read: JournalRead, now: number): Promise<string[]> {
  const done = repairJournal(store, read);
  const newest = Math.max(read.lastSegment, read.manifest?.newest ?? 0);
  const nextId = read.state.nextId;
  if (!read.lossy) {
    if (read.warnings.length > 0) {
      writeManifest(store, { newest, nextId });
      done.push(`${store.location}/MANIFEST: written (the newest segment is ${newest})`);
    }
    return done;
  }
  // The state as read becomes snapshot.<newest + 1>, which replaces every file before it.
  const items: SnapshotItem[] = [];
  for (const [queue, q] of read.state.queues)
    for (const { item, open, dueAt } of q.snapshotOrder()) items.push({ queue, item, open, dueAt });
  const captured: CapturedState = {
    nextId,
    chain: read.state.chainPosition(),
    flushAllAt: read.state.flushAllAt,
    items,
    fanouts: [...read.state.fanouts],
  };
  const snapshot = read.files.find((f) => f.kind === 'snapshot');
  const segments = read.files.filter((f) => f.kind === 'segment' && store.list().includes(f.name)).map((f) => f.seq);
  const target = newest + 1;
  const result = await new Compaction(store, {
    snapshotSeq: snapshot?.seq ?? null,
    segments,
    targetSeq: target,
    sliceBytes: 4 << 20,
    now,
    captured,
  }).finished;
  if (result.kind !== 'done')
    throw new Error(`cannot write a new snapshot: ${result.kind === 'failed' ? result.reason : 'cancelled'}`);
  done.push(
    `${store.location}/snapshot.${String(target).padStart(10, '0')}: written with the ${items.length} items read; it replaces the files before it`,
  );
  writeManifest(store, { newest: target - 1, nextId });
  return done;
}

function recordLine(r: DecodedRecord, f: FileReport): RecordLine {
  const base = { file: f.name, offset: r.offset, type: RECORD_NAMES[r.type], ...(r.serial >= 0 ? { serial: r.serial } : {}) };
  switch (r.type) {
    case RecordType.FlushAll:
      return { ...base, at: r.id };
    case RecordType.Enqueued:
      return {
        ...base,
        queue: r.queue,
        id: r.id,
        flags: r.flags,
        expiresAt: r.expiresAt,
        enqueuedAt: r.enqueuedAt,
        bytes: r.data.length,
      };
    case RecordType.NextId:
      return { ...base, next: r.id };
    case RecordType.SnapshotEnd:
      return { ...base, items: r.id };
    case RecordType.Flushed:
    case RecordType.Dropped:
      return { ...base, queue: r.queue };
    case RecordType.ReservedRun:
    case RecordType.AckedRun:
    case RecordType.Deliveries:
      return { ...base, queue: r.queue, id: r.id, count: r.count };
    default:
      return { ...base, queue: r.queue, id: r.id };
  }
}

/** One record as one line of text: `file@offset type key=value…`. */
export function formatRecordLine(l: RecordLine): string {
  const { file, offset, type, ...rest } = l;
  const fields = Object.entries(rest).map(([k, v]) => `${k}=${k === 'queue' ? JSON.stringify(v) : v}`);
  return [`${file}@${offset}`, type, ...fields].join(' ');
}

/** The report as text for people. */
export function formatReport(r: JournalReport): string {
  const lines: string[] = [];
  if (r.queues.length === 0) lines.push(`${r.dataDir}: no items would be restored`);
  else {
    lines.push('queue\titems\topen\tbytes\toldest_age_s\texpired');
    for (const q of r.queues) lines.push([q.name, q.items, q.open, q.bytes, (q.ageMs / 1000).toFixed(1), q.expired].join('\t'));
  }
  lines.push(
    `next id ${r.nextId}; ${r.records} records in ${r.files.length} files (${r.files.map((f) => f.name).join(', ') || 'none'})`,
  );
  if (r.flushAllAt !== 0) lines.push(`a flush_all is pending: every queue is flushed at ${new Date(r.flushAllAt).toISOString()}`);
  for (const u of r.unreadable) lines.push(`error: ${u}`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  for (const k of r.kept) lines.push(`kept: ${k} (the original of a file found damaged earlier; not read)`);
  for (const c of r.repaired) lines.push(`repaired: ${c}`);
  lines.push(
    r.unreadable.length > 0
      ? 'journal UNREADABLE (see errors): this report misses what those files hold'
      : r.intact
        ? 'journal intact'
        : 'journal DAMAGED (see warnings)',
  );
  return lines.join('\n') + '\n';
}
