/**
 * What a queue's name says about it (docs/protocol.md: dead-letter queues, fanout queues):
 * `<q>.dead` holds the items of `<q>` that ran out of deliveries, and `<q>+<name>` receives a copy
 * of every item set on `<q>`. Pure string rules, shared by the engine and the journal's replay.
 */
import { MAX_QUEUE_NAME_BYTES } from '../queue-name.js';

const DEAD_SUFFIX = '.dead';

/** True for a dead-letter queue: its items are never dead-lettered again, and it is never a fanout queue. */
export function isDeadQueue(name: string): boolean {
  return name.endsWith(DEAD_SUFFIX);
}

/** The dead-letter queue of `name`, or null when that name would be longer than a queue name may be. */
export function deadQueueName(name: string): string | null {
  const dead = name + DEAD_SUFFIX;
  return dead.length > MAX_QUEUE_NAME_BYTES ? null : dead;
}

/** The queue a fanout queue copies (`orders` for `orders+billing`), or null for a name that is not one. */
export function fanoutBase(name: string): string | null {
  const plus = name.indexOf('+');
  if (plus <= 0 || plus === name.length - 1 || isDeadQueue(name)) return null;
  return name.slice(0, plus);
}
