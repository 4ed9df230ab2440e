/**
 * `rq replay-journal`: what a restart would restore from a data directory, read with the server's own
 * reader (journal/reader.ts) and never written to. Builds the report; the command module prints it.
 */
import type { DecodedRecord } from '../../journal/decoder.js';
import { FileStore } from '../../journal/file-store.js';
import { RECORD_NAMES, RecordType } from '../../journal/format.js';
import { lockDataDir } from '../../journal/lock.js';
import { readJournal, type FileReport } from '../../journal/reader.js';
import { cutDamage } from '../../journal/repair.js';

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
  /** True when no file is damaged and no segment is missing. */
  readonly intact: boolean;
  /** With --repair: what was cut or removed. */
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
}

/**
 * Reads `dataDir`; calls onRecord for every record read, in order, when given. With `repair`, then
 * cuts the damage as startup would (under the data dir's lock) and lists what it changed.
 */
export function reportJournal(dataDir: string, now: number, onRecord?: (line: RecordLine) => void, repair = false): JournalReport {
  const store = new FileStore(dataDir);
  const read = readJournal(store, onRecord ? { onRecord: (r, f) => onRecord(recordLine(r, f)) } : {});
  const repaired: string[] = [];
  if (repair) {
    const lock = lockDataDir(dataDir);
    try {
      repaired.push(...cutDamage(store, read));
    } finally {
      lock.release();
    }
  }
  const queues: QueueReport[] = [];
  for (const [name, q] of read.state.queues) {
    let items = 0, open = 0, bytes = 0, expired = 0, oldest = Infinity;
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
    name: f.name, kind: f.kind, size: f.size, records: f.records, validEnd: f.validEnd,
    damage: f.damage === null ? null : `${f.damage.kind} record at offset ${f.damage.offset}: ${f.damage.reason}`,
  }));
  const intact = read.warnings.length === 0;
  return { dataDir, queues, nextId: read.state.nextId, records: read.state.records, files, warnings: read.warnings, intact, repaired };
}

function recordLine(r: DecodedRecord, f: FileReport): RecordLine {
  const base = { file: f.name, offset: r.offset, type: RECORD_NAMES[r.type] };
  switch (r.type) {
    case RecordType.Enqueued:
      return { ...base, queue: r.queue, id: r.id, flags: r.flags, expiresAt: r.expiresAt, enqueuedAt: r.enqueuedAt, bytes: r.data.length };
    case RecordType.NextId:
      return { ...base, next: r.id };
    case RecordType.SnapshotEnd:
      return { ...base, items: r.id };
    case RecordType.Flushed:
    case RecordType.Dropped:
      return { ...base, queue: r.queue };
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
  lines.push(`next id ${r.nextId}; ${r.records} records in ${r.files.length} files (${r.files.map((f) => f.name).join(', ') || 'none'})`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  for (const c of r.repaired) lines.push(`repaired: ${c}`);
  lines.push(r.intact ? 'journal intact' : 'journal DAMAGED (see warnings)');
  return lines.join('\n') + '\n';
}
