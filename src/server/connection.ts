/**
 * One client connection over any Duplex stream (a TCP socket, a TLS socket, or a test's duplexPair).
 * Tells the protocol from the first byte (0x80 starts a binary request, as in memcached), then hands
 * bytes to that protocol's session. Owns what both protocols share: the queue operations that hold
 * the connection's reservations, the ordered outbox, input flow control and clean-up when the peer
 * goes away.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { BinarySession } from './binary-session.js';
import type { ServerContext } from './context.js';
import { DirectWrites } from './direct-writes.js';
import { Outbox } from './outbox.js';
import type { QueueOperations } from './queue-ops/operations.js';
import { TextSession } from './text-session.js';

/** A protocol's handling of one connection's bytes. */
export interface ProtocolSession {
  receive(chunk: Buffer): void;
  /** The bytes that tell this protocol's client the server failed and is closing the connection. */
  failureReply(reason: string): Buffer;
  /** Earlier replies have gone out: go on with the requests held back by REPLY_HIGH_WATER. */
  resume(): void;
  /** True when every request read so far has been answered (none queued, no get waiting). */
  readonly idle: boolean;
  /**
   * The peer has closed its sending side (FIN): it sends nothing more, and may be gone altogether
   * (a close looks the same), so a blocked get stops waiting now, answered as if its time ran out.
   */
  inputEnded(): void;
  /** The connection logged in (or, after a failed binary login, out again). */
  loginChanged(loggedIn: boolean): void;
  /**
   * The chunk last received is about to be overwritten (the connection reads into a reused buffer):
   * copies whatever of it the session still holds.
   */
  keepInput(): void;
  /** The connection is gone: gives back what the session holds for it. */
  close(): void;
}

/** memcached protocol_binary.h: PROTOCOL_BINARY_REQ. */
const BINARY_REQUEST_MAGIC = 0x80;

export class Connection {
  /** This connection's queue operations; they hold its reservations. */
  readonly ops: QueueOperations;
  readonly outbox: Outbox;
  private session: ProtocolSession | null = null;
  /** Replies written straight to the socket's handle (direct-writes.ts); null: through the stream. */
  private direct: DirectWrites | null = null;
  private closed = false;
  private ending = false;
  /** The server is stopping: read nothing more, answer what was read, then close. */
  private draining = false;
  /**
   * Reasons input is paused: the session holds all the input it may behind a request that waits, a
   * client not reading its replies. A wait alone never pauses reading: a paused socket would not
   * see the peer close, and a closed client would keep its place and its waiter.
   */
  private pausedForBacklog = false;
  private pausedForOutput = false;
  /** The peer has shut down its side: ours ends once the requests it sent are answered. */
  private peerEnded = false;

  /** False until the client logs in when the server has `--auth-file`; true from the start otherwise. */
  private loggedIn: boolean;
  /** Closes a connection that has not logged in within the Authenticator's deadline. */
  private loginTimer: NodeJS.Timeout | null = null;
  /** A pause before an answer (a failed login's delay), cleared if the connection closes first. */
  private holdTimer: NodeJS.Timeout | null = null;
  /** The peer's address for the log (`host:port`), or `-` for a stream that is not a socket. */
  readonly peer: string;

  constructor(
    private readonly stream: Duplex,
    readonly ctx: ServerContext,
    private readonly onClosed: (conn: Connection) => void = () => {},
  ) {
    this.ops = ctx.queues.connect();
    this.loggedIn = ctx.auth === null;
    if (ctx.auth !== null) this.loginTimer = setTimeout(() => this.loginTimedOut(), ctx.auth.loginDeadlineMs);
    const socket = stream as Partial<Socket>;
    this.peer = socket.remoteAddress === undefined ? '-' : `${socket.remoteAddress}:${socket.remotePort}`;
    this.outbox = new Outbox(
      ctx.persistence.durability,
      (data) => this.send(data),
      (error) => this.journalFailed(error),
      () => this.flushed(),
    );
    stream.on('data', (chunk: Buffer) => this.receive(chunk));
    stream.on('drain', () => {
      this.pausedForOutput = false;
      this.outputTaken();
    });
    stream.on('error', (err) => {
      ctx.log.debug('connection error', { peer: this.peer, reason: err.message });
      this.stream.destroy();
    });
    stream.on('end', () => {
      this.peerEnded = true;
      this.session?.inputEnded();
      this.endIfAnswered();
    });
    stream.on('close', () => this.cleanUp());
  }

  get authenticated(): boolean {
    return this.loggedIn;
  }

  /** Marks the connection logged in (or out again, after a failed login on a binary connection). */
  setAuthenticated(value: boolean): void {
    this.loggedIn = value;
    this.session?.loginChanged(value);
    if (value && this.loginTimer !== null) {
      clearTimeout(this.loginTimer);
      this.loginTimer = null;
    }
  }

  private loginTimedOut(): void {
    this.loginTimer = null;
    if (this.closed || this.loggedIn) return;
    const seconds = this.ctx.auth!.loginDeadlineMs / 1000;
    this.ctx.log.info('connection closed: no login in time', { peer: this.peer, seconds });
    const reason = `no login within ${seconds} s: closing the connection`;
    this.outbox.writeNow();
    this.stream.write(this.session !== null ? this.session.failureReply(reason) : Buffer.from(`SERVER_ERROR ${reason}\r\n`));
    // Then closed for good: a stranger that never closes its side must not keep the place.
    this.stream.end(() => this.stream.destroy());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Writes replies straight to `socket`'s handle from now on, where this Node allows it (a plain
   * TCP socket only: TLS must go through its stream).
   */
  writeToHandle(socket: Socket): void {
    this.direct = DirectWrites.for(socket, () => this.outputTaken());
  }

  /** Reply bytes not yet taken by the peer: being built, held for the journal, queued in the stream. */
  bufferedOutput(): number {
    return this.outbox.bufferedBytes + this.stream.writableLength + (this.direct?.bufferedBytes ?? 0);
  }

  /** True while earlier replies are unsent: the socket is full, or the journal holds them. */
  get outputBlocked(): boolean {
    return this.pausedForOutput || this.outbox.pending || (this.direct?.pending ?? false);
  }

  /**
   * Every reply held for the journal went out: a session that stopped on them goes on. Not from
   * inside the outbox's callback (a journal may call back while a session is running), and only for
   * a session with requests left: an idle session's resume() does nothing, and one that stops on
   * held replies later is not idle when they go out. At depth 1 nearly every batch is held, and
   * Node's queueMicrotask allocates an AsyncResource and a bound function per call: one per batch
   * was a third of the bytes allocated per cycle (bench/RESULTS.md: issue 15, depth 1).
   */
  private flushed(): void {
    if (this.session !== null && !this.session.idle) queueMicrotask(this.resumeSession);
  }

  private readonly resumeSession = (): void => this.session?.resume();

  /** The socket took replies that had to wait: reading and running requests may go on. */
  private outputTaken(): void {
    this.updateFlow();
    this.session?.resume();
  }

  private receive(chunk: Buffer): void {
    this.ctx.counters.bytesRead += chunk.length;
    if (this.closed || this.ending) return;
    if (this.session === null) {
      this.session = chunk[0] === BINARY_REQUEST_MAGIC ? new BinarySession(this) : new TextSession(this);
    }
    this.session.receive(chunk);
  }

  /**
   * A read into a buffer shared with every connection (shared-reads.ts): `buffer[0, nread)` is this
   * connection's only during the call. A session that was busy (waiting, requests queued) holds the
   * chunk, so it gets a copy; one that stays busy after it copies what it kept.
   */
  receiveShared(nread: number, buffer: Buffer): void {
    const held = this.session !== null && !this.session.idle;
    this.receive(held ? Buffer.from(buffer.subarray(0, nread)) : buffer.subarray(0, nread));
    if (!held && this.session !== null && !this.session.idle) this.session.keepInput();
  }

  /** True once the peer has closed its sending side: it will send no more requests. */
  get inputEnded(): boolean {
    return this.peerEnded;
  }

  /** Stops (or restarts) reading: the session holds as much unrun input as it may. */
  holdInput(full: boolean): void {
    this.pausedForBacklog = full;
    this.updateFlow();
  }

  /**
   * Calls `then` after `ms`, unless the connection closed meanwhile: a failed login's answer waits
   * this way (the session holds the requests behind it). A timer, so other connections are served
   * meanwhile.
   */
  holdFor(ms: number, then: () => void): void {
    this.holdTimer = setTimeout(() => {
      this.holdTimer = null;
      if (this.closed) return;
      then();
    }, ms);
  }

  /** Ends a batch of replies (they go out once durable). */
  commit(): void {
    this.outbox.commit();
    this.ctx.afterChanges();
    if (this.peerEnded || this.draining) this.endIfAnswered();
  }

  /** After the peer's end, or while the server stops: ends this side once the session has answered everything it read. */
  private endIfAnswered(): void {
    if (this.ending) return;
    if (this.session === null || this.session.idle) this.end();
  }

  /**
   * The server is stopping: reads nothing more, lets the requests already read finish (the server
   * ends blocked gets), sends their replies once durable, then closes as soon as the last of them
   * is handed to the system (an idle connection that has every reply: at once), without waiting
   * for the client to close its side: a pooled idle connection may never do so, and nothing more
   * is owed to it. Reservations still open go back to their queues when the connection closes, as
   * for any disconnect.
   */
  drain(): void {
    if (this.closed || this.draining) return;
    this.draining = true;
    // Closing the socket after its last byte is written still delivers it: the system sends what
    // it holds, then the FIN.
    if (this.stream.writableFinished) return void this.stream.destroy();
    this.stream.once('finish', () => this.stream.destroy());
    this.updateFlow();
    this.endIfAnswered();
  }

  /** Sends what is committed, then closes (quit, or a stream that cannot be resynchronised). */
  end(): void {
    if (this.ending) return;
    this.ending = true;
    this.commit();
    this.outbox.writeNow();
    if (!this.outbox.pending) this.stream.end();
    // Read (and drop) what the peer still sends, so that its close is seen and the socket freed.
    this.stream.resume();
  }

  /** Closes at once without sending anything more. */
  destroy(): void {
    this.stream.destroy();
  }

  private send(data: Buffer): void {
    if (this.closed) return;
    this.ctx.counters.bytesWritten += data.length;
    if (this.direct?.write(data)) {
      if (this.direct.pending) this.updateFlow();
    } else if (!this.stream.write(data)) {
      this.pausedForOutput = true;
      this.updateFlow();
    }
    if (this.ending && !this.outbox.pending) this.stream.end();
  }

  private updateFlow(): void {
    if (this.closed || this.ending) return;
    const socketFull = this.pausedForOutput || (this.direct?.pending ?? false);
    if (this.pausedForBacklog || socketFull || this.draining) this.stream.pause();
    else this.stream.resume();
  }

  private journalFailed(error: Error): void {
    // Replies already promised to this client cannot be given: say so and close, so the client
    // knows its pipelined requests have unknown outcomes and retries them.
    if (this.closed) return;
    this.ctx.log.warn('journal write failed: closing the connection whose replies waited on it', {
      peer: this.peer,
      reason: error.message,
    });
    if (this.session !== null) this.stream.write(this.session.failureReply(`journal write failed: ${error.message}`));
    this.stream.end();
  }

  private cleanUp(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.holdTimer !== null) clearTimeout(this.holdTimer);
    if (this.loginTimer !== null) clearTimeout(this.loginTimer);
    this.outbox.discard();
    this.session?.close();
    this.ops.disconnect(this.ctx.now());
    this.ctx.afterChanges();
    this.onClosed(this);
  }
}
