/**
 * What every connection shares: the queue operations, the persistence that makes replies wait for
 * the journal, the counters and the limits. Built once by the server; sessions reach the rest of
 * the server only through it.
 */
import type { PartialBytes } from '../protocol/partial-bytes.js';
import type { QueueLimits } from '../queue/limits.js';
import type { Authenticator } from './auth.js';
import type { Logger } from './log.js';
import type { Persistence } from './persistence.js';
import type { Outcome, Queues } from './queue-ops/operations.js';
import type { ServerCounters } from './stats.js';

/** Every limit of `rq serve`, filled once from its flags: the engine's, and the three the server applies itself. */
export interface Limits extends QueueLimits {
  /** Largest item data in bytes (`--max-item-size`). */
  readonly maxItemSize: number;
  /** Connections served at once (`--max-connections`); more are refused. Infinity for no limit. */
  readonly maxConnections: number;
  /** Bytes of item data still arriving held at once, over all connections (`--max-partial-bytes`). Infinity for no limit. */
  readonly maxPartialBytes: number;
}

/** `stats` as name/value pairs, in reply order. */
export type StatsPairs = Array<[string, string | number]>;

export interface ServerContext {
  /** The queues; each connection gets its operations from here. */
  readonly queues: Queues;
  /** The journal (or memory only): replies wait for its durability. */
  readonly persistence: Persistence;
  readonly counters: ServerCounters;
  readonly limits: Limits;
  /** What the parsers of every connection hold for requests still arriving, and its bound. */
  readonly partialBytes: PartialBytes;
  /** The users of `--auth-file`, or null when connections need not authenticate. */
  readonly auth: Authenticator | null;
  /** The server's log (never given a password or an item's data). */
  readonly log: Logger;
  readonly version: string;
  readonly startedAt: number;
  /** The time, in ms since the epoch. The one clock of the server. */
  now(): number;
  /** Called after every batch of operations: re-arms the server's one timer if a deadline moved closer. */
  afterChanges(): void;
  /** The `stats` pairs (general, the store's, per-queue); later, or a Failure, when the store is remote. */
  stats(now: number): Outcome<StatsPairs>;
}
