/**
 * One server, spoken to through memjs (1.3.2): one request, one reply. memjs is loaded on first use
 * so that commands which do not need it never pay for it.
 *
 * memjs's rough edges, and what is done about each:
 * - Its 0.5 s default timeout fails slow but healthy requests, and its default of 2 attempts then
 *   sends the request again: a slow `set` would be enqueued twice. Here memjs makes exactly one
 *   attempt (`retries: 1` counts attempts) and its own timeout is set past any wait rq asks for;
 *   the deadline is ours (timeoutMs beyond the request's own wait), and on expiry the connection is
 *   dropped so that a late reply cannot be taken for another request's.
 * - It logs errors with console.log unless given a logger: it gets a silent one, and errors come
 *   back as RqClientError instead.
 * - Its high-level get hides the CAS field, which carries the item id: requests go through its
 *   lower-level `perform`, with packets built by requests.ts, and replies are read whole.
 * - stats() has no promise form, and merges what it reads into an object: STAT is sent through
 *   its lower-level onResponse/write instead, with the same deadline.
 * - When the server closes the connection, memjs forgets the socket but never fails the requests
 *   waiting on it: every socket it opens is watched here, and a close fails them.
 * - After a failure memjs opens a new socket on the next request, but the old socket's late
 *   'close' event then clears the new one from under it (the request waits out its deadline). So a
 *   MemjsServer is never reused once broken: it says so through `onBroken`, and the client opens
 *   a new one (client.ts).
 * - It reads MEMCACHIER_/MEMCACHE_ USERNAME and PASSWORD from the environment and would start SASL
 *   with them: the credentials are cleared, and rq's own (--user) are used by connect.ts instead.
 * - It connects with net.connect only: no TLS. With TLS or a login (connect.ts), the connection is
 *   opened and logged in here and handed to memjs as if it had made it (adopt()); memjs never
 *   opens a plain connection of its own for such a server.
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type * as Memjs from 'memjs';
import { MAX_WAIT_MS } from '../protocol/key.js';
import { asClientError, needsSetUp, connect, resetConnection, type Security } from './connect.js';
import { beforeSending, RqClientError, timedOut, unreachable } from './errors.js';
import { formatAddress, type ServerAddress } from './servers.js';
import { encodeStat } from './requests.js';
import type { StatsPairs } from './stats.js';

type MemjsModule = Pick<typeof Memjs, 'Client' | 'Server'>;
export type Reply = Memjs.Response;

let loading: Promise<MemjsModule> | null = null;

/**
 * memjs, loaded once. It is CommonJS: `require` loads it directly, where `import()` would first
 * scan every one of its files for named exports (cjs-module-lexer), a third of a one-shot
 * `rq push`'s start-up.
 */
function loadMemjs(): Promise<MemjsModule> {
  loading ??= Promise.resolve().then(() => createRequire(import.meta.url)('memjs') as MemjsModule);
  return loading;
}

/** memjs keeps its request counter private; requests built here need the next value as their opaque. */
interface ClientInternals {
  seq: number;
  incrSeq(): void;
}

const SILENT = { log: () => {} };

/** The fields of memjs's Server (1.3.2, lib/memjs/server.js) that adopt() sets as its own sock() does. */
interface MemjsSocketInternals {
  _socket: Socket | undefined;
  connected: boolean;
  responseHandler(chunk: Buffer): void;
}

export class MemjsServer {
  readonly server: string;
  private readonly watched = new WeakSet<Socket>();
  /** The socket memjs uses now, once connected. */
  private socket: Socket | null = null;
  private broken = false;
  /** A connection being opened by connect.ts (TLS, login), shared by the requests that wait for it. */
  private connecting: Promise<void> | null = null;

  private constructor(
    private readonly client: Memjs.Client,
    private readonly memServer: Memjs.Server,
    private readonly timeoutMs: number,
    private readonly address: ServerAddress,
    private readonly onBroken: () => void,
    private readonly security: Security | undefined,
  ) {
    this.server = formatAddress(address);
  }

  /**
   * Prepares a connection (opened on the first request). `onBroken` is called once, when the
   * connection can no longer be used: it could not be opened, broke, timed out, or was closed by
   * either side. Every request in flight then fails; later ones belong on a new MemjsServer.
   * `security` asks for TLS and a login (connect.ts).
   */
  static async create(
    address: ServerAddress,
    timeoutMs: number,
    onBroken: () => void = () => {},
    security?: Security,
  ): Promise<MemjsServer> {
    const memjs = await loadMemjs();
    const memServer = new memjs.Server(address.host, address.port, undefined, undefined, {
      // Seconds. Past the longest wait plus our deadline, so memjs's own timeout never fires first.
      timeout: (MAX_WAIT_MS + timeoutMs) / 1000 + 60,
      conntimeout: timeoutMs / 1000,
      keepAlive: false,
    });
    Object.assign(memServer, { username: undefined, password: undefined });
    const client = new memjs.Client([memServer], { retries: 1, failover: false, logger: SILENT });
    return new MemjsServer(client, memServer, timeoutMs, address, onBroken, security);
  }

  /**
   * Sends the packet `encode(opaque)` builds and resolves with the reply, whatever its status.
   * Rejects with an RqClientError ('unreachable' or 'timeout'); waitMs extends the deadline for a
   * request that blocks on the server.
   */
  async request(encode: (opaque: number) => Buffer, waitMs = 0): Promise<Reply> {
    await this.ready();
    const internals = this.client as unknown as ClientInternals;
    internals.incrSeq();
    const seq = internals.seq;
    const packet = encode(seq);
    return this.withDeadline(waitMs, (settle) => {
      this.client.perform('', packet, seq, (err: Error | null, reply: Reply) => settle(err, reply));
    });
  }

  /**
   * The server's `stats`, as name/value pairs in the server's order. Not memjs's stats(): it
   * collects the pairs into an object, which loses the order and merges equal names, and both
   * matter (`queue_a_total_items` is queue `a_total`'s items and queue `a`'s total_items).
   */
  async stats(): Promise<StatsPairs> {
    await this.ready();
    const internals = this.client as unknown as ClientInternals;
    internals.incrSeq();
    const seq = internals.seq;
    return this.withDeadline(0, (settle) => {
      const pairs: Array<[string, string]> = [];
      // docs/protocol.md "STAT": one packet per stat, then an empty packet; memjs keeps a `quiet`
      // handler registered until that empty packet.
      const handle = Object.assign(
        (reply: Reply) => {
          if (reply.header.status !== 0) {
            return settle(
              new RqClientError('protocol', this.server, `stats refused: ${reply.val.toString('latin1')}`, reply.header.status),
              pairs,
            );
          }
          if (reply.header.totalBodyLength === 0) return settle(null, pairs);
          pairs.push([reply.key.toString('utf8'), reply.val.toString('utf8')]);
        },
        { quiet: true },
      );
      this.memServer.onResponse(seq, handle);
      this.memServer.onError(seq, (err) => settle(err, pairs));
      this.memServer.write(encodeStat(seq));
    });
  }

  /** Ends the connection; the server releases whatever it holds that is not leased. */
  close(): void {
    this.markBroken();
    this.client.close();
  }

  /**
   * Drops the connection at once, failing any request in flight (a blocked reserve, say). With a
   * reset, not a FIN: a server keeps a half-closed connection open until a blocked get is answered.
   */
  destroy(): void {
    this.markBroken();
    if (this.socket !== null && !this.socket.destroyed) resetConnection(this.socket);
    this.memServer.error(new RqClientError('unreachable', this.server, 'connection closed by the client'));
  }

  /**
   * With TLS or a login, makes sure memjs has a connection opened by connect.ts before a request;
   * rejects with an RqClientError marked as before sending (and this MemjsServer is then broken).
   * Without them, memjs connects itself.
   */
  private ready(): Promise<void> {
    if (!needsSetUp(this.security)) return Promise.resolve();
    const internals = this.memServer as unknown as MemjsSocketInternals;
    if (internals._socket !== undefined) return Promise.resolve();
    this.connecting ??= connect(this.address.host, this.address.port, this.security, this.timeoutMs).then(
      (socket) => {
        this.connecting = null;
        this.adopt(socket);
      },
      (err: unknown) => {
        this.connecting = null;
        this.markBroken();
        throw asClientError(this.server, err);
      },
    );
    return this.connecting;
  }

  /** Hands memjs an open (and logged-in) socket, wired as memjs wires the ones it opens (memjs server.js sock()). */
  private adopt(socket: Socket): void {
    const internals = this.memServer as unknown as MemjsSocketInternals;
    internals._socket = socket;
    internals.connected = true;
    socket.on('data', (chunk: Buffer) => internals.responseHandler(chunk));
    socket.on('error', (err) => this.memServer.error(err));
    socket.on('close', () => {
      if (internals._socket !== socket) return;
      internals.connected = false;
      internals._socket = undefined;
    });
  }

  private markBroken(): void {
    if (this.broken) return;
    this.broken = true;
    this.onBroken();
  }

  private withDeadline<T>(waitMs: number, start: (settle: (err: Error | null, value: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const budget = this.timeoutMs + waitMs;
      // memjs.Server.error fails every request on the connection and drops the socket.
      const timer = setTimeout(() => this.memServer.error(timedOut(this.server, budget)), budget);
      let settled = false;
      let connected = false;
      this.watchClose(() => (connected = true));
      start((err, value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!err) return resolve(value);
        const error = err instanceof RqClientError ? err : unreachable(this.server, err);
        // A refusal (an error status) leaves the connection in step; anything else ends it.
        if (error.kind !== 'protocol') this.markBroken();
        // memjs writes a request only once connected: before that, nothing reached the server.
        reject(connected ? error : beforeSending(error));
      });
    });
  }

  /**
   * Makes a close of the current socket fail the requests memjs would otherwise leave waiting;
   * `onConnected` runs once the socket is connected (memjs calls it just before writing).
   */
  private watchClose(onConnected: () => void): void {
    this.memServer.sock(false, (socket) => {
      onConnected();
      this.socket = socket;
      if (this.watched.has(socket)) return;
      this.watched.add(socket);
      socket.once('close', () => {
        this.markBroken();
        this.memServer.error(new RqClientError('unreachable', this.server, 'connection closed by the server'));
      });
    });
  }
}
