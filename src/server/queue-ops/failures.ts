/**
 * Every reason an operation gives for declining, written once for both protocols
 * (docs/protocol.md: errors and limits). Sessions show `reason` as it is.
 */
import type { QueueLimits } from '../../queue/limits.js';
import { Failure } from './operations.js';

/** A request the client must change. */
export function invalid(reason: string): Failure {
  return new Failure('invalid', reason);
}

/** No changes now: `reason` is the journal's (a disk fault). */
export function refused(reason: string): Failure {
  return new Failure('refused', reason);
}

/** A `set` to a queue at its item or byte limit (and, with discard-old, no ready item to drop). */
export function queueFull(queue: string, limits: QueueLimits): Failure {
  const parts: string[] = [];
  if (limits.maxQueueItems !== Infinity) parts.push(`${limits.maxQueueItems} items`);
  if (limits.maxQueueBytes !== Infinity) parts.push(`${limits.maxQueueBytes} bytes`);
  return new Failure('full', `queue ${queue} is full (max ${parts.join(', ')}): not stored`);
}

/** A `set` that would create a queue past `--max-queues` (or past `bound`, another limit's words). */
export function tooManyQueues(limits: QueueLimits, bound = `max ${limits.maxQueues}`): Failure {
  return new Failure('full', `too many queues (${bound}): not stored; delete_queue the ones no longer used`);
}

/** A reservation past `--max-open` on one queue. */
export function tooManyOpen(queue: string, limits: QueueLimits): Failure {
  return new Failure('busy', `too many open reservations on ${queue} (max ${limits.maxOpen}): delete or close one first`);
}

/** The reason given for a memcache command a queue does not serve (add, incr, …). */
export function unsupportedReason(command: string): string {
  return `${command} is not supported by a queue: set enqueues, get reserves, delete acknowledges`;
}

/** A touch whose exptime is negative: memcache would end the lease, which touch never does. */
export const TOUCH_NEGATIVE = 'touch needs an exptime of 0 or more';

/** A touch whose exptime (an absolute time) is already past. */
export const TOUCH_PAST = 'touch needs an exptime in the future';

/** A touch whose lease would be longer than a lease may be. */
export function touchTooLong(maxMs: number): string {
  return `touch lease is longer than ${maxMs} ms`;
}

/** The store behind the queues (a JetStream cluster) did not carry the change out: nothing is promised. */
export function storeFailed(reason: string): Failure {
  return new Failure('refused', `store: ${reason}`);
}
