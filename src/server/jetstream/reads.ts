/**
 * What a queue holds and what its consumer has delivered, read from JetStream. Items are read from
 * the stream's leader (`STREAM.MSG.GET`), not a replica (a direct get): the leader has stored every
 * item answered STORED, where a replica can be a moment behind it.
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import { storeFailed } from '../queue-ops/failures.js';
import { Failure } from '../queue-ops/operations.js';
import { isGone, isNoMessage } from './api-errors.js';
import type { QueueHandle } from './catalog.js';
import { CONSUMER_NAME } from './names.js';
import { reasonOf } from './reasons.js';

/** Where the consumer's deliveries stand (consumer info). */
export interface Delivered {
  /**
   * The last stream sequence the consumer has gone past: every item of the queue at or below it
   * that is still in the stream is reserved, or given back and waiting to be delivered again.
   */
  readonly streamSeq: number;
  /** The consumer's last delivery sequence. */
  readonly consumerSeq: number;
  /** Items never delivered, as the consumer counts them. */
  readonly ready: number;
}

/** The consumer's deliveries so far; null when the queue has gone. */
export async function delivered(jsm: JetStreamManager, handle: QueueHandle): Promise<Delivered | null | Failure> {
  try {
    const ci = await jsm.consumers.info(handle.stream, CONSUMER_NAME);
    return { streamSeq: ci.delivered.stream_seq, consumerSeq: ci.delivered.consumer_seq, ready: ci.num_pending };
  } catch (err) {
    if (isGone(err)) return null;
    return storeFailed(reasonOf(err, `reading queue ${handle.queue}`));
  }
}

/**
 * Where the consumer's deliveries stand when item `id` is reserved (delivered, and still in the
 * stream; maybe given back and not delivered again yet), else null.
 */
export async function reserved(jsm: JetStreamManager, handle: QueueHandle, id: number): Promise<Delivered | null | Failure> {
  const consumer = await delivered(jsm, handle);
  if (consumer === null || consumer instanceof Failure) return consumer;
  if (id > consumer.streamSeq) return null;
  const there = await stored(jsm, handle, id);
  return there === true ? consumer : there === false ? null : there;
}

/** True when item `id` is in the queue's stream. */
async function stored(jsm: JetStreamManager, handle: QueueHandle, id: number): Promise<boolean | Failure> {
  try {
    return (await jsm.streams.getMessage(handle.stream, { seq: id })) !== null;
  } catch (err) {
    if (isNoMessage(err) || isGone(err)) return false;
    return storeFailed(reasonOf(err, `reading item ${id} of queue ${handle.queue}`));
  }
}
