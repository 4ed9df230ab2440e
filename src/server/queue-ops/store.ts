/**
 * Where a server's queues live, as the server sees them: each connection's operations
 * (operations.ts), the figures `stats` reports, the persistence its replies wait for, and the
 * timer work of a store that keeps its own deadlines. Two stores implement it: the embedded engine
 * and journal (EngineStore, below) and a NATS JetStream cluster (server/jetstream/). The server
 * and the protocol sessions never ask which one they talk to.
 */
import type { EngineTotals, QueueEngine } from '../../queue/engine.js';
import type { EngineQueueStats } from '../../queue/types.js';
import type { Backing, Persistence } from '../persistence.js';
import type { ServerCounters } from '../stats.js';
import { EngineQueues } from './engine-operations.js';
import type { Failure, Outcome, Queues } from './operations.js';

/** What `stats` reports about the queues: totals over all of them, and each one's figures. */
export interface QueueFigures {
  readonly totals: EngineTotals;
  readonly queues: readonly EngineQueueStats[];
}

export interface QueueStore {
  /** The queues as the server's connections use them; `counters` are the server's (cmd_get, …). */
  queues(counters: ServerCounters): Queues;
  /** What replies wait for, why changes are refused now, the store's own `stats` pairs, and its close. */
  readonly persistence: Persistence;
  /** The figures of every queue now (a Failure when the store cannot be asked). */
  figures(now: number): Outcome<QueueFigures>;
  /** The next time `tick` has work to do, or Infinity (a store that keeps no deadlines here). */
  nextDeadline(): number;
  /** Does the work due at `now` (leases that end, waits that time out). */
  tick(now: number): void;
  /** The server is stopping: every waiting get is answered as if its time ran out, and new ones at once. */
  endWaits(): void;
}

/** The embedded engine and its journal (or memory only) as a QueueStore. */
export class EngineStore implements QueueStore {
  readonly engine: QueueEngine;
  readonly persistence: Persistence;

  constructor(backing: Backing) {
    this.engine = backing.engine;
    this.persistence = backing.persistence;
  }

  queues(counters: ServerCounters): Queues {
    return new EngineQueues(this.engine, this.persistence, counters);
  }

  figures(now: number): QueueFigures | Failure {
    const totals = this.engine.totals();
    return { totals, queues: this.engine.stats(now) };
  }

  nextDeadline(): number {
    return this.engine.nextDeadline();
  }

  tick(now: number): void {
    this.engine.tick(now);
  }

  endWaits(): void {
    this.engine.endWaits();
  }
}

/** A Backing (engine and persistence) becomes an EngineStore; a store stays as it is. */
export function storeOf(backing: Backing | QueueStore): QueueStore {
  return 'figures' in backing ? backing : new EngineStore(backing);
}
