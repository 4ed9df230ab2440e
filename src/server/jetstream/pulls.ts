/**
 * Reservations pulled from JetStream (`MSG.NEXT`): those that do not wait go with the other gets
 * of their turn on the same queue (batch-pulls.ts); those that wait pull one message each.
 * JetStream delivers a pulled message under its own subject, not the pull's reply subject, so each
 * rq connection waits through an inbox of its own (its requests run in order, one pull at a time): a message on it
 * answers the connection's current pull when it is an item of the queue pulled from; a status (no
 * message, the wait ran out) names the pull it answers by its reply subject. JetStream may still
 * deliver to a pull its requester has given up on (no answer in time, a wait that was stopped, a
 * pull from another queue earlier): such a message, and any that arrives when no pull waits for
 * it, is given back at once, so that no item stays reserved by nobody.
 */
import { createInbox, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { storeFailed } from '../queue-ops/failures.js';
import { Failure } from '../queue-ops/operations.js';
import type { QueueHandle } from './catalog.js';
import { deliveryOf } from './items.js';
import { BatchPulls } from './batch-pulls.js';
import { pullEnd } from './pull-status.js';
import { Turns } from './turns.js';

/** What a pull ends with: a message (now held), none, or a failure. */
export type PullResult = Msg | null | Failure;

/** A pull in progress: settles once; `cancel` settles it with null (a late message is given back). */
export interface Pull {
  readonly result: Promise<PullResult>;
  cancel(): void;
}

/** How long after a waiting pull's end its answer may still come before the pull counts as lost. */
const LOST_WAIT_MARGIN_MS = 2_000;

interface Current {
  readonly token: string;
  /** The stream of the queue pulled from: a late item of another queue's pull is no answer to it. */
  readonly stream: string;
  settle(result: PullResult): void;
}

/** What every connection's inbox shares: the NATS connection, the time limit, and shutdown. */
export class Pulls {
  private readonly inboxes = new Set<PullInbox>();
  /** Set by endAll: the server is stopping, so a pull that would wait is answered with none at once. */
  ended = false;
  /** The pulls that do not wait, gathered per turn and queue. */
  readonly batches: BatchPulls = new BatchPulls(this);

  constructor(
    readonly nc: NatsConnection,
    readonly timeoutMs: number,
    /** Gives back a message nobody waits for (a NAK). */
    readonly giveBack: (msg: Msg) => void,
    /** When a pull is sent: with the other requests of its turn. */
    readonly turns = new Turns(),
  ) {}

  /** A new connection's inbox. */
  inbox(): PullInbox {
    const inbox = new PullInbox(this);
    this.inboxes.add(inbox);
    return inbox;
  }

  forget(inbox: PullInbox): void {
    this.inboxes.delete(inbox);
  }

  /** The server is stopping: every waiting pull is answered with none, and later ones at once. */
  endAll(): void {
    this.ended = true;
    for (const inbox of this.inboxes) inbox.cancel();
  }
}

export class PullInbox {
  private readonly prefix = createInbox();
  private sub: Subscription | null = null;
  private current: Current | null = null;
  private nextToken = 1;
  /** Pulls sent and not yet answered by JetStream (a cancelled wait still runs there until it expires). */
  private outstanding = 0;
  private closed = false;

  constructor(private readonly pulls: Pulls) {}

  /**
   * Pulls one message from a queue: at once (with the other gets of this turn on the queue:
   * batch-pulls.ts), or waiting up to `waitMs` for one, through this connection's inbox.
   */
  pull(queue: Pick<QueueHandle, 'stream' | 'nextSubject'>, waitMs: number): Pull {
    this.cancel();
    if (waitMs === 0) return this.pulls.batches.pull(queue);
    if (this.pulls.ended) return { result: Promise.resolve(null), cancel: () => {} };
    const token = String(this.nextToken++);
    let settle!: (result: PullResult) => void;
    const result = new Promise<PullResult>((resolve) => {
      // JetStream answers a pull at once (a message, or none) or at the end of its wait; missing
      // that, it was lost (a consumer leader change), and the caller pulls again.
      const margin = Math.min(this.pulls.timeoutMs, LOST_WAIT_MARGIN_MS);
      const timer = setTimeout(() => settle(storeFailed('reserving: no answer from JetStream in time')), waitMs + margin);
      settle = (r) => {
        if (this.current?.token !== token) return;
        this.current = null;
        clearTimeout(timer);
        resolve(r);
      };
    });
    this.current = { token, stream: queue.stream, settle };
    void this.pulls.turns.next().then(() => this.send(queue.nextSubject, token, waitMs));
    return { result, cancel: () => settle(null) };
  }

  /** Sends pull `token`, unless it has ended before its turn came. */
  private send(nextSubject: string, token: string, waitMs: number): void {
    if (this.current?.token !== token) return;
    try {
      this.sub ??= this.pulls.nc.subscribe(`${this.prefix}.*`, { callback: (_err, msg) => this.arrived(msg) });
      const body = `{"batch":1,"expires":${waitMs * 1_000_000}}`;
      this.pulls.nc.publish(nextSubject, body, { reply: `${this.prefix}.${token}` });
      this.outstanding++;
    } catch (err) {
      this.current.settle(storeFailed(`reserving: ${(err as Error).message}`));
    }
  }

  /** Ends the current pull, if any, with none. */
  cancel(): void {
    this.current?.settle(null);
  }

  /**
   * The connection is gone: its inbox closes once JetStream has answered every pull it sent, or
   * after the time limit (then JetStream drops a pull still waiting, as nobody listens for it).
   */
  close(): void {
    this.closed = true;
    this.cancel();
    this.closeIfDone();
    if (this.sub !== null) setTimeout(() => this.closeNow(), this.pulls.timeoutMs).unref();
  }

  private closeNow(): void {
    this.outstanding = 0;
    this.closeIfDone();
  }

  private closeIfDone(): void {
    if (!this.closed || this.outstanding > 0) return;
    this.sub?.unsubscribe();
    this.sub = null;
    this.pulls.forget(this);
  }

  private arrived(msg: Msg): void {
    const isItem = msg.reply !== undefined && msg.reply.startsWith('$JS.ACK.');
    if (isItem) {
      this.outstanding = Math.max(0, this.outstanding - 1);
      if (this.current !== null && deliveryOf(msg.reply!)?.stream === this.current.stream) this.current.settle(msg);
      else this.pulls.giveBack(msg);
      return this.closeIfDone();
    }
    const end = pullEnd(msg);
    if (end === undefined) return;
    this.outstanding = Math.max(0, this.outstanding - 1);
    const token = msg.subject.slice(this.prefix.length + 1);
    if (this.current !== null && this.current.token === token) {
      this.current.settle(end === null ? null : storeFailed(`reserving: ${end.message}`));
    }
    this.closeIfDone();
  }
}
