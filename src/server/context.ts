/**
 * What every connection shares: the engine, the journal's durability, the counters and the limits.
 * Built once by the server; sessions reach the rest of the server only through it.
 */
import type { QueueEngine } from '../queue/engine.js';
import type { Durability } from './durability.js';
import type { ServerCounters } from './stats.js';

export interface Limits {
  /** Largest item data in bytes (`--max-item-size`). */
  readonly maxItemSize: number;
  /** Open reservations per connection and queue (`--max-open`). */
  readonly maxOpen: number;
}

export interface ServerContext {
  readonly engine: QueueEngine;
  readonly durability: Durability;
  readonly counters: ServerCounters;
  readonly limits: Limits;
  readonly version: string;
  readonly startedAt: number;
  /** The time, in ms since the epoch. The one clock of the server. */
  now(): number;
  /** Called after every batch of engine calls: re-arms the server's one timer if a deadline moved closer. */
  afterChanges(): void;
  /** The `stats` pairs (general, journal and per-queue). */
  stats(now: number): Array<[string, string | number]>;
  /**
   * Refuses changes while the journal cannot take them (disk fault): returns the reason, or null when
   * changes are accepted.
   */
  writeRefusal(): string | null;
}
