/**
 * Client-library test helpers: RqClients closed after each test, a queue's figures read straight
 * from the in-process server's engine, and hostile peers (a server that never answers, one that
 * hangs up) for the failure paths.
 */
import net from 'node:net';
import { RqClient, type ClientOptions } from '../../src/client/client.js';
import type { EngineQueueStats } from '../../src/queue/types.js';
import { eventually } from './eventually.js';
import { queueFigures } from './metrics-figures.js';
import type { TestServer } from './server.js';

/** Opens clients and closes them all in afterEach. */
export class Clients {
  private readonly open: RqClient[] = [];

  client(servers: readonly TestServer[] | readonly number[], options: Partial<ClientOptions> = {}): RqClient {
    const ports = servers.map((s) => (typeof s === 'number' ? s : s.port));
    const c = new RqClient({ servers: ports.map((port) => ({ host: '127.0.0.1', port })), rotationStart: 0, ...options });
    this.open.push(c);
    return c;
  }

  closeAll(): void {
    for (const c of this.open.splice(0)) c.destroy();
  }
}

/** A queue's figures on an in-process test server (all zero for a queue it does not have). */
export function queueStats(srv: TestServer, name: string): Omit<EngineQueueStats, 'name' | 'ageMs'> {
  const q = srv.server.engine.stats(Date.now()).find((s) => s.name === name) ?? queueFigures(name);
  const { name: _n, ageMs: _a, ...figures } = q;
  return figures;
}

/** Resolves once the server counts exactly `n` connections. */
export async function connectionsBecome(srv: TestServer, n: number): Promise<void> {
  const count = () => srv.server.counters.currConnections;
  await eventually(
    () => count() === n,
    () => `${n} connections (the server counts ${count()})`,
  );
}

/** A TCP peer that accepts connections and either never answers or hangs up on the first bytes. */
export class HostilePeer {
  readonly received: Buffer[] = [];
  private readonly sockets = new Set<net.Socket>();
  private closedWaiters: Array<() => void> = [];
  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(mode: 'silent' | 'hang-up'): Promise<HostilePeer> {
    let peer: HostilePeer | null = null;
    const server = net.createServer((socket) => {
      peer!.sockets.add(socket);
      socket.on('data', (chunk) => {
        peer!.received.push(chunk);
        if (mode === 'hang-up') socket.destroy();
      });
      socket.on('error', () => {});
      socket.on('close', () => {
        peer!.sockets.delete(socket);
        if (peer!.sockets.size === 0) for (const w of peer!.closedWaiters.splice(0)) w();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    peer = new HostilePeer(server, (server.address() as net.AddressInfo).port);
    return peer;
  }

  /** Every byte received so far. */
  get bytes(): Buffer {
    return Buffer.concat(this.received);
  }

  /** Resolves when no connection is open any more. */
  allClosed(): Promise<void> {
    if (this.sockets.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.closedWaiters.push(resolve));
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A port nothing listens on: one a server had and gave up. */
export async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
