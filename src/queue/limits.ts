/**
 * The engine's limits, the one type that carries them from `rq serve`'s flags to the rules, and
 * the per-queue rules (`--max-queue-items`, `--max-queue-bytes`, `--discard-old`): whether one more
 * item fits a queue, and which of its oldest ready items to drop to make it fit. Ready, open
 * (reserved) and delayed items all count, so an item put back (released, or returned by a closing
 * connection) always fits. Pure rules over a Queue; the engine applies them.
 */
import type { Queue } from './queue.js';

/** Every limit the engine applies; Infinity (false for discardOld) for none. */
export interface QueueLimits {
  /** Open reservations one holder may have on one queue (`--max-open`). */
  readonly maxOpen: number;
  /** Items one queue may hold, ready plus open (`--max-queue-items`). */
  readonly maxQueueItems: number;
  /** Data bytes one queue may hold, ready plus open (`--max-queue-bytes`). */
  readonly maxQueueBytes: number;
  /**
   * On a full queue, drop its oldest ready items to make room for a new one (`--discard-old`, as
   * kestrel's discardOldWhenFull) instead of refusing the new one.
   */
  readonly discardOld: boolean;
  /** Queues that may exist at once (`--max-queues`). */
  readonly maxQueues: number;
  /**
   * Deliveries after which an item given back moves to `<queue>.dead` instead (`--max-deliveries`);
   * Infinity for never.
   */
  readonly maxDeliveries: number;
}

/** No limit at all: what a caller spreads its own limits over (`{ ...UNLIMITED, maxOpen: 3 }`). */
export const UNLIMITED: QueueLimits = {
  maxOpen: Infinity,
  maxQueueItems: Infinity,
  maxQueueBytes: Infinity,
  discardOld: false,
  maxQueues: Infinity,
  maxDeliveries: Infinity,
};

/** True when one more item of `size` bytes keeps `queue` within `limits`. */
export function fits(queue: Queue, size: number, limits: QueueLimits): boolean {
  return queue.held < limits.maxQueueItems && queue.heldBytes + size <= limits.maxQueueBytes;
}

/**
 * With discardOld, drops the oldest ready items of `queue` until an item of `size` bytes fits,
 * calling `dropped` with each one's id; returns false (dropping nothing) when even dropping every
 * ready item would not make room: open items are never dropped, and an item larger than the byte
 * limit never fits.
 */
export function discardOldest(queue: Queue, size: number, limits: QueueLimits, dropped: (id: number) => void): boolean {
  if (!limits.discardOld) return false;
  const kept = queue.open.size + queue.delayed.size;
  if (kept + 1 > limits.maxQueueItems || queue.openBytes + queue.delayedBytes + size > limits.maxQueueBytes) return false;
  while (!fits(queue, size, limits)) {
    const item = queue.ready.shift()!;
    queue.discarded++;
    dropped(item.id);
  }
  return true;
}
