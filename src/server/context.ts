/**
 * What every connection shares: the engine, the journal's durability, the counters and the limits.
 * Built once by the server; sessions reach the rest of the server only through it.
 */
import { QUEUE_FULL, type EngineOptions, type QueueEngine, type TOO_MANY_QUEUES } from '../queue/engine.js';
import type { Authenticator } from './auth.js';
import type { Durability } from './durability.js';
import type { Logger } from './log.js';
import type { ServerCounters } from './stats.js';

export interface Limits {
  /** Largest item data in bytes (`--max-item-size`). */
  readonly maxItemSize: number;
  /** Open reservations per connection and queue (`--max-open`). */
  readonly maxOpen: number;
  /** Connections served at once (`--max-connections`); more are refused. Infinity when unset. */
  readonly maxConnections?: number;
  /** Items (ready plus open) per queue (`--max-queue-items`). Infinity when unset. */
  readonly maxQueueItems?: number;
  /** Data bytes (ready plus open) per queue (`--max-queue-bytes`). Infinity when unset. */
  readonly maxQueueBytes?: number;
  /** A full queue drops its oldest ready items for a new one instead of refusing it (`--discard-old`). */
  readonly discardOld?: boolean;
  /** Queues at once (`--max-queues`). Infinity when unset. */
  readonly maxQueues?: number;
}

/** Why a `set` was not stored, for a refusal outcome of QueueEngine.enqueue; shared by both protocols. */
export function enqueueRefusal(outcome: typeof QUEUE_FULL | typeof TOO_MANY_QUEUES, queue: string, limits: Limits): string {
  if (outcome === QUEUE_FULL) return queueFullReason(queue, limits);
  return `too many queues (max ${limits.maxQueues}): not stored; delete_queue the ones no longer used`;
}

/** The engine's options for these limits (the journal adds its ChangeLog when it builds the engine). */
export function engineOptions(limits: Limits): EngineOptions {
  return {
    maxOpen: limits.maxOpen,
    maxQueueItems: limits.maxQueueItems,
    maxQueueBytes: limits.maxQueueBytes,
    discardOld: limits.discardOld,
    maxQueues: limits.maxQueues,
  };
}

/** The `set` error for a full queue, shared by both protocols (docs/protocol.md: limits). */
export function queueFullReason(queue: string, limits: Limits): string {
  const items = limits.maxQueueItems ?? Infinity;
  const bytes = limits.maxQueueBytes ?? Infinity;
  const parts: string[] = [];
  if (items !== Infinity) parts.push(`${items} items`);
  if (bytes !== Infinity) parts.push(`${bytes} bytes`);
  return `queue ${queue} is full (max ${parts.join(', ')}): not stored`;
}

export interface ServerContext {
  readonly engine: QueueEngine;
  readonly durability: Durability;
  readonly counters: ServerCounters;
  readonly limits: Limits;
  /** The users of `--auth-file`, or null when connections need not authenticate. */
  readonly auth: Authenticator | null;
  /** The server's log (never given a password or an item's data). */
  readonly log: Logger;
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
