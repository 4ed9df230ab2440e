/**
 * Parses a `stats` reply into rq top's model (pure). General fields keep memcached's names; queue
 * fields arrive as `queue_<name>_<field>` (src/server/stats.ts). A field that is missing or not a
 * number stays undefined, and the screen shows it as "–": older or newer servers may report more
 * or fewer fields (journal_bytes, fsync, …) and rq top must not guess.
 */
import type { StatsPairs } from './source.js';

/** The per-queue fields rq top understands, as the server names them. */
export const QUEUE_FIELDS = [
  'items', 'open', 'bytes', 'total_items', 'expired_items', 'acked', 'released', 'waiters', 'age_ms',
] as const;
export type QueueField = (typeof QUEUE_FIELDS)[number];

export type QueueStats = Partial<Record<QueueField, number>>;

export interface ServerStats {
  /** Every general (non-queue) field as sent, text values. */
  readonly general: ReadonlyMap<string, string>;
  /** Queues in the order the server listed them. */
  readonly queues: ReadonlyMap<string, QueueStats>;
}

const QUEUE_PREFIX = 'queue_';
// Longest first, so `…_total_items` is tried before `…_items`.
const FIELDS_BY_LENGTH = [...QUEUE_FIELDS].sort((a, b) => b.length - a.length);

/** A general field as a finite number, or undefined when missing or not numeric. */
export function generalNumber(stats: ServerStats | undefined, field: string): number | undefined {
  const text = stats?.general.get(field);
  return text === undefined ? undefined : toNumber(text);
}

function toNumber(text: string): number | undefined {
  if (!/^-?[0-9]+(\.[0-9]+)?$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Splits the queue keys. Names may contain `_`, so `queue_a_total_items` could be queue `a`'s
 * total_items or queue `a_total`'s items. The server lists each queue's fields together, `items`
 * first; so a key continues the current queue when it names a field that queue has not had yet,
 * and otherwise starts a new queue. Keys that fit neither are ignored.
 */
export function parseStats(pairs: StatsPairs): ServerStats {
  const general = new Map<string, string>();
  const queues = new Map<string, QueueStats>();
  let current: { name: string; stats: QueueStats } | null = null;
  for (const [key, value] of pairs) {
    if (!key.startsWith(QUEUE_PREFIX)) {
      general.set(key, value);
      current = null;
      continue;
    }
    const rest = key.slice(QUEUE_PREFIX.length);
    let name: string | null = null;
    let field: QueueField | null = null;
    if (current !== null && rest.startsWith(current.name + '_')) {
      const f = rest.slice(current.name.length + 1) as QueueField;
      if ((QUEUE_FIELDS as readonly string[]).includes(f) && !(f in current.stats)) {
        name = current.name;
        field = f;
      }
    }
    if (name === null) {
      for (const f of FIELDS_BY_LENGTH) {
        if (rest.length > f.length + 1 && rest.endsWith('_' + f)) {
          const candidate = rest.slice(0, rest.length - f.length - 1);
          // A new group starts with `items`; a longer field wins only if no such split exists.
          if (f === 'items' || name === null) {
            name = candidate;
            field = f;
          }
          if (f === 'items') break;
        }
      }
    }
    if (name === null || field === null) continue;
    let stats = queues.get(name);
    if (stats === undefined) {
      stats = {};
      queues.set(name, stats);
    }
    const n = toNumber(value);
    if (n !== undefined) stats[field] = n;
    current = { name, stats };
  }
  return { general, queues };
}
