/**
 * Builds the engine with its journal for `rq serve`: locks the data directory, replays the journal
 * into a new engine, and hands the server what it needs from the journal (durability, refusals while
 * the disk fails, stats, clean close). With `--no-journal` the engine lives in memory only.
 */
import { FileStore } from '../journal/file-store.js';
import { Journal, type JournalOptions, type OpenReport } from '../journal/journal.js';
import { lockDataDir } from '../journal/lock.js';
import type { JournalStore } from '../journal/store.js';
import { QueueEngine, type EngineOptions } from '../queue/engine.js';
import { IMMEDIATE, type Durability } from './durability.js';

/** What the server asks of its persistence. */
export interface Persistence {
  readonly durability: Durability;
  /** Why changes are refused now (disk fault), or null. */
  writeRefusal(): string | null;
  /** Extra `stats` pairs. */
  stats(): Array<[string, string | number]>;
  /** Writes and syncs what is pending, releases the data directory. */
  close(): Promise<void>;
}

export const MEMORY_ONLY: Persistence = {
  durability: IMMEDIATE,
  writeRefusal: () => null,
  stats: () => [['journal_fsync', 'off']],
  close: async () => {},
};

export interface Opened {
  readonly engine: QueueEngine;
  /** The journal (null with --no-journal). */
  readonly journal: Journal | null;
  readonly persistence: Persistence;
  readonly report: OpenReport | null;
}

/**
 * Opens the journal in `store` (a FileStore on the data dir unless a test passes another) and
 * restores its state into a new engine.
 */
export function openJournaled(engineOptions: EngineOptions | number, store: JournalStore, options: JournalOptions, now = Date.now()): Opened {
  const journal = new Journal(store, options);
  // A number is --max-open alone (no queue limits).
  const base = typeof engineOptions === 'number' ? { maxOpen: engineOptions } : engineOptions;
  const engine = new QueueEngine({ ...base, changes: journal });
  const report = journal.open(engine, now);
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

/** `rq serve`: locks `dataDir` (throws DataDirLockedError if another rq has it) and opens its journal. */
export function openDataDir(dataDir: string, engineOptions: EngineOptions, options: JournalOptions): Opened {
  const lock = lockDataDir(dataDir);
  try {
    const opened = openJournaled(engineOptions, new FileStore(dataDir), options);
    const close = opened.persistence.close;
    return {
      ...opened,
      persistence: {
        ...opened.persistence,
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
