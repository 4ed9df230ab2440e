/**
 * rq's server: the only layer with a listening socket. Builds the shared context over a queue store
 * (the embedded engine, or JetStream), accepts connections, owns the one timer that drives the
 * store's deadlines, and stops cleanly.
 */
import net from 'node:net';
import tls from 'node:tls';
import { PartialBytes } from '../protocol/partial-bytes.js';
import type { QueueEngine } from '../queue/engine.js';
import { VERSION } from '../version.js';
import type { Authenticator } from './auth.js';
import { Connection } from './connection.js';
import type { Limits, ServerContext } from './context.js';
import { memoryOnly, type Backing, type Persistence } from './persistence.js';
import { Failure, isPending } from './queue-ops/operations.js';
import { EngineStore, storeOf, type QueueFigures, type QueueStore } from './queue-ops/store.js';
import { SILENT_LOG, type Logger } from './log.js';
import { REFUSING_AT_ONCE } from './descriptors.js';
import { refuseConnection } from './refuse.js';
import { SharedReads } from './shared-reads.js';
import { collectStats, ServerCounters } from './stats.js';

export interface ServerOptions {
  /** Address to listen on; loopback unless asked otherwise. */
  readonly host: string;
  /** Port; 0 picks a free one. */
  readonly port: number;
  /**
   * `--max-item-size` and `--max-connections`; the queue limits are the engine's, and build it when
   * the server is given no engine.
   */
  readonly limits: Limits;
  /** Where events go; nothing is logged when absent. */
  readonly log?: Logger;
  /** When set, every connection must authenticate before anything else (`--auth-file`). */
  readonly auth?: Authenticator;
  /** When set, both protocols are served over TLS only (`--tls-cert`, `--tls-key`). */
  readonly tls?: TlsFiles;
}

/** A certificate chain and its private key, PEM. */
export interface TlsFiles {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** How long a client has to finish the TLS handshake; Node's default (120 s) lets idle sockets pile up. */
const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** The longest delay Node's setTimeout accepts. */
const MAX_TIMER_MS = 0x7fffffff;

export class RqServer {
  readonly store: QueueStore;
  readonly counters = new ServerCounters();
  readonly partialBytes: PartialBytes;
  private readonly listener: net.Server | tls.Server;
  private readonly connections = new Set<Connection>();
  /** Sockets turned away and not yet closed. */
  private readonly refused = new Set<net.Socket>();
  private readonly ctx: ServerContext;
  private readonly persistence: Persistence;
  private timer: NodeJS.Timeout | null = null;
  /** Set by shutdown: called when the last connection has closed. */
  private whenEmpty: (() => void) | null = null;
  private stopping = false;
  private persistenceClosed: Promise<void> | null = null;
  private timerAt = Infinity;
  /**
   * Plain TCP connections to the embedded engine read into one reused buffer. Not with TLS, and not
   * with a store that answers later (it may still hold a request's bytes when the read is over).
   */
  private readonly sharedReads: SharedReads | null;

  /**
   * Serves `backing`: an engine and the journal that restored it (server/persistence.ts builds
   * both), another QueueStore (a JetStream cluster), or by default an engine that keeps its queues
   * in memory only. Replies wait for the persistence's durability, changes are refused while it
   * refuses them, and it is closed on stop.
   */
  constructor(
    private readonly options: ServerOptions,
    backing: Backing | QueueStore = memoryOnly(options.limits),
  ) {
    const store = storeOf(backing);
    this.store = store;
    this.sharedReads = options.tls === undefined && store instanceof EngineStore ? new SharedReads() : null;
    this.persistence = store.persistence;
    this.partialBytes = new PartialBytes(options.limits.maxPartialBytes);
    const startedAt = Date.now();
    const stats = (figures: QueueFigures, now: number) =>
      collectStats(
        {
          figures,
          counters: this.counters,
          partialBytes: this.partialBytes,
          version: VERSION,
          startedAt,
          extra: () => this.persistence.stats(),
        },
        now,
      );
    this.ctx = {
      queues: store.queues(this.counters),
      persistence: this.persistence,
      counters: this.counters,
      limits: options.limits,
      partialBytes: this.partialBytes,
      log: options.log ?? SILENT_LOG,
      auth: options.auth ?? null,
      version: VERSION,
      startedAt,
      now: () => Date.now(),
      afterChanges: () => this.armTimer(),
      stats: (now) => {
        const figures = store.figures(now);
        if (!isPending(figures)) return figures instanceof Failure ? figures : stats(figures, now);
        return figures.then((settled) => (settled instanceof Failure ? settled : stats(settled, Date.now())));
      },
    };
    // Half-open: a client that sends its requests and shuts down its side (`printf … | nc -N`)
    // still gets every reply (a blocking get answers at once: nobody may be left to wait for it);
    // the connection ends its side when done.
    if (options.tls === undefined) {
      this.listener = net.createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
    } else {
      const server = tls.createServer(
        {
          cert: options.tls.cert,
          key: options.tls.key,
          allowHalfOpen: true,
          handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
          minVersion: 'TLSv1.2',
        },
        (socket) => this.accept(socket),
      );
      server.on('tlsClientError', (err, socket) => {
        this.ctx.log.info('TLS handshake failed', { peer: peerOf(socket), reason: err.message });
        // Half-open sockets are not closed for us: one whose handshake failed would stay forever.
        socket.destroy();
      });
      this.listener = server;
    }
  }

  /** Starts listening; resolves with the bound address. */
  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.listener.once('error', reject);
      this.listener.listen(this.options.port, this.options.host, () => {
        this.listener.off('error', reject);
        resolve(this.address());
      });
    });
  }

  address(): { host: string; port: number } {
    const a = this.listener.address() as net.AddressInfo;
    return { host: a.address, port: a.port };
  }

  /** Serves one connection over any duplex stream (used for sockets, and directly by tests). */
  handle(stream: import('node:stream').Duplex): Connection {
    this.counters.currConnections++;
    this.counters.totalConnections++;
    const conn = new Connection(stream, this.ctx, (c) => {
      this.connections.delete(c);
      this.counters.currConnections--;
      this.ctx.log.debug('connection closed', { peer: c.peer });
      if (this.connections.size === 0) this.whenEmpty?.();
    });
    this.connections.add(conn);
    this.ctx.log.debug('connection opened', { peer: conn.peer });
    return conn;
  }

  /**
   * Stops gracefully (SIGTERM, SIGINT): stops accepting, answers blocked gets as if they timed out,
   * lets every connection finish the requests it has read and receive their replies (once the
   * journal has them), then closes them. Connections still open after `timeoutMs` (a client that
   * does not read its replies) are cut off. Then the journal is synced and closed. Resolves with
   * how many connections were cut off.
   */
  async shutdown(timeoutMs: number): Promise<{ forced: number }> {
    this.stopping = true;
    const listenerClosed = new Promise<void>((resolve) => this.listener.close(() => resolve()));
    for (const socket of this.refused) socket.destroy();
    for (const conn of this.connections) conn.drain();
    this.store.endWaits();
    this.armTimer();
    let forced = 0;
    if (this.connections.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          forced = this.connections.size;
          for (const conn of this.connections) conn.destroy();
          resolve();
        }, timeoutMs);
        this.whenEmpty = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await listenerClosed;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    // Every reply is out and every closing connection's releases are appended: write, sync, close.
    await this.closePersistence();
    return { forced };
  }

  /** Stops accepting, closes every connection at once (their reservations go back to their queues). */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.listener.close(() => resolve());
      for (const conn of this.connections) conn.destroy();
      for (const socket of this.refused) socket.destroy();
    });
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.closePersistence();
  }

  /** Serves new connections with another certificate and key (renewed ones, on SIGHUP); open ones keep theirs. */
  reloadTls(files: TlsFiles): void {
    if (!(this.listener instanceof tls.Server)) throw new Error('the server does not use TLS');
    this.listener.setSecureContext({ cert: files.cert, key: files.key });
  }

  /** Closes the journal once, whether stop and close are both called or not. */
  private closePersistence(): Promise<void> {
    this.persistenceClosed ??= this.persistence.close();
    return this.persistenceClosed;
  }

  /** The embedded engine (for tests and tools); throws on a server whose queues live elsewhere. */
  get engine(): QueueEngine {
    if (!(this.store instanceof EngineStore)) throw new Error("this server's queues are not in an embedded engine");
    return this.store.engine;
  }

  /**
   * Why the server takes no changes now, or null when it does: it is stopping, or its persistence
   * refuses them (the journal while the disk fails; any other store answers the same question).
   * What `/readyz` reports.
   */
  refusal(): string | null {
    if (this.stopping) return 'the server is stopping';
    return this.persistence.writeRefusal();
  }

  /** Reply bytes buffered for all clients (built, held for the journal, or queued in sockets). */
  bufferedOutput(): number {
    let total = 0;
    for (const conn of this.connections) total += conn.bufferedOutput();
    return total;
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    if (this.stopping) {
      // Accepted just before the listener closed (or a TLS handshake that finished since).
      socket.destroy();
      return;
    }
    const max = this.options.limits.maxConnections;
    if (this.connections.size >= max) {
      this.counters.rejectedConnections++;
      if (this.refused.size >= REFUSING_AT_ONCE) {
        // A burst: no descriptor to spare for one more error line (descriptors.ts).
        socket.destroy();
        return;
      }
      this.ctx.log.warn('connection refused: too many connections', { peer: peerOf(socket), max });
      this.refused.add(socket);
      socket.on('close', () => this.refused.delete(socket));
      refuseConnection(socket, `too many connections (max ${max}): try again later`);
      return;
    }
    const conn = this.handle(socket);
    this.sharedReads?.adopt(socket, (nread, buffer) => conn.receiveShared(nread, buffer));
    if (this.options.tls === undefined) conn.writeToHandle(socket);
  }

  get log(): Logger {
    return this.ctx.log;
  }

  /** Keeps one timer set for the store's earliest deadline. */
  private armTimer(): void {
    const next = this.store.nextDeadline();
    if (next >= this.timerAt) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerAt = next;
    if (next === Infinity) {
      this.timer = null;
      return;
    }
    // setTimeout takes at most 2^31-1 ms (about 24.8 days); a later deadline (a 30-day lease, a long
    // flush_all delay) is reached by waking at that bound and re-arming.
    this.timer = setTimeout(() => this.onTimer(), Math.min(MAX_TIMER_MS, Math.max(0, next - Date.now())));
  }

  private onTimer(): void {
    this.timer = null;
    this.timerAt = Infinity;
    this.store.tick(Date.now());
    this.armTimer();
  }
}

/** `host:port` of a socket's peer, for the log. */
export function peerOf(socket: net.Socket): string {
  const host = socket.remoteAddress ?? '?';
  return `${host.includes(':') ? `[${host}]` : host}:${socket.remotePort ?? '?'}`;
}
