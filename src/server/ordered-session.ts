/**
 * What the text and binary sessions share: requests run strictly in the order they arrived, one
 * batch of replies per read, and a request that must wait (a blocking get, a delayed login failure)
 * holds back every request behind it until it is answered.
 */
import type { KeyOptions } from '../protocol/key.js';
import type { Item } from '../queue/types.js';
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
    this.run();
  }

  get idle(): boolean {
    return !this.waiting && this.next >= this.pending.length;
  }

  resume(): void {
    if (!this.waiting && !this.stopped && this.next < this.pending.length && !this.conn.outputBlocked) this.run();
  }

  /**
   * Blocks this connection until an item arrives on the key's queue or the wait times out;
   * `answer` then writes the reply (item, or null on timeout) and the requests behind go on.
   * The get is counted here, as a hit or a miss, when it ends.
   */
  protected waitForItem(key: KeyOptions, now: number, answer: (item: Item | null) => void): void {
    this.waiting = true;
    this.conn.setWaiting(true);
    this.conn.ctx.engine.wait(this.conn.holder, key.queue, now, key.waitMs, key.peek, key.leaseMs, (item) => {
      // Called from inside the engine: reply and resume after it returns.
      queueMicrotask(() => {
        if (this.conn.isClosed) return;
        if (item !== null) this.conn.ctx.counters.getHits++;
        else this.conn.ctx.counters.getMisses++;
        answer(item);
        this.waiting = false;
        this.conn.setWaiting(false);
        this.run();
      });
    });
  }

  /** Holds the requests behind this one for `delayMs` (a failed login), then `answer`s and goes on. */
  protected answerAfter(delayMs: number, answer: () => void): void {
    this.waiting = true;
    this.conn.holdFor(delayMs, () => {
      answer();
      this.waiting = false;
      this.run();
    });
  }

  /** Runs queued requests until done, blocked in a wait, or stopped; then commits the batch of replies. */
  private run(): void {
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
