/**
 * Delayed items on JetStream (`set q/delay=<ms>`, docs/scale-out.md: work that fails). A queue's
 * delayed items wait in a stream of their own (names.ts: `<stream>~d`), stored there as any set is
 * (STORED once JetStream has them) with their due time in a header, and every front end moves them
 * to their queue through that stream's consumer. JetStream keeps the time: a front end delivered an
 * item not yet due gives it back with a NAK delayed until then, so that whichever front end runs
 * at that moment gets it again when it is due; none keeps a timer per item. A due item is
 * published to its queue (message id `due-<stream>-<seq>`, so that a move tried again within the
 * duplicate window stores one copy) and only then deleted from the delayed stream: an item is
 * never in neither. An item its holder releases with a delay (`abort/delay=`) waits the same way:
 * moved to the delayed stream with its delivery count, then deleted from its queue (postpone).
 */
import type { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { Subscription } from '@nats-io/transport-node';
import type { Logger } from '../log.js';
import { storeFailed } from '../queue-ops/failures.js';
import { Failure } from '../queue-ops/operations.js';
import type { QueueHandle } from './catalog.js';
import { isGone, isNoMessage } from './api-errors.js';
import { DUE_HEADER, numberHeader, itemOfJsMsg, itemOfStored } from './items.js';
import { reasonOf } from './reasons.js';
import { allDelayedSubjects, CONSUMER_NAME, delayedNamesOf, isDelayedStream, queueOfDelayedSubject } from './names.js';
import type { JetStreamStore } from './store.js';

/** How many delayed items a front end takes from a stream at a time (each given back at once if not due). */
const MOVE_BATCH = 64;
/** A due item whose queue refused it (full, or the store failing) is tried again after this long. */
const RETRY_MS = 1_000;

const ADVISORY = '$JS.EVENT.ADVISORY.STREAM.';

export class Delays {
  /** Delayed stream → the consumption that moves its due items. */
  private readonly movers = new Map<string, ConsumerMessages>();
  /** Queue name → the making of its delayed stream, done once per front end. */
  private readonly made = new Map<string, Promise<true | Failure>>();
  private advisories: Subscription | null = null;
  private stopped = false;

  constructor(
    private readonly store: JetStreamStore,
    private readonly js: JetStreamClient,
    private readonly log: Logger,
  ) {}

  /**
   * Moves the due items of every delayed stream there is, and of each one made later by any front
   * end; stops with one that is deleted (so that one made again under its name is consumed anew).
   */
  async start(): Promise<void> {
    this.advisories = this.store.nc.subscribe(`${ADVISORY}*.*`, {
      callback: (_err, msg) => {
        const [event, stream] = msg.subject.slice(ADVISORY.length).split('.');
        if (!isDelayedStream(stream)) return;
        if (event === 'CREATED') void this.move(stream);
        else if (event === 'DELETED') this.stopMoving(stream);
      },
    });
    await this.resume();
  }

  /** Moves the due items of every delayed stream there is (again, after a reconnect: a consumption may have ended). */
  async resume(): Promise<void> {
    for (const { stream } of await this.streams()) void this.move(stream);
  }

  stop(): void {
    this.stopped = true;
    this.advisories?.unsubscribe();
    for (const messages of this.movers.values()) messages.stop();
    this.movers.clear();
  }

  /** Every delayed stream, with its queue and how many items wait in it. */
  async streams(): Promise<Array<{ stream: string; queue: string; items: number; bytes: number }>> {
    const out: Array<{ stream: string; queue: string; items: number; bytes: number }> = [];
    const prefix = this.store.options.prefix;
    for await (const info of this.store.jsm.streams.list(allDelayedSubjects(prefix))) {
      const queue = queueOfDelayedSubject(prefix, info.config.subjects?.[0] ?? '');
      if (queue !== null) out.push({ stream: info.config.name, queue, items: info.state.messages, bytes: info.state.bytes });
    }
    return out;
  }

  /** Makes the delayed stream of a queue (and its consumer) unless done before; the subject to publish to. */
  async ready(handle: QueueHandle): Promise<string | Failure> {
    const names = delayedNamesOf(handle);
    let making = this.made.get(handle.queue);
    if (making === undefined) {
      making = this.make(names.stream, names.subject).then((made) => {
        if (made instanceof Failure) this.made.delete(handle.queue);
        return made;
      });
      this.made.set(handle.queue, making);
    }
    const made = await making;
    return made instanceof Failure ? made : names.subject;
  }

  /**
   * Moves item `id` of a queue, held through this front end and delivered `deliveries` times in
   * all, to the queue's delayed stream for `delayMs`: published there first (with its data, flags,
   * expiry and delivery count, under a message id that a release tried again shares), then deleted
   * from the queue. True once moved, false when the item was no longer in its queue.
   */
  async postpone(handle: QueueHandle, id: number, deliveries: number, delayMs: number): Promise<boolean | Failure> {
    const doing = `giving back item ${id} of queue ${handle.queue} with a delay`;
    let m;
    try {
      m = await this.store.jsm.streams.getMessage(handle.stream, { seq: id });
    } catch (err) {
      if (isNoMessage(err) || isGone(err)) return false;
      return storeFailed(reasonOf(err, doing));
    }
    if (m === null) return false;
    const item = itemOfStored(m);
    const stored = await this.store.publish(
      handle.queue,
      item.flags,
      item.expiresAt,
      item.data,
      { msgID: `later-${handle.stream}-${id}-${deliveries}`, deliveries },
      delayMs,
    );
    if (stored instanceof Failure) return stored;
    // Not there any more is taken as moved: a delete of a delivered item can say so although it
    // removed it (store.ts: acknowledge), and a copy deleted in error would be an item lost.
    const removed = await this.store.remove(handle, id);
    return removed instanceof Failure ? removed : true;
  }

  /** Asks again whether the delayed stream of a queue exists, at its next delayed set. */
  forget(queue: string): void {
    this.made.delete(queue);
  }

  /** The delayed stream of a queue is deleted (delete_queue): forgotten, and no longer consumed. */
  dropped(handle: QueueHandle): void {
    this.forget(handle.queue);
    this.stopMoving(delayedNamesOf(handle).stream);
  }

  private stopMoving(stream: string): void {
    this.movers.get(stream)?.stop();
    this.movers.delete(stream);
  }

  private async make(stream: string, subject: string): Promise<true | Failure> {
    const catalog = this.store.catalog;
    const made = await catalog.addStream(stream, subject, false);
    if (made instanceof Failure) return made;
    const consumer = await catalog.ensureConsumer(stream);
    if (consumer instanceof Failure) return consumer;
    void this.move(stream);
    return true;
  }

  /** Consumes a delayed stream until it is deleted or the front end stops. */
  private async move(stream: string): Promise<void> {
    if (this.stopped || this.movers.has(stream)) return;
    let queue: string | null;
    let messages: ConsumerMessages;
    try {
      const info = await this.store.jsm.streams.info(stream);
      queue = queueOfDelayedSubject(this.store.options.prefix, info.config.subjects?.[0] ?? '');
      if (queue === null || this.stopped || this.movers.has(stream)) return;
      const consumer = await this.js.consumers.get(stream, CONSUMER_NAME);
      messages = await consumer.consume({ max_messages: MOVE_BATCH, abort_on_missing_resource: true });
    } catch (err) {
      if (!isGone(err)) this.log.warn('cannot move the delayed items of a stream', { stream, reason: (err as Error).message });
      return;
    }
    if (this.stopped || this.movers.has(stream)) {
      messages.stop();
      return;
    }
    this.movers.set(stream, messages);
    try {
      for await (const m of messages) await this.moveOne(queue, stream, m);
    } catch {
      // The stream or its consumer was deleted (delete_queue): nothing more to move.
    } finally {
      if (this.movers.get(stream) === messages) this.movers.delete(stream);
    }
  }

  /** Gives an item back until it is due, or moves it to its queue. */
  private async moveOne(queue: string, stream: string, m: JsMsg): Promise<void> {
    const wait = numberHeader(m.headers, DUE_HEADER) - Date.now();
    if (wait > 0) {
      m.nak(wait);
      return;
    }
    const item = itemOfJsMsg(m);
    const stored = await this.store.publish(queue, item.flags, item.expiresAt, item.data, {
      msgID: `due-${stream}-${m.seq}`,
      deliveries: item.deliveries,
    });
    if (stored instanceof Failure) {
      m.nak(RETRY_MS);
      return;
    }
    try {
      await this.store.jsm.streams.deleteMessage(stream, m.seq, false);
    } catch (err) {
      // Gone already; or not deleted, and moved again later (one copy within the duplicate window).
      if (!isNoMessage(err) && !isGone(err)) m.nak(RETRY_MS);
    }
  }
}
