/**
 * The queues of `rq serve --store nats://…`: a stateless front end on a NATS JetStream cluster
 * (docs/scale-out.md). Each queue is a work-queue stream with one durable pull consumer that every
 * front end reserves through, so a reservation is held once across all of them. The mapping:
 *
 * - set → publish, answered once JetStream acknowledges it (stored on a quorum of the stream's replicas);
 * - get → pull one message (`MSG.NEXT`, at once or waiting for `t=`); the item id is its stream sequence;
 * - delete → delete the message by sequence, answered once a quorum has applied it: an ack of the
 *   consumer is answered before it is replicated, and could come back after a leader change, where
 *   a delete cannot; JetStream treats a pending message that is deleted as acknowledged. Any front
 *   end can end any reservation by id this way;
 * - give back (abort, a connection gone) → NAK, redelivered at once, or with `delay=` once that
 *   delay has passed; a lease, or a lease renewed by `touch` → NAK with the lease as its delay, so
 *   JetStream itself gives the item back when the lease ends, whatever becomes of this front end
 *   (acks.ts);
 * - held without a lease → kept alive with `+WPI` while the front end runs (held.ts), back after the
 *   ack wait if it dies; a `touch` to no lease sends one at once.
 */
import { jetstream, PubHeaders, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { headers, nuid, type NatsConnection } from '@nats-io/transport-node';
import type { Item } from '../../queue/types.js';
import type { QueueLimits } from '../../queue/limits.js';
import { IMMEDIATE } from '../durability.js';
import type { Logger } from '../log.js';
import type { Persistence } from '../persistence.js';
import { queueFull, storeFailed } from '../queue-ops/failures.js';
import { Failure, type Queues } from '../queue-ops/operations.js';
import type { QueueFigures, QueueStore } from '../queue-ops/store.js';
import type { ServerCounters } from '../stats.js';
import { Acks, ackSubjectOf } from './acks.js';
import { isGone, isNoMessage, isNoStream, isTimeout } from './api-errors.js';
import { Catalog, type QueueHandle } from './catalog.js';
import { DeadLetters } from './dead-letters.js';
import { Delays } from './delays.js';
import { HeldItems, type Held } from './held.js';
import { expired, headersOf, itemOfStored } from './items.js';
import { delayedNamesOf } from './names.js';
import { JetStreamOperations } from './operations.js';
import type { StoreOptions } from './options.js';
import { Pulls } from './pulls.js';
import { delivered, reserved, storedAfter } from './reads.js';
import { queueFigures, totalsOf } from './figures.js';
import { reasonOf } from './reasons.js';
import { Requests } from './requests.js';
import { Turns } from './turns.js';

/** JetStream's answer to a publish past a stream's max_msgs or max_bytes (discard new). */
const FULL = /maximum (messages|bytes) exceeded/;
/** Bytes of a NATS payload kept for rq's headers (flags, expiry, message id). */
const HEADER_ROOM = 1024;
/** A publish is tried this many times within the time limit, each waiting this share of it. */
const PUBLISH_ATTEMPTS = 5;
/** The pause before sending again a publish nothing answered (a stream leader is being elected). */
const RETRY_PAUSE_MS = 100;
/** JetStream's API for deleting a message of a stream (followed by the stream's name). */
const DELETE_API = '$JS.API.STREAM.MSG.DELETE.';
/** A peek steps over at most this many expired items (deleting them) before it answers none. */
const MAX_EXPIRED_STEPPED = 100;

export class JetStreamStore implements QueueStore {
  readonly persistence: Persistence;
  readonly catalog: Catalog;
  readonly pulls: Pulls;
  readonly held: HeldItems;
  readonly acks: Acks;
  readonly deadLetters: DeadLetters;
  readonly delays: Delays;
  readonly jsm: JetStreamManager;
  /** The requests of one turn go out in one write (turns.ts): publishes, pulls, deletes. */
  readonly turns = new Turns();
  /** Publishes and deletes, through the front end's own inbox (requests.ts). */
  private readonly requests: Requests;
  private readonly js: JetStreamClient;
  /** Why the cluster cannot be reached now, or null while connected. */
  private down: string | null = null;
  private flushAllTimer: NodeJS.Timeout | null = null;
  /** Every connection's operations, until it disconnects. */
  private readonly connections = new Set<JetStreamOperations>();

  constructor(
    readonly nc: NatsConnection,
    jsm: JetStreamManager,
    readonly options: StoreOptions,
    readonly limits: QueueLimits,
    private readonly log: Logger,
  ) {
    this.jsm = jsm;
    this.requests = new Requests(nc, this.turns);
    this.js = jetstream(nc, { timeout: options.timeoutMs });
    this.catalog = new Catalog(nc, jsm, options, limits);
    this.catalog.start();
    this.acks = new Acks(nc, options.timeoutMs);
    this.deadLetters = new DeadLetters(this, limits.maxDeliveries, log);
    this.delays = new Delays(this, this.js, log);
    this.pulls = new Pulls(nc, options.timeoutMs, (msg) => this.acks.giveBack(msg.reply!), this.turns);
    this.held = new HeldItems(nc, options.ackWaitMs);
    void this.watch();
    this.persistence = {
      durability: IMMEDIATE,
      writeRefusal: () => this.down,
      stats: () => [
        ['store', 'jetstream'],
        ['store_connected', this.down === null ? 1 : 0],
        ['store_replicas', options.replicas],
        ['store_held', this.held.size],
      ],
      close: () => this.close(),
    };
  }

  queues(counters: ServerCounters): Queues {
    return {
      connect: () => {
        const ops = new JetStreamOperations(this, counters);
        this.connections.add(ops);
        return ops;
      },
    };
  }

  /**
   * The largest item the NATS servers take: their max_payload, less room for rq's headers. rq
   * serve lowers --max-item-size to it.
   */
  get maxItemSize(): number {
    return (this.nc.info?.max_payload ?? HEADER_ROOM * 1024) - HEADER_ROOM;
  }

  /** Why changes are refused now (the cluster cannot be reached), or null. */
  refusal(): Failure | null {
    return this.down === null ? null : storeFailed(this.down);
  }

  async figures(now: number): Promise<QueueFigures | Failure> {
    try {
      const [streams, delayed] = await Promise.all([this.catalog.streams(), this.delays.streams()]);
      const waiting = new Map(delayed.map((d) => [d.queue, d]));
      const queues = await Promise.all(streams.map((s) => queueFigures(this, s.name, s.info, now, waiting.get(s.name))));
      return {
        totals: totalsOf(
          streams.map((s) => s.info),
          queues,
        ),
        queues,
      };
    } catch (err) {
      return storeFailed(reasonOf(err, 'reading the queue figures'));
    }
  }

  nextDeadline(): number {
    return Infinity;
  }

  tick(): void {}

  endWaits(): void {
    this.pulls.endAll();
    for (const ops of this.connections) ops.stopWaiting();
  }

  /** A connection is gone (its operations gave back what they held). */
  disconnected(ops: JetStreamOperations): void {
    this.connections.delete(ops);
  }

  /** True once the server is stopping: a get that would wait answers none at once. */
  get waitsEnded(): boolean {
    return this.pulls.ended;
  }

  /**
   * Appends an item; succeeds with its id once JetStream has stored it (on a quorum of replicas).
   * An attempt that gets no answer may or may not have been stored, so it is sent again with the
   * same message id until the time limit: JetStream keeps one copy (its duplicate window), and
   * answers the retry with the first copy's sequence. A publish right after a stream is made, or
   * during a leader election (when nothing takes the subject), is carried through this way instead
   * of failing, without asking again whether the queue exists. An item `moved` from
   * another stream (to a dead-letter queue, or a delayed item now due) brings its own message id
   * and delivery count, and its queue is made past any limit (dead-letters.ts, delays.ts); one with
   * `delayMs` waits with the queue's delayed items until that long after it is sent (its id is its
   * place there): after the delayed stream is made, so that a slow making does not eat the delay.
   */
  async publish(
    name: string,
    flags: number,
    expiresAt: number,
    data: Buffer,
    moved?: { readonly msgID: string; readonly deliveries: number },
    delayMs = 0,
  ): Promise<number | Failure> {
    const msgID = moved?.msgID ?? nuid.next();
    const deadline = Date.now() + this.options.timeoutMs;
    let remade = false;
    for (;;) {
      const handle = this.catalog.cached(name) ?? (await this.catalog.make(name, moved !== undefined));
      if (handle instanceof Failure) return handle;
      const subject = delayMs === 0 ? handle.subject : await this.delays.ready(handle);
      if (subject instanceof Failure) return subject;
      const left = deadline - Date.now();
      try {
        const timeout = Math.max(1, Math.min(left, this.options.timeoutMs / PUBLISH_ATTEMPTS));
        const h = headersOf(flags, expiresAt, moved?.deliveries, delayMs === 0 ? 0 : Date.now() + delayMs) ?? headers();
        h.set(PubHeaders.MsgIdHdr, msgID);
        const ack = await this.requests.json<{ seq: number }>(subject, data, timeout, h);
        return ack.seq;
      } catch (err) {
        if (FULL.test((err as Error).message)) {
          handle.counts.rejected++;
          return queueFull(name, this.limits);
        }
        // No stream took it: its leader is being elected, or it was deleted. A queue deleted by any
        // front end is forgotten on its advisory (catalog.ts; advisories missed while disconnected
        // are made up for by forgetting every queue on reconnecting), and the next try makes it
        // again; a queue's delayed stream, deleted with it elsewhere, is made again once.
        const noStream = isNoStream(err);
        if (noStream && delayMs > 0 && !remade) {
          remade = true;
          this.delays.forget(name);
          continue;
        }
        if ((!noStream && !isTimeout(err)) || Date.now() + RETRY_PAUSE_MS >= deadline) {
          return storeFailed(reasonOf(err, `storing in queue ${name}`));
        }
        // No leader, or no answer: an election, most likely. Wait a moment and send it again.
        await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
      }
    }
  }

  /**
   * Acknowledges item `id` of a queue by deleting it; true once a quorum has applied the delete,
   * false when there was no such item.
   */
  async remove(handle: QueueHandle, id: number): Promise<boolean | Failure> {
    const deleted = await this.deleteItem(handle, id);
    return deleted === true || deleted instanceof Failure ? deleted : false;
  }

  /**
   * Acknowledges an item delivered to this front end and still held here; true once it is gone for
   * good, false when its queue is gone. JetStream may answer "no message found" to a delete of a
   * delivered item although that very delete removed it: nats-server ends the delivery of a deleted
   * message as if acknowledged, and on a replicated stream that acknowledgement can remove the
   * message from the stream leader's copy before the leader applies the delete. The answer cannot
   * tell this from an item already gone (flushed, acknowledged by id elsewhere); either way it
   * never comes back.
   */
  async acknowledge(h: Held): Promise<boolean | Failure> {
    const deleted = await this.deleteItem(h.queue, h.id);
    return deleted === 'no queue' ? false : deleted === 'no item' ? true : deleted;
  }

  private async deleteItem(handle: QueueHandle, id: number): Promise<boolean | 'no item' | 'no queue' | Failure> {
    try {
      const body = `{"seq":${id},"no_erase":true}`;
      return (await this.requests.json<{ success: boolean }>(`${DELETE_API}${handle.stream}`, body, this.options.timeoutMs))
        .success;
    } catch (err) {
      if (isNoMessage(err)) return 'no item';
      if (isGone(err)) return 'no queue';
      return storeFailed(reasonOf(err, `acknowledging item ${id} of queue ${handle.queue}`));
    }
  }

  /**
   * Says `body` (acks.ts) about item `id` delivered through any front end, on an ack subject built
   * from its stream sequence; `doing` names it in a failure. False when it is not reserved
   * (delivered, and still in the stream: JetStream cannot tell one given back and not yet
   * delivered again).
   */
  async sayById(handle: QueueHandle, id: number, body: string, doing: string): Promise<boolean | Failure> {
    const consumer = await reserved(this.jsm, handle, id);
    if (consumer === null || consumer instanceof Failure) return consumer ?? false;
    return this.acks.send(ackSubjectOf(handle, id, consumer.consumerSeq), body, doing);
  }

  /**
   * Acknowledges item `id` held through another front end: false when it is not reserved. It is
   * looked for first, so that a delete answered "no message found" (see acknowledge) still counts
   * as this acknowledgement when the item was there a moment before.
   */
  async removeById(handle: QueueHandle, id: number): Promise<boolean | Failure> {
    const consumer = await reserved(this.jsm, handle, id);
    if (consumer === null || consumer instanceof Failure) return consumer ?? false;
    const removed = await this.remove(handle, id);
    return removed instanceof Failure ? removed : true;
  }

  /** The item the next reservation would take among those never delivered (expired ones dropped), or null. */
  async head(handle: QueueHandle, now: number): Promise<Item | null | Failure> {
    const consumer = await delivered(this.jsm, handle);
    if (consumer === null || consumer instanceof Failure) return consumer;
    let after = consumer.streamSeq;
    for (let i = 0; i < MAX_EXPIRED_STEPPED; i++) {
      const m = await storedAfter(this.jsm, handle, after);
      if (m === null || m instanceof Failure) return m;
      const item = itemOfStored(m);
      if (!expired(item, now)) return item;
      if ((await this.remove(handle, m.seq)) === true) handle.counts.expired++;
      after = m.seq;
    }
    return null;
  }

  /** Resolves true when an item is published to the queue within `waitMs`, false when not (or `cancel`led). */
  published(handle: QueueHandle, waitMs: number): { result: Promise<boolean>; cancel(): void } {
    let done!: (appeared: boolean) => void;
    const result = new Promise<boolean>((resolve) => {
      const sub = this.nc.subscribe(handle.subject, { max: 1, callback: () => done(true) });
      const timer = setTimeout(() => done(false), waitMs);
      done = (appeared) => {
        clearTimeout(timer);
        sub.unsubscribe();
        resolve(appeared);
      };
    });
    return { result, cancel: () => done(false) };
  }

  /** Removes every item of a queue, delayed ones too (JetStream purges a stream whole: reserved items too). */
  async purge(name: string): Promise<number | Failure> {
    const handle = await this.catalog.find(name);
    if (handle === null || handle instanceof Failure) return handle ?? 0;
    let purged = 0;
    for (const stream of [handle.stream, delayedNamesOf(handle).stream]) {
      try {
        purged += (await this.jsm.streams.purge(stream)).purged;
      } catch (err) {
        if (!isGone(err)) return storeFailed(reasonOf(err, `flushing queue ${name}`));
      }
    }
    return purged;
  }

  /** Purges every queue now, or after `delayMs` (a later call replaces an earlier one). */
  async purgeAll(delayMs: number): Promise<undefined | Failure> {
    if (this.flushAllTimer !== null) clearTimeout(this.flushAllTimer);
    this.flushAllTimer = null;
    if (delayMs > 0) {
      this.flushAllTimer = setTimeout(() => {
        this.flushAllTimer = null;
        void this.purgeAll(0).then((outcome) => {
          if (outcome instanceof Failure) this.log.warn('delayed flush_all failed', { reason: outcome.reason });
        });
      }, delayMs);
      this.flushAllTimer.unref();
      return undefined;
    }
    try {
      for (const { name } of await this.catalog.streams()) {
        const outcome = await this.purge(name);
        if (outcome instanceof Failure) return outcome;
      }
      return undefined;
    } catch (err) {
      return storeFailed(reasonOf(err, 'flushing every queue'));
    }
  }

  /** Deletes a queue's stream: its items, reservations and waits end. False when there was none. */
  async drop(name: string): Promise<boolean | Failure> {
    const handle = await this.catalog.find(name);
    if (handle === null || handle instanceof Failure) return handle ?? false;
    try {
      const deleted = await this.jsm.streams.delete(handle.stream);
      this.catalog.forget(name);
      await this.dropDelayed(handle);
      return deleted;
    } catch (err) {
      if (isGone(err)) return false;
      return storeFailed(reasonOf(err, `deleting queue ${name}`));
    }
  }

  /** Deletes the stream of a queue's delayed items, if it has one. */
  private async dropDelayed(handle: QueueHandle): Promise<void> {
    this.delays.dropped(handle);
    try {
      await this.jsm.streams.delete(delayedNamesOf(handle).stream);
    } catch (err) {
      if (!isGone(err)) throw err;
    }
  }

  /** Forgets a reservation held through this front end (acknowledged, given back, or its queue gone). */
  release(h: Held): void {
    this.held.delete(h);
    h.holder?.forget(h);
    h.holder = null;
  }

  private async watch(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect') {
        this.down = `lost the connection to the NATS server ${s.server}; reconnecting`;
        this.log.warn('store unreachable', { server: s.server });
      } else if (s.type === 'reconnect') {
        this.down = null;
        // Advisories may have been missed meanwhile, and a consumption of delayed items ended.
        this.catalog.clear();
        this.delays
          .resume()
          .catch((err: unknown) => this.log.warn('cannot list the delayed items to move', { reason: (err as Error).message }));
        this.log.info('store reachable again', { server: s.server });
      } else if (s.type === 'close') {
        this.down = 'the connection to the NATS servers is closed';
      }
    }
  }

  private async close(): Promise<void> {
    this.pulls.endAll();
    this.held.stop();
    if (this.flushAllTimer !== null) clearTimeout(this.flushAllTimer);
    if (this.nc.isClosed()) return;
    // The give-backs of the connections just closed go out before the connection ends.
    try {
      await this.nc.flush();
    } catch {
      // Unreachable: JetStream gives those items back after the ack wait.
    }
    this.catalog.stop();
    this.delays.stop();
    this.requests.close();
    await this.nc.close();
  }
}
