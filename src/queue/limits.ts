/**
 * Per-queue limits (`--max-queue-items`, `--max-queue-bytes`, `--discard-old`): whether one more
 * item fits a queue, and which of its oldest ready items to drop to make it fit. Ready and open
 * (reserved) items both count, so an item put back (released, or returned by a closing
 * connection) always fits. Pure rules over a Queue; the engine applies them.
 */
import type { Queue } from './queue.js';

export interface QueueLimits {
  /** Items, ready plus open; Infinity for no limit. */
  readonly maxItems: number;
  /** Data bytes, ready plus open; Infinity for no limit. */
  readonly maxBytes: number;
  /** Drop the oldest ready items for a new one instead of refusing it (kestrel's discardOldWhenFull). */
  readonly discardOld: boolean;
}

/** True when one more item of `size` bytes keeps `queue` within `limits`. */
export function fits(queue: Queue, size: number, limits: QueueLimits): boolean {
  return queue.ready.count + queue.open.size < limits.maxItems && queue.ready.bytes + queue.openBytes + size <= limits.maxBytes;
}

/**
 * With discardOld, drops the oldest ready items of `queue` until an item of `size` bytes fits,
 * calling `dropped` with each one's id; returns false (dropping nothing) when even dropping every
 * ready item would not make room: open items are never dropped, and an item larger than the byte
 * limit never fits.
 */
export function discardOldest(queue: Queue, size: number, limits: QueueLimits, dropped: (id: number) => void): boolean {
  if (!limits.discardOld) return false;
  if (queue.open.size + 1 > limits.maxItems || queue.openBytes + size > limits.maxBytes) return false;
  while (!fits(queue, size, limits)) {
    const item = queue.ready.shift()!;
    queue.discarded++;
    dropped(item.id);
  }
  return true;
}
