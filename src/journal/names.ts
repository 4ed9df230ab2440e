/**
 * Names of the files in a data directory (docs/journal-format.md: the data directory):
 *   journal.<seq>   a segment of the log, appended to while it is the newest
 *   snapshot.<seq>  the state before segment <seq>: replay starts from the newest snapshot
 *   *.tmp           a snapshot being written; never read, removed at startup
 *   LOCK            held by the running server
 * <seq> is a decimal number of 10 digits, so that names sort in order.
 */
export const SEGMENT_PREFIX = 'journal.';
export const SNAPSHOT_PREFIX = 'snapshot.';
export const TEMP_SUFFIX = '.tmp';
export const LOCK_FILE = 'LOCK';

export function segmentName(seq: number): string {
  return SEGMENT_PREFIX + String(seq).padStart(10, '0');
}

export function snapshotName(seq: number): string {
  return SNAPSHOT_PREFIX + String(seq).padStart(10, '0');
}

/** The files of a directory listing that the journal owns, by kind, ordered by sequence number. */
export interface DirectoryPlan {
  readonly segments: Array<{ seq: number; name: string }>;
  readonly snapshots: Array<{ seq: number; name: string }>;
  /** Unfinished snapshots (a compaction interrupted by a crash). */
  readonly temporary: string[];
}

export function planDirectory(names: readonly string[]): DirectoryPlan {
  const segments: Array<{ seq: number; name: string }> = [];
  const snapshots: Array<{ seq: number; name: string }> = [];
  const temporary: string[] = [];
  for (const name of names) {
    if (name.endsWith(TEMP_SUFFIX) && (name.startsWith(SNAPSHOT_PREFIX) || name.startsWith(SEGMENT_PREFIX))) {
      temporary.push(name);
      continue;
    }
    const seg = parseSeq(name, SEGMENT_PREFIX);
    if (seg !== null) segments.push({ seq: seg, name });
    const snap = parseSeq(name, SNAPSHOT_PREFIX);
    if (snap !== null) snapshots.push({ seq: snap, name });
  }
  segments.sort((a, b) => a.seq - b.seq);
  snapshots.sort((a, b) => a.seq - b.seq);
  return { segments, snapshots, temporary };
}

function parseSeq(name: string, prefix: string): number | null {
  if (!name.startsWith(prefix)) return null;
  const digits = name.slice(prefix.length);
  return /^\d{10}$/.test(digits) ? Number(digits) : null;
}
