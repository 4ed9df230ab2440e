/**
 * Builds the engine with its journal for `rq serve`: locks the data directory, replays the journal
 * into a new engine, and hands the server what it needs from the journal (durability, refusals while
 * the disk fails, stats, clean close). With `--no-journal` the engine lives in memory only.
 */
import { FileStore } from '../journal/file-store.js';
import { Journal, type JournalOptions, type RestoreReport } from '../journal/journal.js';
import { lockDataDir } from '../journal/lock.js';
import type { JournalStore } from '../journal/store.js';
import { QueueEngine } from '../queue/engine.js';
import type { QueueLimits } from '../queue/limits.js';
import { IMMEDIATE, type Durability } from './durability.js';

/** What the server asks of its persistence: functions (not methods), which the server passes around unbound. */
export interface Persistence {
  readonly durability: Durability;
  /** Why changes are refused now (disk fault), or null. */
  readonly writeRefusal: () => string | null;
  /** Extra `stats` pairs. */
  readonly stats: () => Array<[string, string | number]>;
  /** Writes and syncs what is pending, releases the data directory. */
  readonly close: () => Promise<void>;
}

export const MEMORY_ONLY: Persistence = {
  durability: IMMEDIATE,
  writeRefusal: () => null,
  stats: () => [['journal_fsync', 'off']],
  close: async () => {},
};

/** What a server serves: an engine, and the persistence that keeps its changes. */
export interface Backing {
  readonly engine: QueueEngine;
  readonly persistence: Persistence;
}

/** An engine with these limits that keeps its queues in memory only (`--no-journal`). */
export function memoryOnly(limits: QueueLimits): Backing {
  return { engine: new QueueEngine(limits), persistence: MEMORY_ONLY };
}

/** An engine restored from its journal at start-up, with the journal and what the restore found. */
export interface Restored extends Backing {
  /** The journal (null with --no-journal). */
  readonly journal: Journal | null;
  readonly report: RestoreReport | null;
}

/**
 * Restores the journal in `store` (a FileStore on the data dir unless a test passes another) into
 * a new engine, which then writes its changes to that journal.
 */
export function restoreFromStore(limits: QueueLimits, store: JournalStore, options: JournalOptions, now = Date.now()): Restored {
  const journal = new Journal(store, options);
  const engine = new QueueEngine(limits, journal);
  const report = journal.restore(engine, now);
  return {
    engine,
    journal,
    report,
    persistence: {
      durability: journal,
      writeRefusal: () => journal.refusal(),
      stats: () => journal.stats(),
      close: async () => {
        await journal.close();
      },
    },
  };
}

/** `rq serve`: locks `dataDir` (throws DataDirLockedError if another rq has it) and restores its journal. */
export function restoreDataDir(dataDir: string, limits: QueueLimits, options: JournalOptions): Restored {
  const lock = lockDataDir(dataDir);
  try {
    const restored = restoreFromStore(limits, new FileStore(dataDir), options);
    const close = restored.persistence.close;
    return {
      ...restored,
      persistence: {
        ...restored.persistence,
        close: async () => {
          try {
            await close();
          } finally {
            lock.release();
          }
        },
      },
    };
  } catch (err) {
    lock.release();
    throw err;
  }
}
