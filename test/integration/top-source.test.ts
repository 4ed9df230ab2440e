/**
 * rq top's stats adapter (src/cli/top-source.ts) against the real server, and against hostile
 * servers: whatever comes back, stats() and peek() settle with data or an Error, never hang or throw.
 */
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTopSource } from '../../src/cli/top-source.js';
import type { StatsSource } from '../../src/tui/source.js';
import { parseStats } from '../../src/tui/stats-model.js';
import { RawClient } from '../helpers/raw-client.js';
import { startServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
let source: StatsSource;
const closers: Array<() => void> = [];

beforeEach(async () => {
  srv = await startServer();
  source = createTopSource({ timeoutMs: 1000 });
});

afterEach(async () => {
  source.close();
  for (const c of closers.splice(0)) c();
  await srv.close();
});

/** A server on port 0 that answers every connection with `reply(request)` (or nothing). */
async function hostile(reply: (request: string, socket: net.Socket) => void): Promise<string> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.on('data', (d) => reply(d.toString('latin1'), socket));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => server.close());
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => sockets.add(s));
  closers.push(() => sockets.forEach((s) => s.destroy()));
  return `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

describe('top source over the text protocol', () => {
  it('reads the real server’s stats, including queues, over one reused connection', async () => {
    const c = await RawClient.connect(srv.port);
    closers.push(() => c.close());
    await c.request('set jobs 0 0 5\r\nhello\r\nset jobs 0 0 5\r\nworld\r\n', 'STORED\r\nSTORED\r\n');
    const address = `127.0.0.1:${srv.port}`;
    const first = parseStats(await source.stats(address));
    expect(first.queues.get('jobs')).toMatchObject({ items: 2, total_items: 2, bytes: 10 });
    const second = parseStats(await source.stats(address));
    expect(Number(second.general.get('total_connections'))).toBe(Number(first.general.get('total_connections')));
  });

  it('peeks at the head without consuming it, with its id, and answers null for an empty queue', async () => {
    const c = await RawClient.connect(srv.port);
    closers.push(() => c.close());
    await c.request('set q 9 0 4\r\nab\r\n\r\n', 'STORED\r\n');
    const address = `127.0.0.1:${srv.port}`;
    const head = await source.peek(address, 'q');
    expect(head).toMatchObject({ flags: 9 });
    expect(Buffer.from(head!.data).toString()).toBe('ab\r\n');
    expect(head!.id).toBeGreaterThan(0);
    expect(parseStats(await source.stats(address)).queues.get('q')).toMatchObject({ items: 1, open: 0 });
    expect(await source.peek(address, 'nothing-here')).toBeNull();
  });

  it('reports a refused connection with its code, and connects again later', async () => {
    const gone = await startServer();
    const address = `127.0.0.1:${gone.port}`;
    await gone.close();
    await expect(source.stats(address)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(source.stats(`127.0.0.1:${srv.port}`)).resolves.toBeInstanceOf(Array);
  });

  it('rejects a server that never answers, by its deadline', async () => {
    const address = await hostile(() => {});
    await expect(source.stats(address)).rejects.toThrow(/no reply within 1 s/);
  });

  it('rejects error lines, junk and torn replies, and starts clean on the next request', async () => {
    const replies = ['SERVER_ERROR out of memory\r\n', 'HTTP/1.1 400 Bad Request\r\n\r\n', 'STAT pid 1\r\n', 'STAT pid 1\r\nEND\r\nEXTRA\r\n'];
    let n = 0;
    const address = await hostile((_req, socket) => {
      const r = replies[n++] ?? 'STAT pid 7\r\nEND\r\n';
      socket.write(r);
      if (r === 'STAT pid 1\r\n') socket.end();
    });
    await expect(source.stats(address)).rejects.toThrow('SERVER_ERROR out of memory');
    await expect(source.stats(address)).rejects.toThrow(/unexpected stats line/);
    await expect(source.stats(address)).rejects.toThrow(/connection closed/);
    // A complete reply followed by bytes nobody asked for: the reply counts, the connection goes.
    expect(await source.stats(address)).toEqual([['pid', '1']]);
    expect(await source.stats(address)).toEqual([['pid', '7']]);
  });

  it('rejects malformed peek replies', async () => {
    const replies = ['VALUE q 0 3\r\nabcEND\r\n', 'VALUE q x 3\r\n', 'CLIENT_ERROR bad key\r\n'];
    let n = 0;
    const address = await hostile((_req, socket) => socket.write(replies[n++] ?? 'END\r\n'));
    await expect(source.peek(address, 'q')).rejects.toThrow(/malformed VALUE/);
    await expect(source.peek(address, 'q')).rejects.toThrow(/unexpected reply/);
    await expect(source.peek(address, 'q')).rejects.toThrow('CLIENT_ERROR bad key');
    expect(await source.peek(address, 'q')).toBeNull();
  });

  it('gives up on an endless reply instead of buffering it forever', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    const address = await hostile((_req, socket) => {
      const pump = () => {
        while (!socket.destroyed && socket.write(chunk));
        if (!socket.destroyed) socket.once('drain', pump);
      };
      socket.write('STAT junk ');
      pump();
    });
    await expect(source.stats(address)).rejects.toThrow('reply too large');
  });
});
