/**
 * What a queue holds and what its consumer has delivered, read from JetStream. Items are read from
 * the stream's leader (`STREAM.MSG.GET`), never a replica (a direct get): the leader has stored
 * every item answered STORED, where a replica, and the consumer reading one, can be a moment
 * behind it.
 */
import type { JetStreamManager, MsgRequest, StoredMsg } from '@nats-io/jetstream';
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
}

/** The consumer's deliveries so far; null when the queue has gone. */
export async function delivered(jsm: JetStreamManager, handle: QueueHandle): Promise<Delivered | null | Failure> {
  try {
    const ci = await jsm.consumers.info(handle.stream, CONSUMER_NAME);
    return { streamSeq: ci.delivered.stream_seq, consumerSeq: ci.delivered.consumer_seq };
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

/** True when item `id` is in the queue's stream (as its leader has it). */
export async function stored(jsm: JetStreamManager, handle: QueueHandle, id: number): Promise<boolean | Failure> {
  try {
    return (await jsm.streams.getMessage(handle.stream, { seq: id })) !== null;
  } catch (err) {
    if (isNoMessage(err) || isGone(err)) return false;
    return storeFailed(reasonOf(err, `reading item ${id} of queue ${handle.queue}`));
  }
}

/** The queue's first item after `seq`, or null. */
export async function storedAfter(jsm: JetStreamManager, handle: QueueHandle, seq: number): Promise<StoredMsg | null | Failure> {
  // nats-server takes next_by_subj in MSG.GET since 2.9; nats.js types it for direct gets only.
  const query = { seq: seq + 1, next_by_subj: handle.subject } as unknown as MsgRequest;
  try {
    return await jsm.streams.getMessage(handle.stream, query);
  } catch (err) {
    if (isNoMessage(err) || isGone(err)) return null;
    return storeFailed(reasonOf(err, `reading queue ${handle.queue}`));
  }
}

/**
 * True when the queue's stream holds an item its consumer has not delivered yet, so that a pull
 * answered "no message" was answered too early: the consumer's leader reads its own server's copy
 * of the stream, which may apply a new item a moment after the stream's leader acknowledged it
 * (and nats-server tells a consumer of a new item after that acknowledgement is on its way).
 */
export async function undelivered(jsm: JetStreamManager, handle: QueueHandle): Promise<boolean | Failure> {
  const [last, consumer] = await Promise.all([lastStored(jsm, handle), delivered(jsm, handle)]);
  if (last instanceof Failure) return last;
  if (consumer === null || consumer instanceof Failure) return consumer ?? false;
  if (last <= consumer.streamSeq) return false;
  const next = await storedAfter(jsm, handle, consumer.streamSeq);
  return next instanceof Failure ? next : next !== null;
}

/** The id of the last item the queue's stream holds, or 0 when it holds none. */
async function lastStored(jsm: JetStreamManager, handle: QueueHandle): Promise<number | Failure> {
  try {
    const { state } = await jsm.streams.info(handle.stream);
    return state.messages === 0 ? 0 : state.last_seq;
  } catch (err) {
    if (isGone(err)) return 0;
    return storeFailed(reasonOf(err, `reading queue ${handle.queue}`));
  }
}
