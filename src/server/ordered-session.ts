/**
 * What the text and binary sessions share: requests run strictly in the order they arrived, one
 * batch of replies per read, and a request that must wait (a blocking get, an outcome that comes
 * later, a delayed login failure) holds back every request behind it until it is answered.
 */
import type { Connection, ProtocolSession } from './connection.js';
import { REPLY_HIGH_WATER } from './outbox.js';

/** A protocol's push-fed parser: bytes in, the requests they complete out. */
export interface RequestParser<R> {
  push(chunk: Buffer): R[];
}

export abstract class OrderedSession<R> implements ProtocolSession {
  private pending: R[] = [];
  private next = 0;
  private waiting = false;
  /** Set by a request that ends the connection (quit, a stream that cannot be resynchronised). */
  protected stopped = false;

  constructor(protected readonly conn: Connection, private readonly parser: RequestParser<R>) {}

  /** Runs one request, writing its replies into `conn.outbox.replies`. */
  protected abstract handle(req: R, now: number): void;

  abstract failureReply(reason: string): Buffer;

  receive(chunk: Buffer): void {
    const requests = this.parser.push(chunk);
    if (requests.length === 0) return;
    if (this.next >= this.pending.length) {
      this.pending = requests;
      this.next = 0;
    } else {
      for (const r of requests) this.pending.push(r);
    }
    this.handlePending();
  }

  get idle(): boolean {
    return !this.waiting && this.next >= this.pending.length;
  }

  resume(): void {
    if (!this.waiting && !this.stopped && this.next < this.pending.length && !this.conn.outputBlocked) this.handlePending();
  }

  /**
   * Holds the requests behind this one until `pending` settles, then `answer`s with its value (and
   * the time then) and goes on, so replies keep request order. Reading stops meanwhile, so requests
   * do not pile up behind it. A get that waits (`/t=`) is answered this way, as is any outcome of a
   * store that answers later (queue-ops/operations.ts).
   */
  protected later<T>(pending: Promise<T>, answer: (value: T, now: number) => void): void {
    this.waiting = true;
    this.conn.setWaiting(true);
    const goOn = () => {
      this.waiting = false;
      this.conn.setWaiting(false);
      this.handlePending();
    };
    pending.then(
      (value) => {
        if (this.conn.isClosed) return;
        answer(value, this.conn.ctx.now());
        goOn();
      },
      (error: unknown) => {
        // Outcomes never reject (they carry a Failure instead): this is a bug, and the connection's
        // later requests cannot be trusted to follow it. Say so and close.
        if (this.conn.isClosed) return;
        const reason = error instanceof Error ? error.message : String(error);
        this.conn.ctx.log.error('operation failed', { peer: this.conn.peer, reason });
        this.conn.outbox.replies.bytes(this.failureReply(`operation failed: ${reason}`));
        this.stopped = true;
        goOn();
      },
    );
  }

  /** Holds the requests behind this one for `delayMs` (a failed login), then `answer`s and goes on. */
  protected answerAfter(delayMs: number, answer: () => void): void {
    this.waiting = true;
    this.conn.holdFor(delayMs, () => {
      answer();
      this.waiting = false;
      this.handlePending();
    });
  }

  /** Runs queued requests until done, blocked in a wait, or stopped; then commits the batch of replies. */
  private handlePending(): void {
    const now = this.conn.ctx.now();
    while (this.next < this.pending.length && !this.waiting && !this.stopped) {
      this.handle(this.pending[this.next++], now);
      if (this.conn.outbox.replies.length >= REPLY_HIGH_WATER) {
        this.conn.commit();
        if (this.conn.outputBlocked) break; // resume() goes on once the peer has read
      }
    }
    if (this.next >= this.pending.length) {
      this.pending = [];
      this.next = 0;
    }
    if (this.stopped) this.conn.end();
    else this.conn.commit();
  }
}
