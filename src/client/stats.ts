/**
 * The `stats` reply, parsed (pure): the one parser behind `rq inspect` and `rq top`. General
 * fields keep memcached's names and text values (journal_fsync, journal_state, … included: a
 * field this code has never heard of is kept as sent). Queue fields arrive as
 * `queue_<name>_<field>` (docs/protocol.md: stats), which this turns into one record per queue.
 * A field a server does not send, or sends as something other than a number, stays undefined:
 * older and newer servers may send fewer or more fields, and the client must not guess.
 */
import { QUEUE_STATS_FIELDS, QUEUE_STATS_PREFIX, type QueueStatsName } from '../protocol/queue-stats.js';
import type { RqClientError } from './errors.js';

/** A `stats` reply as the server sent it: name/value pairs in order. */
export type StatsPairs = ReadonlyArray<readonly [string, string]>;

/**
 * A queue's figures without its name (their meanings: protocol/queue-stats.ts, docs/protocol.md):
 * ready `items`, `open` (reserved), `bytes`, `totalItems` pushed, `expiredItems`, `acked`,
 * `released`, `discarded`, `rejected`, `waiters`, `ageMs` of the oldest ready item.
 */
export type QueueFigures = { readonly [K in QueueStatsName]?: number };

/** One queue's figures as a server reported them. */
export type QueueStats = { readonly name: string } & QueueFigures;

type MutableQueueStats = { -readonly [K in keyof QueueStats]: QueueStats[K] };

/** The name of every per-queue figure, in the server's order. */
export const QUEUE_FIGURE_NAMES: readonly QueueStatsName[] = QUEUE_STATS_FIELDS.map((f) => f.name);
const FIELD_BY_WIRE = new Map<string, QueueStatsName>(QUEUE_STATS_FIELDS.map((f) => [f.wire, f.name]));
/** Longest first, so that `…_total_items` is tried before `…_items`. */
const WIRE_BY_LENGTH = QUEUE_STATS_FIELDS.map((f) => f.wire as string).sort((a, b) => b.length - a.length);
/** Every queue's group of fields starts with this one. */
const FIRST_FIELD: string = QUEUE_STATS_FIELDS[0].wire;

export interface ParsedStats {
  /** Every general (non-queue) field, as text, in the server's order. */
  readonly general: ReadonlyMap<string, string>;
  /** Queues by name, in the order the server listed them. */
  readonly queues: ReadonlyMap<string, QueueStats>;
}

/** One server's answer to `stats`, or why it could not give one. Never thrown: `rq top` polls this. */
export type ServerStats =
  | ({ readonly server: string; readonly state: 'up' } & ParsedStats)
  | { readonly server: string; readonly state: 'down'; readonly error: RqClientError };

function toNumber(text: string): number | undefined {
  if (!/^-?[0-9]+(\.[0-9]+)?$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** A general field as a finite number, or undefined when missing or not numeric. */
export function generalNumber(stats: ParsedStats | undefined, field: string): number | undefined {
  const text = stats?.general.get(field);
  return text === undefined ? undefined : toNumber(text);
}

/** The general fields for a machine-readable form: a numeric value as a number, anything else as sent. */
export function generalValues(stats: ParsedStats): Record<string, string | number> {
  return Object.fromEntries([...stats.general].map(([k, v]) => [k, toNumber(v) ?? v]));
}

/**
 * Where a queue key that does not continue the current queue belongs: `[name, wire field]`, or
 * null. A new group starts with `items`; a key with another field (a server listing fields in
 * another order) is split at the longest field name it ends with.
 */
function splitQueueKey(rest: string): readonly [string, string] | null {
  let found: readonly [string, string] | null = null;
  for (const wire of WIRE_BY_LENGTH) {
    if (rest.length <= wire.length + 1 || !rest.endsWith('_' + wire)) continue;
    const split = [rest.slice(0, rest.length - wire.length - 1), wire] as const;
    if (wire === FIRST_FIELD) return split;
    found ??= split;
  }
  return found;
}

/**
 * Splits the pairs into general fields and queues. Queue names may contain `_`, so
 * `queue_a_total_items` could be queue `a`'s total_items or queue `a_total`'s items; the server
 * lists each queue's fields together with `items` first, so a key continues the current queue when
 * it names a field that queue has not had yet, and otherwise starts a new group (splitQueueKey).
 * Keys that fit neither are ignored; a queue listed twice keeps the later figures.
 */
export function parseStats(pairs: StatsPairs): ParsedStats {
  const general = new Map<string, string>();
  const queues = new Map<string, MutableQueueStats>();
  let current: { stats: MutableQueueStats; seen: Set<string> } | null = null;
  for (const [key, value] of pairs) {
    if (!key.startsWith(QUEUE_STATS_PREFIX)) {
      general.set(key, value);
      current = null;
      continue;
    }
    const rest = key.slice(QUEUE_STATS_PREFIX.length);
    let wire: string | null = null;
    if (current !== null && rest.startsWith(current.stats.name + '_')) {
      const f = rest.slice(current.stats.name.length + 1);
      if (FIELD_BY_WIRE.has(f) && !current.seen.has(f)) wire = f;
    }
    if (wire === null) {
      const split = splitQueueKey(rest);
      if (split === null) continue;
      const [name, field] = split;
      let stats = queues.get(name);
      if (stats === undefined) {
        stats = { name };
        queues.set(name, stats);
      }
      current = { stats, seen: new Set() };
      wire = field;
    }
    current!.seen.add(wire);
    const n = toNumber(value);
    if (n !== undefined) current!.stats[FIELD_BY_WIRE.get(wire)!] = n;
  }
  return { general, queues };
}

/** Figures about a queue's head item: over several servers, the largest stands for the queue, not the sum. */
export const HEAD_FIGURES: ReadonlySet<QueueStatsName> = new Set(['ageMs', 'headDeliveries']);

/** Sums one queue's figures over several servers (a queue spread by round-robin pushes). */
export function sumQueue(name: string, parts: readonly QueueStats[]): QueueStats {
  const sum: MutableQueueStats = { name };
  for (const field of QUEUE_FIGURE_NAMES) {
    let total: number | undefined;
    for (const p of parts) {
      const v = p[field];
      if (v === undefined) continue;
      // The oldest item anywhere is the queue's oldest; of the servers' heads, the most delivered.
      total = HEAD_FIGURES.has(field) ? Math.max(total ?? 0, v) : (total ?? 0) + v;
    }
    if (total !== undefined) sum[field] = total;
  }
  return sum;
}
