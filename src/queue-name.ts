/**
 * What a queue name may be and what it says: how long it may be (1–250 bytes, memcached's key
 * limit), and which names are dead-letter queues (`<q>.dead`) and fanout queues (`<q>+<name>`),
 * docs/protocol.md. The wire carries such names (protocol/key.ts checks them), the engine applies
 * them and the journal's replay follows them (docs/journal-format.md), so the rules live here,
 * where any layer may import them, as it may version.ts.
 */
export const MAX_QUEUE_NAME_BYTES = 250;

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
