/**
 * Which queues get per-queue series when there are more than `--metrics-max-queues`: the deepest,
 * since a deep queue is the one an operator must see. Pure.
 */
import type { EngineQueueStats } from '../../queue/types.js';

/** Deeper first: more ready items, then more open ones, then by name so that the choice is stable. */
function deeper(a: EngineQueueStats, b: EngineQueueStats): number {
  return b.items - a.items || b.open - a.open || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** The `max` deepest queues, deepest first; every queue, in the order given, when there are no more than `max`. */
export function deepest(queues: readonly EngineQueueStats[], max: number): readonly EngineQueueStats[] {
  if (queues.length <= max) return queues;
  return [...queues].sort(deeper).slice(0, max);
}
