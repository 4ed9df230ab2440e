/**
 * Startup restore: reads the journal of a data directory (reader.ts), cuts what is damaged
 * (repair.ts) and rebuilds the engine's state from it. Items that were open come back at the head,
 * expired items are dropped, ids keep growing. The journal then goes on writing after what this
 * found (journal.ts).
 */
import type { Item } from '../queue/types.js';
import { HEADER_BYTES } from './format.js';
import { readJournal } from './reader.js';
import { cutDamage } from './repair.js';
import type { JournalStore } from './store.js';

/**
 * What the journal restores into and snapshots from: the queue engine (structurally; the journal knows
 * only the queue's types).
 */
export interface RestoreTarget {
  restore(name: string, item: Item): void;
  advanceNextId(next: number): void;
  readonly nextId: number;
  totals(): { readonly items: number; readonly bytes: number };
  queueNames(): string[];
  readyItems(name: string): Iterable<Item>;
  openItems(name: string): Item[];
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
  /** Segments that hold nothing but their head (restarts without changes): removable once a newer one exists. */
  readonly emptySegments: string[];
  /** Sequence number of the newest segment (0 when there is none). */
  readonly lastSegment: number;
}

/** Replays the journal in `store` into `target`, warning about damage (and cutting it). */
export function restoreJournal(store: JournalStore, target: RestoreTarget, now: number, warn: (line: string) => void): Restored {
  const read = readJournal(store);
  for (const w of read.warnings) warn(w);
  for (const line of cutDamage(store, read)) if (!line.endsWith('(not needed)')) warn(line);

  let items = 0, bytes = 0, expired = 0, queues = 0;
  for (const [name, q] of read.state.queues) {
    let restored = 0;
    q.forEach((item) => {
      if (item.expiresAt !== 0 && item.expiresAt <= now) {
        expired++;
        return;
      }
      target.restore(name, item);
      restored++;
      bytes += item.data.length;
    });
    items += restored;
    if (restored > 0) queues++;
  }
  target.advanceNextId(read.state.nextId);

  const snap = read.files.find((f) => f.kind === 'snapshot');
  const closedSegments = read.files
    .filter((f) => f.kind === 'segment' && (f.damage === null || f.validEnd >= HEADER_BYTES))
    .map((f) => ({ seq: f.seq, name: f.name, bytes: f.size }));
  const emptySegments = read.files.filter((f) => f.kind === 'segment' && f.records <= 1 && f.damage === null).map((f) => f.name);
  return {
    report: { items, bytes, queues, expired, records: read.state.records, warnings: read.warnings },
    snapshot: snap ? { seq: snap.seq, bytes: snap.size } : null,
    closedSegments,
    emptySegments,
    lastSegment: read.lastSegment,
  };
}
