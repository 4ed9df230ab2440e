/**
 * Names of the files in a data directory (docs/journal-format.md: the data directory):
 *   journal.<seq>            a segment of the log, appended to while it is the newest
 *   snapshot.<seq>           the state before segment <seq>: replay starts from the newest snapshot
 *   MANIFEST                 the newest segment (which must be there) and how far ids went
 *   *.tmp                    a snapshot or manifest being written; never read, removed at startup
 *   <name>.damaged[.<n>]     the original of a file found damaged; never read, never removed
 *   LOCK                     held by the running server
 * <seq> is a decimal number of 10 digits, so that names sort in order.
 */
export const SEGMENT_PREFIX = 'journal.';
export const SNAPSHOT_PREFIX = 'snapshot.';
export const MANIFEST_FILE = 'MANIFEST';
export const TEMP_SUFFIX = '.tmp';
export const DAMAGED_SUFFIX = '.damaged';
export const LOCK_FILE = 'LOCK';

export function segmentName(seq: number): string {
  return SEGMENT_PREFIX + String(seq).padStart(10, '0');
}

export function snapshotName(seq: number): string {
  return SNAPSHOT_PREFIX + String(seq).padStart(10, '0');
}

/** The name the original of damaged file `name` is kept under: the first of name.damaged, name.damaged.2, … not in `taken`. */
export function damagedName(name: string, taken: readonly string[]): string {
  let n = 1;
  const nth = () => name + DAMAGED_SUFFIX + (n === 1 ? '' : `.${n}`);
  while (taken.includes(nth())) n++;
  return nth();
}

/** The files of a directory listing that the journal owns, by kind, ordered by sequence number. */
export interface DirectoryPlan {
  readonly segments: Array<{ seq: number; name: string }>;
  readonly snapshots: Array<{ seq: number; name: string }>;
  /** Unfinished snapshots and manifests (interrupted by a crash). */
  readonly temporary: string[];
  /** Originals of damaged files, kept for inspection. */
  readonly kept: string[];
  readonly manifest: boolean;
}

export function planDirectory(names: readonly string[]): DirectoryPlan {
  const segments: Array<{ seq: number; name: string }> = [];
  const snapshots: Array<{ seq: number; name: string }> = [];
  const temporary: string[] = [];
  const kept: string[] = [];
  for (const name of names) {
    const ours = name.startsWith(SNAPSHOT_PREFIX) || name.startsWith(SEGMENT_PREFIX) || name.startsWith(MANIFEST_FILE);
    if (ours && name.endsWith(TEMP_SUFFIX)) {
      temporary.push(name);
      continue;
    }
    if (ours && /\.damaged(\.\d+)?$/.test(name)) {
      kept.push(name);
      continue;
    }
    const seg = parseSeq(name, SEGMENT_PREFIX);
    if (seg !== null) segments.push({ seq: seg, name });
    const snap = parseSeq(name, SNAPSHOT_PREFIX);
    if (snap !== null) snapshots.push({ seq: snap, name });
  }
  segments.sort((a, b) => a.seq - b.seq);
  snapshots.sort((a, b) => a.seq - b.seq);
  kept.sort();
  return { segments, snapshots, temporary, kept, manifest: names.includes(MANIFEST_FILE) };
}

function parseSeq(name: string, prefix: string): number | null {
  if (!name.startsWith(prefix)) return null;
  const digits = name.slice(prefix.length);
  return /^\d{10}$/.test(digits) ? Number(digits) : null;
}
