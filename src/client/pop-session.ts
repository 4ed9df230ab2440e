/**
 * Popping many items from one server: reserve, hand to the caller, acknowledge only once the caller
 * says the items are written (docs/client.md "Popping").
 *
 * Requests are pipelined with at most `window` reservations outstanding (held or asked for), and
 * each acknowledgement rides on the next reservation: `q/close/open` acks the oldest item this
 * connection holds and reserves the next, so a long pop costs one request per item. Items are
 * written and acknowledged in the order they were reserved, which is what makes "the oldest item
 * this connection holds" the right one.
 *
 * When the queue runs dry and the caller may wait, everything written is acknowledged first and a
 * single blocking request (`q/close/open/t=…`) is sent with nothing else in flight: an item already
 * written is never left unacknowledged behind a wait. When the caller's output fails or it asks to
 * stop, what was written is acknowledged and the connection is closed, which puts every other
 * reservation back at the head of the queue in its original order.
 */
import { STATUS, STATUS_TEXT } from '../protocol/binary/constants.js';
import type { Packet } from '../protocol/binary/packet.js';
import { RqClientError } from './errors.js';
import type { Item } from './item.js';
import { ackOldestKey, deliveriesOf, reserveKey } from './keys.js';
import type { Pipe } from './pipe.js';
import { encodeBatch, encodeGet, errorText, flagsOf } from './requests.js';

/**
 * Hands items to the consumer, in order; resolves once every one of them may be acknowledged, and
 * rejects when they cannot all be delivered. A rejection with a PartlyDelivered error says how
 * many of the first items were delivered all the same: those are acknowledged, the rest released.
 */
export type Deliver = (items: Item[]) => Promise<void>;

/** A delivery that stopped part-way: the first `delivered` items of the batch reached the consumer. */
export class PartlyDelivered extends Error {
  constructor(
    readonly delivered: number,
    override readonly cause: Error,
  ) {
    super(cause.message);
    this.name = 'PartlyDelivered';
  }
}

/**
 * Reservations one pop keeps outstanding: the server's default `--max-open` (the most one
 * connection may hold on a queue), since a pop is latency-bound — each round trip brings at most a
 * window of items. A server with a lower limit refuses the excess (0x0086) and the window shrinks
 * to fit (see onReplies).
 */
export const DEFAULT_WINDOW = 100;

export interface PopTurn {
  /** Items wanted in this turn (Infinity for --follow). */
  readonly count: number;
  /** How long the queue may stay empty before the turn ends, in ms: 0 = not at all, Infinity = forever. */
  readonly waitMs: number;
  /** Longest single blocking request, in ms. */
  readonly waitSliceMs: number;
}

export interface TurnResult {
  readonly popped: number;
  /** The turn ended because the queue was empty (and stayed so for waitMs). */
  readonly empty: boolean;
}

/** What a request asks for: a reservation, an acknowledgement riding on one, or an acknowledgement alone. */
const RESERVE = 0;
const ACK_AND_RESERVE = 1;
const ACK = 2;
type Kind = typeof RESERVE | typeof ACK_AND_RESERVE | typeof ACK;

/** One server's side of a pop: a pipe and the bookkeeping of what it holds. Reused across turns (start() calls). */
export class PopSession {
  private window = DEFAULT_WINDOW;
  /** What each request sent and not answered asks for, oldest first (from sentHead). */
  private readonly sent: Kind[] = [];
  private sentHead = 0;
  /** The opaque of the next request to send, and of the next reply expected (both before `>>> 0`). */
  private opaque = 1;
  private replyOpaque = 1;
  /** The requests of each kind, encoded once (their opaques are written as they are sent). */
  private readonly requests: readonly Buffer[];
  /** Reservations asked for and not answered. */
  private opening = 0;
  /** Reserved and not yet acknowledged (or being acknowledged): ready + delivering + unacked. */
  private held = 0;
  /** Written by the caller, acknowledgement not yet sent. */
  private unacked = 0;
  private ready: Item[] = [];
  private delivering = false;
  /** The opaque of the blocking get (`t=`) in flight, the last request sent; null when there is none. */
  private blockingOpaque: number | null = null;
  private empty = false;
  private stopping = false;
  private failure: RqClientError | null = null;
  private outputError: Error | null = null;
  private turn: (PopTurn & { readonly waitUntil: number }) | null = null;
  private reserved = 0;
  /** Items of this turn the caller has written. */
  private delivered = 0;
  private finish: ((r: TurnResult) => void) | null = null;
  private fail: ((e: Error) => void) | null = null;

  constructor(
    private readonly queue: string,
    private readonly wire: string,
    private readonly deliver: Deliver,
  ) {
    this.requests = [
      encodeGet(reserveKey(wire), 0),
      encodeGet(reserveKey(wire, { ack: true }), 0),
      encodeGet(ackOldestKey(wire), 0),
    ];
  }

  private pipe: Pipe | null = null;

  /** Binds the session to its pipe; call before start(). The pipe's handlers must forward here. */
  attach(pipe: Pipe): void {
    this.pipe = pipe;
  }

  /** Runs until `count` items are popped or the queue stays empty for waitMs. */
  start(turn: PopTurn): Promise<TurnResult> {
    if (this.failure) return Promise.reject(this.failure);
    this.turn = { ...turn, waitUntil: turn.waitMs === Infinity ? Infinity : Date.now() + turn.waitMs };
    this.reserved = 0;
    this.delivered = 0;
    this.empty = false;
    return new Promise((resolve, reject) => {
      this.finish = resolve;
      this.fail = reject;
      this.pump();
    });
  }

  /** Stops taking items: acknowledges what was written, then closes (the server releases the rest). */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    if (this.turn === null) this.pipe?.close();
    else this.pump();
  }

  /** The pipe failed: whatever it held is back on the server (or the server is gone). */
  onFailure(error: RqClientError): void {
    if (this.failure) return;
    this.failure = error;
    this.fail?.(error);
  }

  onReplies(replies: Packet[]): void {
    for (const reply of replies) {
      const kind = this.sent[this.sentHead++];
      const opaque = this.replyOpaque++ >>> 0;
      if (reply.opaque !== opaque) return this.protocolFailure(`reply ${reply.opaque} arrived for request ${opaque}`);
      if (opaque === this.blockingOpaque) this.blockingOpaque = null;
      if (kind === ACK) {
        // `q/close` acknowledges and reserves nothing: the server answers with a miss.
        if (reply.status !== STATUS.KEY_NOT_FOUND && reply.status !== STATUS.SUCCESS) return this.refused(reply);
        continue;
      }
      this.opening--;
      if (reply.status === STATUS.SUCCESS) {
        this.held++;
        this.reserved++;
        this.empty = false;
        const deliveries = deliveriesOf(reply.key);
        if (deliveries === null)
          return this.protocolFailure('the reply has no delivery count (a server older than this client?)');
        this.ready.push({
          queue: this.queue,
          id: reply.cas,
          data: reply.value,
          flags: flagsOf(reply),
          server: this.pipe!.server,
          deliveries,
        });
      } else if (reply.status === STATUS.KEY_NOT_FOUND) {
        this.empty = true;
      } else if (this.isTooManyOpen(reply)) {
        // The server's --max-open is below our window: the whole request was refused, including its ack.
        if (kind === ACK_AND_RESERVE) {
          this.unacked++;
          this.held++;
        }
        this.window = Math.max(1, this.held + this.opening);
      } else {
        return this.refused(reply);
      }
    }
    if (this.sentHead > 1024 && this.sentHead * 2 > this.sent.length) {
      this.sent.splice(0, this.sentHead);
      this.sentHead = 0;
    }
    this.pump();
  }

  /** Decides what to send next, and whether the turn is over. */
  private pump(): void {
    const pipe = this.pipe!;
    const turn = this.turn;
    if (this.failure || turn === null) return;
    if (this.stopping || this.outputError) return this.windDown();

    const wanted = turn.count - this.reserved - this.opening;
    const kinds: Kind[] = [];
    const requests: Buffer[] = [];
    const add = (kind: Kind, request = this.requests[kind]) => {
      kinds.push(kind);
      requests.push(request);
    };
    let waitMs = 0;
    if (wanted > 0 && !this.empty) {
      // Burst: each ack rides on a reservation; then plain reservations, at most half the window
      // at a time, so that one half is in flight while the other is being written.
      const ride = Math.min(this.unacked, wanted);
      for (let i = 0; i < ride; i++) add(ACK_AND_RESERVE);
      this.unacked -= ride;
      this.held -= ride;
      this.opening += ride;
      const room = Math.min(
        this.window - this.held - this.opening,
        Math.ceil(this.window / 2) - this.opening + ride,
        wanted - ride,
      );
      for (let i = 0; i < room; i++) add(RESERVE);
      if (room > 0) this.opening += room;
    } else if (wanted > 0 && this.canWait(turn) && pipe.inFlight === 0 && !this.delivering && this.ready.length === 0) {
      // Dry: one blocking request, nothing else in flight, carrying the last acknowledgement.
      waitMs = Math.min(turn.waitSliceMs, turn.waitUntil - Date.now());
      for (; this.unacked > 1; this.unacked--, this.held--) add(ACK);
      const acks = this.unacked === 1;
      add(acks ? ACK_AND_RESERVE : RESERVE, encodeGet(reserveKey(this.wire, { ack: acks, waitMs }), 0));
      this.blockingOpaque = (this.opaque + requests.length - 1) >>> 0;
      if (acks) {
        this.unacked = 0;
        this.held--;
      }
      this.opening++;
    } else if (wanted <= 0 || this.empty) {
      // Nothing more to ask for now: acknowledge what was written.
      for (; this.unacked > 0; this.unacked--, this.held--) add(ACK);
    }
    if (kinds.length > 0) this.send(kinds, requests, waitMs);
    // After the send: the server works on those requests while these items are written.
    if (!this.delivering && this.ready.length > 0) this.startDelivery();

    const done = pipe.inFlight === 0 && !this.delivering && this.ready.length === 0 && this.unacked === 0;
    if (!done) return;
    if (this.reserved >= turn.count) return this.end({ popped: this.delivered, empty: false });
    if (this.empty && !this.canWait(turn)) return this.end({ popped: this.delivered, empty: true });
  }

  private canWait(turn: PopTurn & { readonly waitUntil: number }): boolean {
    return turn.waitMs > 0 && Date.now() < turn.waitUntil;
  }

  private send(kinds: readonly Kind[], requests: readonly Buffer[], waitMs: number): void {
    for (const k of kinds) this.sent.push(k);
    const bytes = encodeBatch(requests, this.opaque >>> 0);
    this.opaque += kinds.length;
    this.pipe!.send(bytes, kinds.length, waitMs);
  }

  /**
   * Hands the next items to the consumer, at most half a window: when one read brought a whole
   * window, the first half's acknowledgements (riding on the next reservations) reach the server
   * while the second half is written, so server and client work at the same time.
   */
  private startDelivery(): void {
    const most = Math.ceil(this.window / 2);
    const batch = this.ready.length <= most ? this.ready : this.ready.splice(0, most);
    if (batch === this.ready) this.ready = [];
    this.delivering = true;
    this.deliver(batch).then(
      () => {
        this.delivering = false;
        this.delivered += batch.length;
        this.unacked += batch.length;
        this.pump();
      },
      (err: Error) => {
        // What was delivered is acknowledged; the rest stays reserved and is released when the pipe closes.
        this.delivering = false;
        const delivered = err instanceof PartlyDelivered ? Math.min(err.delivered, batch.length) : 0;
        this.delivered += delivered;
        this.unacked += delivered;
        this.outputError = err instanceof PartlyDelivered ? err.cause : err;
        this.pump();
      },
    );
  }

  /**
   * Stop or output failure: once no delivery is under way, acknowledge what was delivered, wait for
   * the replies (so the acknowledgements are surely done), then close; the server releases the
   * rest. A blocking request in flight was sent after every acknowledgement: once their replies are
   * in, the connection is dropped at once instead of waiting for the wait to end.
   */
  private windDown(): void {
    const pipe = this.pipe!;
    if (this.delivering) return;
    if (pipe.isDead) {
      // Closed already (stopped between turns): nothing is held.
    } else if (this.blockingOpaque !== null) {
      if (pipe.inFlight > 1) return; // called again as the acknowledgements' replies come
      pipe.abort();
    } else {
      const kinds: Kind[] = [];
      const requests: Buffer[] = [];
      for (; this.unacked > 0; this.unacked--, this.held--) {
        kinds.push(ACK);
        requests.push(this.requests[ACK]);
      }
      if (kinds.length > 0) this.send(kinds, requests, 0);
      if (pipe.inFlight > 0) return; // called again as the replies come
      pipe.close();
    }
    if (this.outputError) this.fail?.(this.outputError);
    else this.end({ popped: this.delivered, empty: false });
  }

  private end(result: TurnResult): void {
    const finish = this.finish;
    this.finish = null;
    this.fail = null;
    this.turn = null;
    finish?.(result);
  }

  private isTooManyOpen(reply: Packet): boolean {
    // docs/protocol.md "Statuses": 0x0086 is the --max-open refusal.
    return reply.status === STATUS.TEMPORARY_FAILURE;
  }

  private refused(reply: Packet): void {
    this.protocolFailure(errorText(reply.value, STATUS_TEXT[reply.status] ?? `status ${reply.status}`), reply.status);
  }

  private protocolFailure(message: string, status?: number): void {
    const error = new RqClientError('protocol', this.pipe!.server, message, status);
    this.pipe!.close();
    this.onFailure(error);
  }
}
