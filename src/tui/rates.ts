/**
 * Rates from two successive stats samples of one server (pure; time is passed in). A rate exists
 * only when both samples hold the counter, came from the same server process, and the counter did
 * not go down: a restart, a dropped queue or a flush gives "no rate" (undefined, shown as "–"),
 * never a negative or invented number.
 */
import { generalNumber, type QueueFigures, type ParsedStats } from '../client/stats.js';

/** One good stats reply and when it arrived (ms, the poller's clock). */
export interface Sample {
  readonly at: number;
  readonly stats: ParsedStats;
}

export interface QueueRates {
  /** Items enqueued per second (Δ totalItems). */
  readonly enqueue?: number;
  /** Items reserved per second: Δ(acked + released + open), since every reservation ends in exactly one of those. */
  readonly dequeue?: number;
  /** Items acknowledged per second (Δ acked). */
  readonly ack?: number;
  /** Items expired per second (Δ expiredItems). */
  readonly expired?: number;
}

/** Per-second rate of a counter between two readings, or undefined when there is no honest answer. */
export function counterRate(prev: number | undefined, cur: number | undefined, elapsedMs: number): number | undefined {
  if (prev === undefined || cur === undefined || !(elapsedMs > 0) || cur < prev) return undefined;
  return ((cur - prev) * 1000) / elapsedMs;
}

/**
 * True when two samples come from one run of the server: same pid and an uptime that did not go
 * backwards. Counters of different runs cannot be subtracted.
 */
export function sameRun(prev: ParsedStats, cur: ParsedStats): boolean {
  const pidBefore = prev.general.get('pid');
  const pidNow = cur.general.get('pid');
  if (pidBefore !== undefined && pidNow !== undefined && pidBefore !== pidNow) return false;
  const upBefore = generalNumber(prev, 'uptime');
  const upNow = generalNumber(cur, 'uptime');
  return !(upBefore !== undefined && upNow !== undefined && upNow < upBefore);
}

function reserved(q: QueueFigures): number | undefined {
  if (q.acked === undefined || q.released === undefined || q.open === undefined) return undefined;
  return q.acked + q.released + q.open;
}

/**
 * Rates of one queue. `prev` is the queue in the previous sample of the same run, or `{all zero}`
 * when the queue did not exist then (a queue is created by its first set or get, so its counters
 * started at zero); pass undefined when there is no previous sample at all.
 */
export function queueRates(prev: QueueFigures | undefined, cur: QueueFigures, elapsedMs: number): QueueRates {
  if (prev === undefined) return {};
  return {
    enqueue: counterRate(prev.totalItems, cur.totalItems, elapsedMs),
    dequeue: counterRate(reserved(prev), reserved(cur), elapsedMs),
    ack: counterRate(prev.acked, cur.acked, elapsedMs),
    expired: counterRate(prev.expiredItems, cur.expiredItems, elapsedMs),
  };
}

const NEW_QUEUE: QueueFigures = { totalItems: 0, acked: 0, released: 0, open: 0, expiredItems: 0 };

/** Rates of every queue in `cur`, by name; all undefined on the first sample or across a restart. */
export function sampleRates(prev: Sample | undefined, cur: Sample): Map<string, QueueRates> {
  const out = new Map<string, QueueRates>();
  const comparable = prev !== undefined && sameRun(prev.stats, cur.stats);
  const elapsed = prev === undefined ? 0 : cur.at - prev.at;
  for (const [name, q] of cur.stats.queues) {
    out.set(name, comparable ? queueRates(prev.stats.queues.get(name) ?? NEW_QUEUE, q, elapsed) : {});
  }
  return out;
}

/** Adds rates, where undefined is "unknown": the sum is unknown only if every part is. */
export function sumRates(values: ReadonlyArray<number | undefined>): number | undefined {
  let total: number | undefined;
  for (const v of values) if (v !== undefined) total = (total ?? 0) + v;
  return total;
}
