/**
 * Startup restore: reads the journal of a data directory (reader.ts), repairs what a restart must
 * (repair.ts: damaged originals kept, torn tails cut, obsolete files removed) and rebuilds the
 * engine's state from it. Items that were open come back at the head, expired items are dropped, ids
 * never go back. The journal then goes on writing after what this found (journal.ts), and when
 * something was lost or damaged it writes the restored state as a new snapshot at once, so that the
 * damage is reported once and the next restart reads a sound journal.
 */
import type { Item } from '../queue/types.js';
import type { ChainPosition } from './encoder.js';
import { readJournal } from './reader.js';
import type { ReplayState } from './replay-state.js';
import { repairJournal } from './repair.js';
import type { JournalStore } from './store.js';

/**
 * What the journal restores into and snapshots from: the queue engine (structurally; the journal knows
 * only the queue's types).
 */
export interface RestoreTarget {
  restore(name: string, item: Item): void;
  restoreDelayed(name: string, item: Item, dueAt: number): void;
  restoreFanout(name: string): void;
  advanceNextId(next: number): void;
  /** Moves the bound on ids a block ahead, for the journal to record: returns it. */
  raiseIdCeiling(): number;
  restoreFlushAll(at: number): void;
  /** Runs what is due by `now` (a delayed flush_all that fell due while the server was down). */
  tick(now: number): void;
  readonly nextId: number;
  /** Every id issued so far, and every id issued before the next nextId change, is below it. */
  readonly idCeiling: number;
  /** A pending delayed flush_all's time, or 0. */
  readonly flushAllDue: number;
  totals(): { readonly items: number; readonly bytes: number };
  queueNames(): string[];
  /** Per queue holding items: its name, items held, their data bytes, how many are open and delayed. */
  forEachHeld(fn: (name: string, items: number, bytes: number, open: number, delayed: number) => void): void;
  readyItems(name: string): Iterable<Item>;
  openItems(name: string): Item[];
  delayedItems(name: string): Array<{ item: Item; dueAt: number }>;
  isFanout(name: string): boolean;
}

export interface RestoreReport {
  readonly items: number;
  readonly bytes: number;
  readonly queues: number;
  readonly expired: number;
  readonly records: number;
  readonly warnings: string[];
  readonly ms: number;
}

/** A closed segment: written to no more, waiting to be folded into a snapshot. */
export interface ClosedSegment {
  readonly seq: number;
  readonly name: string;
  readonly bytes: number;
}

/** What restoring found on disk, for the journal to go on from. */
export interface Restored {
  readonly report: Omit<RestoreReport, 'ms'>;
  readonly snapshot: { readonly seq: number; readonly bytes: number } | null;
  readonly closedSegments: ClosedSegment[];
  /** Segments that hold no record (restarts without changes): removable once a newer one exists. */
  readonly emptySegments: string[];
  /** The number the next segment must be above: the newest segment found or named by the manifest. */
  readonly newestSegment: number;
  /** Where the records of the next segment go on. */
  readonly chain: ChainPosition;
  /** Something was lost or damaged: the restored state is to become a new snapshot at once. */
  readonly heal: boolean;
  /** A delayed flush_all still to come (0: none). */
  readonly flushAllAt: number;
  /** Bytes of journal files read. */
  readonly bytesRead: number;
  /** The state the files describe, as read: a compaction due at startup writes it rather than read the files again. */
  readonly state: ReplayState;
  /**
   * What the restore changed, as records for the new segment: items open at the end go back to the
   * head (released, the last of them first), expired ones are dropped (expired). With them the
   * journal holds the engine's order from the start of the new segment, which reserved_run relies on.
   */
  readonly restartRecords: RestartRecord[];
}

export interface RestartRecord {
  readonly queue: string;
  readonly id: number;
  readonly expired: boolean;
}

/** A journal file cannot be read at all: restoring without it could lose its changes for good. */
export class JournalUnreadableError extends Error {}

/** Replays the journal in `store` into `target`, warning about what is damaged or lost (and repairing it). */
export function restoreJournal(store: JournalStore, target: RestoreTarget, now: number, warn: (line: string) => void): Restored {
  const read = readJournal(store);
  if (read.unreadable.length > 0) {
    throw new JournalUnreadableError(
      `${read.unreadable.join('; ')}: nothing is restored or changed until it can be read ` +
        '(or moved out of the data directory, accepting the loss of what it holds)',
    );
  }
  for (const w of read.warnings) warn(w);
  for (const line of repairJournal(store, read)) if (!line.endsWith('(not needed)')) warn(line);

  let items = 0,
    bytes = 0,
    expired = 0,
    queues = 0;
  const restartRecords: RestartRecord[] = [];
  for (const [name, q] of read.state.queues) {
    let restored = 0;
    const reopened: number[] = [];
    q.forEach((item, open, dueAt) => {
      if (item.expiresAt !== 0 && item.expiresAt <= now) {
        expired++;
        restartRecords.push({ queue: name, id: item.id, expired: true });
        return;
      }
      if (open) reopened.push(item.id);
      if (dueAt > 0) target.restoreDelayed(name, item, dueAt);
      else target.restore(name, item);
      restored++;
      bytes += item.data.length;
    });
    items += restored;
    if (restored > 0) queues++;
    for (let i = reopened.length - 1; i >= 0; i--) restartRecords.push({ queue: name, id: reopened[i], expired: false });
  }
  for (const name of read.state.fanouts) target.restoreFanout(name);
  target.advanceNextId(read.state.nextId);
  if (read.state.flushAllAt !== 0) target.restoreFlushAll(read.state.flushAllAt);

  const present = new Set(store.list());
  const snap = read.files.find((f) => f.kind === 'snapshot');
  const segments = read.files.filter((f) => f.kind === 'segment' && present.has(f.name));
  const isEmpty = (f: (typeof segments)[number]) =>
    f.damaged.length === 0 && (f.version === 1 ? f.records <= 1 : f.records === 0);
  return {
    report: { items, bytes, queues, expired, records: read.state.records, warnings: read.warnings },
    snapshot: snap ? { seq: snap.seq, bytes: snap.size } : null,
    closedSegments: segments.map((f) => ({ seq: f.seq, name: f.name, bytes: f.size })),
    emptySegments: segments.filter(isEmpty).map((f) => f.name),
    newestSegment: Math.max(read.lastSegment, read.manifest?.newest ?? 0),
    chain: read.state.chainPosition(),
    heal: read.lossy,
    flushAllAt: read.state.flushAllAt,
    bytesRead: read.files.reduce((sum, f) => sum + f.size, 0),
    state: read.state,
    restartRecords,
  };
}
