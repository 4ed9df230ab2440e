/**
 * What one scrape reads from the server, all at once so that the series of a scrape agree with
 * each other: every queue's figures, the server's counters, the journal's figures, and whether
 * changes are taken. Read when Prometheus asks, from figures the server keeps anyway: nothing here
 * runs per request.
 */
import type { Journal } from '../../journal/journal.js';
import type { EngineTotals } from '../../queue/engine.js';
import type { EngineQueueStats } from '../../queue/types.js';
import { Failure, isPending } from '../queue-ops/operations.js';
import type { QueueFigures } from '../queue-ops/store.js';
import type { RqServer } from '../server.js';
import type { ServerCounters } from '../stats.js';

/** The journal's figures since the server started (docs/monitoring.md: Journal). */
export interface JournalFigures {
  readonly appendedBytes: number;
  readonly writes: number;
  readonly fsyncs: number;
  readonly faults: number;
  readonly compactions: number;
  readonly compactionSeconds: number;
  readonly diskBytes: number;
  readonly files: number;
}

export interface ScrapeFigures {
  readonly version: string;
  /** Every queue, in no particular order. */
  readonly queues: readonly EngineQueueStats[];
  readonly totals: EngineTotals;
  readonly counters: Readonly<ServerCounters>;
  /** Null when the server keeps no journal (`--no-journal`). */
  readonly journal: JournalFigures | null;
  /** Why changes are refused now, or null when they are taken (RqServer.refusal). */
  readonly refusal: string | null;
}

/** Where the metrics endpoint reads from: a scrape's figures, and the readiness question alone (cheap). */
export interface MetricsSource {
  /** The figures now; a Promise when the store behind the server answers later. */
  figures(now: number): ScrapeFigures | Promise<ScrapeFigures>;
  /** Why changes are refused now, or null (`/readyz`). */
  refusal(): string | null;
}

export function journalFigures(journal: Journal): JournalFigures {
  const f = journal.figures;
  const disk = journal.diskUsage();
  return {
    appendedBytes: f.bytesWritten,
    writes: f.writes,
    fsyncs: f.fsyncs,
    faults: f.faults,
    compactions: f.compactions,
    compactionSeconds: f.compactionMs / 1000,
    diskBytes: disk.bytes,
    files: disk.files,
  };
}

/**
 * The figures of an RqServer, from its queue store (the embedded engine, or JetStream, which
 * answers later), and of its journal when it has one. A store that cannot be asked fails the
 * scrape with its reason.
 */
export function serverSource(server: RqServer, journal: Journal | null, version: string): MetricsSource {
  const scrape = (queues: QueueFigures | Failure): ScrapeFigures => {
    if (queues instanceof Failure) throw new Error(`the queue store cannot be asked: ${queues.reason}`);
    return {
      version,
      queues: queues.queues,
      totals: queues.totals,
      counters: server.counters,
      journal: journal === null ? null : journalFigures(journal),
      refusal: server.refusal(),
    };
  };
  return {
    figures: (now) => {
      const queues = server.store.figures(now);
      return isPending(queues) ? queues.then(scrape) : scrape(queues);
    },
    refusal: () => server.refusal(),
  };
}
