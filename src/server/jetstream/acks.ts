/**
 * What a front end tells JetStream about a delivered message, on the message's ack subject
 * (`$JS.ACK.…`): give it back now or after a delay (`-NAK`, `-NAK {"delay": ns}`), or keep it
 * (`+WPI`, work in progress: its ack wait starts again). A NAK with a delay keeps the message
 * pending until then: that is how a lease, a lease renewed by `touch`, and a release with `delay=`
 * all end at their time whatever becomes of the front end. Acknowledging is a delete (store.ts).
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { storeFailed } from '../queue-ops/failures.js';
import type { Failure } from '../queue-ops/operations.js';
import type { QueueHandle } from './catalog.js';
import { deliveryOf } from './items.js';
import { CONSUMER_NAME } from './names.js';
import { reasonOf } from './reasons.js';

/**
 * Tells JetStream's consumer that a delivered message is done with: only for one already deleted
 * (an acknowledgement is a delete, store.ts), whose redelivery the consumer should stop.
 */
export const ACKNOWLEDGED = '+ACK';

/** Keeps a delivered message: its ack wait starts again from now. */
export const IN_PROGRESS = '+WPI';

/** Gives a delivered message back, to be delivered again at once, or `delayMs` from now. */
export function nak(delayMs = 0): string {
  // Nanoseconds, written out: exact for every delay rq takes (up to a year).
  return delayMs > 0 ? `-NAK {"delay":${Math.round(delayMs)}000000}` : '-NAK';
}

/**
 * The ack subject of item `id` of a queue, for a front end that did not deliver it: JetStream
 * reads the item from the stream sequence, and needs a consumer sequence it has delivered
 * (`consumerSeq`, its last delivery, will do) and nothing else of the original.
 */
export function ackSubjectOf(handle: QueueHandle, id: number, consumerSeq: number): string {
  return `$JS.ACK.${handle.stream}.${CONSUMER_NAME}.1.${id}.${consumerSeq}.0.0`;
}

export class Acks {
  /** Give-backs sent and not yet answered, per stream (giveBack). */
  private readonly givingBack = new Map<string, Set<Promise<void>>>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Gives a delivered message back at once (NAK): the next reservation gets it. Not waited for by
   * the caller (a connection that has gone), but a pull from the same queue through this front end
   * waits for it (settled()): nats-server queues a consumer's acks and may serve a pull that came
   * after a NAK before the NAK, which would take the next item instead of the one given back.
   */
  giveBack(reply: string): void {
    const stream = deliveryOf(reply)?.stream;
    if (stream === undefined || this.nc.isClosed()) return;
    const sent = this.nc.request(reply, nak(), { timeout: this.timeoutMs }).then(
      () => undefined,
      () => undefined, // unanswered: JetStream gives it back after the ack wait anyway
    );
    let pending = this.givingBack.get(stream);
    if (pending === undefined) {
      pending = new Set();
      this.givingBack.set(stream, pending);
    }
    pending.add(sent);
    void sent.then(() => {
      pending.delete(sent);
      if (pending.size === 0 && this.givingBack.get(stream) === pending) this.givingBack.delete(stream);
    });
  }

  /** Resolves once JetStream has taken every give-back this front end sent on the queue's stream. */
  async settled(handle: QueueHandle): Promise<void> {
    const pending = this.givingBack.get(handle.stream);
    if (pending !== undefined) await Promise.all(pending);
  }

  /** Says `body` about a delivered message and waits for JetStream to have taken it; `doing` names it in a failure. */
  async send(reply: string, body: string, doing: string): Promise<true | Failure> {
    try {
      await this.nc.request(reply, body, { timeout: this.timeoutMs });
      return true;
    } catch (err) {
      return storeFailed(reasonOf(err, doing));
    }
  }

  /** Says `body` about a delivered message without waiting (NATS keeps the order of one connection's messages). */
  publish(reply: string, body: string): void {
    this.nc.publish(reply, body);
  }
}
