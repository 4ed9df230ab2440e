/**
 * What the text and binary sessions share: requests run strictly in the order they arrived, one
 * batch of replies per read, and a request that must wait (a blocking get, an outcome that comes
 * later, a delayed login failure) holds back every request behind it until it is answered. Input
 * that arrives meanwhile is held here unparsed, up to BACKLOG_HIGH_WATER, while the connection goes
 * on reading, so that a client that closes while it waits is seen at once.
 */
import { LOGIN_REQUEST_BYTES } from '../protocol/credentials.js';
import type { Connection, ProtocolSession } from './connection.js';
import { REPLY_HIGH_WATER } from './outbox.js';

/**
 * Bytes of input held behind a waiting request before the connection stops reading: room for a
 * deep pipeline of small commands, and a bound on what a client can park in the server. Past it,
 * the socket's own buffers take the rest (and the peer's close is seen once the wait ends). Before
 * login (a failed login's delay) only what a login needs.
 */
export const BACKLOG_HIGH_WATER = 64 * 1024;

/** A protocol's push-fed parser: bytes in, the requests they complete out, one at a time. */
export interface RequestParser<R> {
  /** Gives bytes, read in place until next() has taken them all or keepInput() copies them. */
  feed(chunk: Buffer): void;
  /** The next complete request, or null; it may be reused by the next call. */
  next(): R | null;
  /** The bytes fed are about to be overwritten: copies those not parsed yet. */
  keepInput(): void;
  /** While on, accepts only requests as small as a login needs. */
  limitToLogin(on: boolean): void;
  /** Gives back the bytes held for a request still arriving (the connection is gone). */
  release(): void;
}

export abstract class OrderedSession<R> implements ProtocolSession {
  /** The requests run stopped before the parser ran out of them (a wait, a full outbox, a stop). */
  private unrun = false;
  private waiting = false;
  /** Input received while a request waits, not parsed yet. */
  private backlog: Buffer[] = [];
  private backlogBytes = 0;
  /** Set by a request that ends the connection (quit, a stream that cannot be resynchronised). */
  protected stopped = false;

  constructor(
    protected readonly conn: Connection,
    private readonly parser: RequestParser<R>,
  ) {
    parser.limitToLogin(!conn.authenticated);
  }

  /** Runs one request, writing its replies into `conn.outbox.replies`. */
  protected abstract handle(req: R, now: number): void;

  abstract failureReply(reason: string): Buffer;

  receive(chunk: Buffer): void {
    if (this.waiting) {
      this.backlog.push(chunk);
      this.backlogBytes += chunk.length;
      if (this.backlogBytes >= (this.conn.authenticated ? BACKLOG_HIGH_WATER : LOGIN_REQUEST_BYTES)) this.conn.holdInput(true);
      return;
    }
    this.parser.feed(chunk);
    this.run();
  }

  get idle(): boolean {
    return !this.waiting && !this.unrun && this.backlog.length === 0;
  }

  loginChanged(loggedIn: boolean): void {
    this.parser.limitToLogin(!loggedIn);
  }

  close(): void {
    this.parser.release();
    this.backlog = [];
    this.backlogBytes = 0;
  }

  keepInput(): void {
    this.parser.keepInput();
  }

  inputEnded(): void {
    this.conn.ops.stopWaiting();
  }

  resume(): void {
    if (!this.waiting && !this.stopped && this.unrun && !this.conn.outputBlocked) this.run();
  }

  /**
   * Holds the requests behind this one until `pending` settles, then `answer`s with its value (and
   * the time then) and goes on, so replies keep request order; input that arrives meanwhile waits
   * in the backlog. A get that waits (`/t=`) is answered this way, as is any outcome of a store that
   * answers later (queue-ops/operations.ts). Once the client has closed its sending side nobody may
   * be left to answer, so a wait is stopped as soon as it starts (answered as if its time ran out).
   */
  protected later<T>(pending: Promise<T>, answer: (value: T, now: number) => void): void {
    this.waiting = true;
    if (this.conn.inputEnded) this.conn.ops.stopWaiting();
    const goOn = () => this.endWait();
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
      this.endWait();
    });
  }

  /** The waiting request is answered: parses the input held meanwhile and runs what follows. */
  private endWait(): void {
    this.waiting = false;
    if (this.backlog.length > 0) {
      const held = this.backlog;
      this.backlog = [];
      this.backlogBytes = 0;
      this.conn.holdInput(false);
      this.parser.feed(held.length === 1 ? held[0] : Buffer.concat(held));
    }
    this.run();
  }

  /**
   * Runs the parsed requests until there are no more, one waits, or the session stops; then commits
   * the batch of replies. Each request is run before the next is parsed (the parser reuses request
   * objects), and requests not run yet stay unparsed in the parser.
   */
  private run(): void {
    const now = this.conn.ctx.now();
    const parser = this.parser;
    this.unrun = true;
    while (!this.waiting && !this.stopped) {
      const req = parser.next();
      if (req === null) {
        this.unrun = false;
        break;
      }
      this.handle(req, now);
      if (this.conn.outbox.replies.length >= REPLY_HIGH_WATER) {
        this.conn.commit();
        if (this.conn.outputBlocked) break; // resume() goes on once the peer has read
      }
    }
    if (this.stopped) this.conn.end();
    else this.conn.commit();
  }
}
