/**
 * Dead-lettering (`--max-deliveries`): an item delivered that many times without being
 * acknowledged is not delivered again; it moves, with its data, flags and delivery count, to the
 * tail of `<queue>.dead`, an ordinary queue. A dead queue's items are never dead-lettered, and a
 * queue whose dead queue's name would be too long keeps its items (the server is told once).
 */
import { deadQueueName, isDeadQueue } from '../queue-name.js';
import type { QueueLimits } from './limits.js';
import type { Queue } from './queue.js';
import type { ChangeLog, Item } from './types.js';

export class DeadLetters {
  /** Queues whose items could not be dead-lettered (the `.dead` name would be too long), told once each. */
  private readonly undeadable = new Set<string>();

  /**
   * `queueFor` finds or makes a queue by name (a dead queue is made past --max-queues: an item that
   * leaves a queue must land somewhere); `cannotDeadLetter` hears of each undeadable queue once.
   */
  constructor(
    private readonly limits: QueueLimits,
    private readonly changes: ChangeLog,
    private readonly queueFor: (name: string) => Queue,
    private readonly cannotDeadLetter: (queue: string) => void,
  ) {}

  /**
   * True when an item of `queue` delivered `deliveries` times may not be delivered again and can
   * move to the dead queue. A dead queue's items never are; nor are those of a queue whose dead
   * queue's name would be too long (they stay, and the server is told once).
   */
  exhausted(queue: Queue, deliveries: number): boolean {
    if (deliveries < this.limits.maxDeliveries || isDeadQueue(queue.name)) return false;
    if (deadQueueName(queue.name) !== null) return true;
    if (!this.undeadable.has(queue.name)) {
      this.undeadable.add(queue.name);
      this.cannotDeadLetter(queue.name);
    }
    return false;
  }

  /**
   * Appends `item` (already taken off `queue`, and exhausted) to the tail of `<queue>.dead`, with
   * its data, flags and delivery count, past that queue's item limits. Returns the dead queue, whose
   * waiters the caller serves.
   */
  move(queue: Queue, item: Item): Queue {
    const dead = this.queueFor(deadQueueName(queue.name)!);
    queue.dead++;
    this.changes.dead(queue.name, item.id);
    dead.ready.pushTail(item.id, item.flags, item.expiresAt, item.enqueuedAt, item.data, item.deliveries);
    dead.totalItems++;
    return dead;
  }
}
