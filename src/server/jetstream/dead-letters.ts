/**
 * Dead-letter queues on JetStream (`--max-deliveries`, docs/scale-out.md: work that fails). An item
 * delivered N times that is given back, or that JetStream delivers once more (its lease ran out,
 * its front end died), is not handed to a client but moves to `<queue>.dead`: published there first
 * (data, flags, expiry, and its delivery count in a header), under a message id made of its stream
 * and sequence so that a move tried again stores one copy within the duplicate window, and only
 * then deleted from its queue. An item is in `<queue>.dead` before it leaves `<queue>`.
 *
 * JetStream's own max_deliver is not used: a message past it stays in a work-queue stream, never
 * delivered again, and only an advisory says so, a plain NATS message that a front end down at
 * that moment never sees. A front end that checks the count of each delivery misses none.
 */
import { deadQueueName, isDeadQueue } from '../../queue-name.js';
import type { Item } from '../../queue/types.js';
import type { Logger } from '../log.js';
import { storeFailed } from '../queue-ops/failures.js';
import { Failure } from '../queue-ops/operations.js';
import { isGone, isNoMessage } from './api-errors.js';
import type { QueueHandle } from './catalog.js';
import { itemOfStored } from './items.js';
import { reasonOf } from './reasons.js';
import type { JetStreamStore } from './store.js';

export class DeadLetters {
  /** Queues whose items cannot be dead-lettered (the `.dead` name would be too long), told once each. */
  private readonly told = new Set<string>();

  constructor(
    private readonly store: JetStreamStore,
    private readonly maxDeliveries: number,
    private readonly log: Logger,
  ) {}

  /** True when an item of `queue` delivered `deliveries` times is not to be delivered again, but moved. */
  exhausted(queue: string, deliveries: number): boolean {
    if (deliveries < this.maxDeliveries || isDeadQueue(queue)) return false;
    if (deadQueueName(queue) !== null) return true;
    if (!this.told.has(queue)) {
      this.told.add(queue);
      this.log.warn(
        'items that ran out of deliveries stay in their queue: its dead-letter queue name would be longer than 250 bytes',
        { queue },
      );
    }
    return false;
  }

  /** Moves `item` (`deliveries`: its count so far) to the dead queue; true once it is there and gone from its own. */
  async move(handle: QueueHandle, item: Item): Promise<true | Failure> {
    const dead = deadQueueName(handle.queue)!;
    const stored = await this.store.publish(dead, item.flags, item.expiresAt, item.data, {
      msgID: `dead-${handle.stream}-${item.id}`,
      deliveries: item.deliveries,
    });
    if (stored instanceof Failure) return stored;
    const removed = await this.store.remove(handle, item.id);
    if (removed instanceof Failure) return removed;
    // Not there any more: moved (or acknowledged) through another front end meanwhile.
    if (removed) handle.counts.dead++;
    return true;
  }

  /** Moves item `id`, delivered `deliveries` times and held here, reading it from its stream first. */
  async moveHeld(handle: QueueHandle, id: number, deliveries: number): Promise<true | Failure> {
    try {
      const m = await this.store.jsm.streams.getMessage(handle.stream, { seq: id });
      if (m === null) return true;
      return await this.move(handle, { ...itemOfStored(m), deliveries });
    } catch (err) {
      if (isNoMessage(err) || isGone(err)) return true; // gone already: nothing to move
      return storeFailed(reasonOf(err, `moving item ${id} of queue ${handle.queue} to its dead-letter queue`));
    }
  }
}
