/**
 * How long `rq work` keeps a failed item away before its next try (man/rq-work.1 "What happens to
 * an item"): exponential back-off from the delivery count, as Sidekiq, BullMQ and SQS users expect,
 * so that an item that keeps failing costs less and less, and the queue behind it goes on.
 */

export interface Backoff {
  /** The delay after the first failed delivery, in ms (--retry-delay). */
  readonly firstMs: number;
  /** No delay is longer than this, in ms (--retry-max-delay). */
  readonly maxMs: number;
}

/**
 * The share of a delay taken off at random: workers whose items failed together (a database that
 * went away) then retry spread over a quarter of the delay instead of all at once.
 */
const JITTER = 0.25;

/**
 * The delay before the next try of an item whose `deliveries`-th delivery failed: firstMs, doubled
 * for each delivery before this one, at most maxMs, less up to JITTER of it at random (`random`
 * returns [0, 1), as Math.random). Whole ms.
 */
export function retryDelayMs(deliveries: number, backoff: Backoff, random: () => number = Math.random): number {
  // 2^52 is past any delay: the exponent is capped so that the doubling stays a finite number.
  const doublings = Math.min(Math.max(0, deliveries - 1), 52);
  const base = Math.min(backoff.maxMs, backoff.firstMs * 2 ** doublings);
  return Math.round(base * (1 - JITTER * random()));
}
