/**
 * A pipelined binary-protocol connection for bulk work (pushing a stream, popping many items).
 *
 * Why not memjs here: memjs writes every request with its own socket write, ignores socket
 * back-pressure (a million pushes would all sit in memory), keeps one timeout list per server that
 * a long pipeline defeats, and leaves requests unsettled when the server closes the connection.
 * A bulk transfer needs batched writes, flow control and in-order replies, which this gives in
 * one small class; single requests still go through memjs (memjs-server.ts).
 *
 * The pipe only frames: callers send encoded requests, say how many replies they expect, and
 * receive the decoded replies in order, a read's worth at a time. Any failure (refused
 * connection, reset, close, a reply that cannot be decoded, silence past the deadline) is
 * reported once through `onFailure`, after which the pipe is dead.
 */
import net from 'node:net';
import { decodePackets, type Packet } from '../protocol/binary/packet.js';
import { asClientError, needsSetUp, connect, resetConnection, type Security } from './connect.js';
import { RqClientError, timedOut, unreachable } from './errors.js';
import { formatAddress, type ServerAddress } from './servers.js';

export interface PipeHandlers {
  /** Replies decoded from one read of the socket, in the order the requests were sent. */
  onReplies(replies: Packet[]): void;
  /** Called once when the pipe fails; never after close(). */
  onFailure(error: RqClientError): void;
}

export class Pipe {
  readonly server: string;
  private pending: Buffer | null = null;
  private outstanding = 0;
  /** Extra ms of silence allowed while a request that waits (`t=`) is outstanding. */
  private waitAllowanceMs = 0;
  private lastProgress = 0;
  private timer: NodeJS.Timeout | null = null;
  private dead = false;
  private readonly drained: Array<() => void> = [];

  private constructor(
    private readonly socket: net.Socket,
    address: ServerAddress,
    private readonly timeoutMs: number,
    private readonly handlers: PipeHandlers,
  ) {
    this.server = formatAddress(address);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('drain', () => this.drained.splice(0).forEach((resolve) => resolve()));
    socket.on('error', (err) => this.fail(unreachable(this.server, err)));
    socket.on('close', () => this.fail(new RqClientError('unreachable', this.server, 'connection closed by the server')));
  }

  /**
   * Connects (with TLS and a login when `security` asks for them: connect.ts), or rejects with an
   * RqClientError: 'unreachable', 'timeout', or 'protocol' for a refused login or certificate.
   */
  static connect(address: ServerAddress, timeoutMs: number, handlers: PipeHandlers, security?: Security): Promise<Pipe> {
    const server = formatAddress(address);
    if (needsSetUp(security)) {
      return connect(address.host, address.port, security, timeoutMs).then(
        (socket) => new Pipe(socket, address, timeoutMs, handlers),
        (err: unknown) => Promise.reject(asClientError(server, err)),
      );
    }
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: address.host, port: address.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new RqClientError('timeout', server, `could not connect within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(unreachable(server, err));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new Pipe(socket, address, timeoutMs, handlers));
      });
    });
  }

  get isDead(): boolean {
    return this.dead;
  }

  /** Replies still expected. */
  get inFlight(): number {
    return this.outstanding;
  }

  /**
   * Sends encoded requests that will get `replies` replies, allowing `waitMs` more silence for a
   * request that blocks on the server. Returns false when the socket's buffer is full: await drain().
   */
  send(bytes: Buffer, replies: number, waitMs = 0): boolean {
    if (this.dead) return true;
    if (this.outstanding === 0) this.lastProgress = Date.now();
    this.outstanding += replies;
    this.waitAllowanceMs = Math.max(this.waitAllowanceMs, waitMs);
    this.armTimer();
    return this.socket.write(bytes);
  }

  /** Resolves when the socket's write buffer has room again (or the pipe is dead). */
  drain(): Promise<void> {
    if (this.dead || !this.socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  /**
   * Drops the connection at once, without waiting for replies. Only for a connection whose one
   * request in flight is a blocking get: the server would otherwise hold the connection open
   * until that wait ends. What the connection holds goes back to its queue.
   */
  abort(): void {
    if (this.dead) return;
    this.dead = true;
    this.stopTimer();
    // A reset, not a FIN: a server keeps a half-closed connection open for the replies it owes.
    resetConnection(this.socket);
    this.drained.splice(0).forEach((resolve) => resolve());
  }

  /** Ends the connection after what was sent; the server then releases what this connection holds. */
  close(): void {
    if (this.dead) return;
    this.dead = true;
    this.stopTimer();
    this.socket.end();
    this.drained.splice(0).forEach((resolve) => resolve());
  }

  private receive(chunk: Buffer): void {
    if (this.dead) return;
    const buf = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    let decoded;
    try {
      decoded = decodePackets(buf);
    } catch (err) {
      return this.fail(new RqClientError('protocol', this.server, (err as Error).message));
    }
    this.pending = decoded.used === buf.length ? null : buf.subarray(decoded.used);
    if (decoded.packets.length === 0) return;
    if (decoded.packets.length > this.outstanding) {
      return this.fail(new RqClientError('protocol', this.server, 'the server sent a reply nobody asked for'));
    }
    this.outstanding -= decoded.packets.length;
    this.lastProgress = Date.now();
    if (this.outstanding === 0) {
      this.waitAllowanceMs = 0;
      this.stopTimer();
    }
    this.handlers.onReplies(decoded.packets);
  }

  private armTimer(): void {
    if (this.timer !== null || this.dead) return;
    this.timer = setTimeout(() => this.checkDeadline(), this.timeoutMs + this.waitAllowanceMs);
  }

  private checkDeadline(): void {
    this.timer = null;
    if (this.dead || this.outstanding === 0) return;
    const budget = this.timeoutMs + this.waitAllowanceMs;
    const silent = Date.now() - this.lastProgress;
    if (silent >= budget) return this.fail(timedOut(this.server, budget));
    this.timer = setTimeout(() => this.checkDeadline(), budget - silent);
  }

  private stopTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private fail(error: RqClientError): void {
    if (this.dead) return;
    this.dead = true;
    this.stopTimer();
    this.socket.destroy();
    this.drained.splice(0).forEach((resolve) => resolve());
    this.handlers.onFailure(error);
  }
}
