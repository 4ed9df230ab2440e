/**
 * Reservations pulled from JetStream (`MSG.NEXT`): those that do not wait go with the other gets
 * of their turn on the same queue (batch-pulls.ts); those that wait pull one message each.
 * JetStream delivers a pulled message under its own subject, not the pull's reply subject, so each
 * rq connection waits through a token inbox of its own (token-inbox.ts; its requests run in
 * order, one pull at a time): a message on it answers the connection's current pull when it is an
 * item of the queue pulled from; a status (no message, the wait ran out) names the pull it answers
 * by its token. JetStream may still deliver to a pull its requester has given up on (no answer in
 * time, a wait that was stopped, a pull from another queue earlier): such a message, and any that
 * arrives when no pull waits for it, is given back at once, so that no item stays reserved by
 * nobody.
 */
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { storeFailed } from '../queue-ops/failures.js';
import { Failure } from '../queue-ops/operations.js';
import type { QueueHandle } from './catalog.js';
import { deliveryOf } from './items.js';
import { BatchPulls } from './batch-pulls.js';
import { pullEnd } from './pull-status.js';
import { TokenInbox } from './token-inbox.js';
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
  readonly batches: BatchPulls;

  constructor(
    readonly nc: NatsConnection,
    readonly timeoutMs: number,
    /** Gives back a message nobody waits for (a NAK). */
    readonly giveBack: (msg: Msg) => void,
    /** When a pull is sent: with the other requests of its turn. */
    readonly turns = new Turns(),
  ) {
    this.batches = new BatchPulls(this);
  }

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
  /** Where this connection's pulls are answered: the token of its current pull is open there. */
  private readonly inbox: TokenInbox;
  private current: Current | null = null;
  /** Pulls sent and not yet answered by JetStream (a cancelled wait still runs there until it expires). */
  private outstanding = 0;
  private closed = false;

  constructor(private readonly pulls: Pulls) {
    this.inbox = new TokenInbox(pulls.nc, (msg) => this.unmatched(msg));
  }

  /**
   * Pulls one message from a queue: at once (with the other gets of this turn on the queue:
   * batch-pulls.ts), or waiting up to `waitMs` for one, through this connection's inbox.
   */
  pull(queue: Pick<QueueHandle, 'stream' | 'nextSubject'>, waitMs: number): Pull {
    this.cancel();
    if (waitMs === 0) return this.pulls.batches.pull(queue);
    if (this.pulls.ended) return { result: Promise.resolve(null), cancel: () => {} };
    let token = '';
    let settle!: (result: PullResult) => void;
    const result = new Promise<PullResult>((resolve) => {
      settle = (r) => {
        if (this.current?.token !== token) return;
        this.current = null;
        this.inbox.end(token);
        resolve(r);
      };
    });
    // JetStream answers a pull at once (a message, or none) or at the end of its wait; missing
    // that, it was lost (a consumer leader change), and the caller pulls again.
    const margin = Math.min(this.pulls.timeoutMs, LOST_WAIT_MARGIN_MS);
    try {
      token = this.inbox.add({
        deadline: Date.now() + waitMs + margin,
        answered: (msg) => this.ended(msg),
        expired: () => settle(storeFailed('reserving: no answer from JetStream in time')),
      });
    } catch (err) {
      return { result: Promise.resolve(storeFailed(`reserving: ${(err as Error).message}`)), cancel: () => {} };
    }
    this.current = { token, stream: queue.stream, settle };
    void this.pulls.turns.next().then(() => this.send(queue.nextSubject, token, waitMs));
    return { result, cancel: () => settle(null) };
  }

  /** Sends pull `token`, unless it has ended before its turn came. */
  private send(nextSubject: string, token: string, waitMs: number): void {
    if (this.current?.token !== token) return;
    try {
      const body = `{"batch":1,"expires":${waitMs * 1_000_000}}`;
      this.pulls.nc.publish(nextSubject, body, { reply: this.inbox.replyTo(token) });
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
    if (this.outstanding > 0) setTimeout(() => this.closeNow(), this.pulls.timeoutMs).unref();
  }

  private closeNow(): void {
    this.outstanding = 0;
    this.closeIfDone();
  }

  private closeIfDone(): void {
    if (!this.closed || this.outstanding > 0) return;
    this.inbox.close();
    this.pulls.forget(this);
  }

  /** A status on the current pull's token: the end of that pull, unless a heartbeat. */
  private ended(msg: Msg): void {
    const end = pullEnd(msg);
    if (end === undefined) return;
    this.outstanding = Math.max(0, this.outstanding - 1);
    this.current?.settle(end === null ? null : storeFailed(`reserving: ${end.message}`));
    this.closeIfDone();
  }

  /**
   * A message JetStream delivered (under its stream's subject: the answer to the current pull when
   * of its queue, else given back), or the status of a pull that ended before JetStream answered.
   */
  private unmatched(msg: Msg): void {
    if (msg.reply !== undefined && msg.reply.startsWith('$JS.ACK.')) {
      this.outstanding = Math.max(0, this.outstanding - 1);
      if (this.current !== null && deliveryOf(msg.reply)?.stream === this.current.stream) this.current.settle(msg);
      else this.pulls.giveBack(msg);
    } else if (pullEnd(msg) !== undefined) {
      this.outstanding = Math.max(0, this.outstanding - 1);
    }
    this.closeIfDone();
  }
}
