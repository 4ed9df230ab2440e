/**
 * rq top's stats source (src/cli/top/source.ts, over the client library) against the real server,
 * against a server that goes away and comes back, and against peers that misbehave: whatever
 * happens, stats() and peek() settle with data or an Error, never hang, and recover.
 */
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTopSource } from '../../src/cli/top/source.js';
import { RqServer } from '../../src/server/server.js';
import type { StatsSource } from '../../src/tui/source.js';
import { parseStats } from '../../src/client/stats.js';
import { RawClient } from '../helpers/raw-client.js';
import { startServer, testLimits, type TestServer } from '../helpers/server.js';

let srv: TestServer;
let source: StatsSource;
const closers: Array<() => void | Promise<void>> = [];

beforeEach(async () => {
  srv = await startServer();
  source = createTopSource({ timeoutMs: 1000 });
});

afterEach(async () => {
  source.close();
  for (const c of closers.splice(0)) await c();
  await srv.close();
});

/** A peer on port 0 that does `onData` with whatever it receives (or nothing). */
async function peer(onData: (socket: net.Socket) => void): Promise<string> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('data', () => onData(socket));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

async function push(port: number, queue: string, data: string): Promise<void> {
  const c = await RawClient.connect(port);
  closers.push(() => c.close());
  await c.request(`set ${queue} 3 0 ${Buffer.byteLength(data)}\r\n${data}\r\n`, 'STORED\r\n');
}

describe('top source', () => {
  it('reads the real server’s stats, queues included, over one reused connection', async () => {
    await push(srv.port, 'jobs', 'hello');
    const address = `127.0.0.1:${srv.port}`;
    const first = parseStats(await source.stats(address));
    expect(first.queues.get('jobs')).toMatchObject({ items: 1, totalItems: 1, bytes: 5 });
    const second = parseStats(await source.stats(address));
    expect(second.general.get('total_connections')).toBe(first.general.get('total_connections'));
  });

  it('peeks at the head without consuming it, and answers null for an empty queue', async () => {
    await push(srv.port, 'q', 'ab\r\n');
    const address = `127.0.0.1:${srv.port}`;
    const head = await source.peek(address, 'q');
    expect(head).toMatchObject({ flags: 3 });
    expect(Buffer.from(head!.data).toString()).toBe('ab\r\n');
    expect(head!.id).toBeGreaterThan(0);
    expect(parseStats(await source.stats(address)).queues.get('q')).toMatchObject({ items: 1, open: 0 });
    expect(await source.peek(address, 'nothing-here')).toBeNull();
  });

  it('says "connection refused" without repeating the address, and reaches the server once it is back', async () => {
    const gone = await startServer();
    const port = gone.port;
    await gone.close();
    const address = `127.0.0.1:${port}`;
    const err = (await source.stats(address).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/^connection refused/);
    // The same port serves again: the next poll must get through, not replay the old failure.
    const again = await startServerOn(port);
    closers.push(() => again.close());
    await expect(source.stats(address)).resolves.toEqual(expect.arrayContaining([expect.arrayContaining(['version'])]));
  });

  it('rejects a peer that never answers, by its deadline', async () => {
    const address = await peer(() => {});
    await expect(source.stats(address)).rejects.toThrow(/no answer within 1 s/);
  });

  it('rejects a peer that answers garbage or hangs up, and recovers afterwards', async () => {
    const garbage = await peer((s) => s.write('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await expect(source.stats(garbage)).rejects.toBeInstanceOf(Error);
    const rude = await peer((s) => s.destroy());
    await expect(source.stats(rude)).rejects.toBeInstanceOf(Error);
    await expect(source.peek(rude, 'q')).rejects.toBeInstanceOf(Error);
    await expect(source.stats(`127.0.0.1:${srv.port}`)).resolves.toBeInstanceOf(Array);
  });
});

/** The real server on a given port (for the comes-back test). */
async function startServerOn(port: number): Promise<{ close(): Promise<void> }> {
  const server = new RqServer({ host: '127.0.0.1', port, limits: testLimits() });
  await server.listen();
  return { close: () => server.close() };
}
