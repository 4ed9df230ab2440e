/** Graceful stop (what SIGTERM does): stop accepting, finish what was read, end blocked gets, close. */
import { afterEach, describe, expect, it } from 'vitest';
import { OP, STATUS } from '../../src/protocol/binary/constants.js';
import { BinaryClient } from '../helpers/binary-client.js';
import { Connections, RawClient } from '../helpers/raw-client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/eventually.js';

let srv: TestServer | null = null;
const conns = new Connections(() => srv!.port);

async function connect(): Promise<RawClient> {
  return conns.connect();
}

afterEach(async () => {
  conns.closeAll();
  await srv?.close();
  srv = null;
});

describe('shutdown', () => {
  it('answers requests already read, ends blocked gets with END, then closes every connection', async () => {
    srv = await startServer();
    const s = srv.server;
    const worker = await connect();
    const waiter = await connect();
    const idle = await connect();
    expect(await worker.request('set q 0 0 3\r\none\r\n')).toBe('STORED\r\n');
    expect(await worker.request('get q\r\n', 'END\r\n')).toBe('VALUE q 0 3\r\none\r\nEND\r\n');
    // A blocked get with requests pipelined behind it, read in the same packet.
    waiter.send('get empty/t=60000\r\nset after 0 0 5\r\nlater\r\nversion\r\n');
    await eventually(() => s.engine.stats(Date.now()).some((q) => q.name === 'empty' && q.waiters === 1), 'the get to block');

    const stopped = s.shutdown(5000);
    expect(await waiter.readUntil('\r\n')).toBe('END\r\n');
    expect(await waiter.readUntil('\r\n')).toBe('STORED\r\n');
    expect(await waiter.readLine()).toMatch(/^VERSION /);
    await Promise.all([worker.waitClosed(), waiter.waitClosed(), idle.waitClosed()]);
    expect(await stopped).toEqual({ forced: 0 });

    // The reservation the worker held is back at the head; the set read before the stop is kept.
    const names = Object.fromEntries(s.engine.stats(Date.now()).map((q) => [q.name, q]));
    expect(names.q).toMatchObject({ items: 1, open: 0 });
    expect(names.after).toMatchObject({ items: 1 });
    await expect(RawClient.connect(srv.port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('a binary GET blocked in a wait gets its miss', async () => {
    srv = await startServer();
    const c = new BinaryClient(await connect());
    c.send({ opcode: OP.GET, key: 'empty/t=60000', opaque: 42 });
    await eventually(() => srv!.server.engine.stats(Date.now()).some((q) => q.waiters === 1), 'the get to block');
    const stopped = srv.server.shutdown(5000);
    const reply = await c.read();
    expect([reply.opaque, reply.status]).toEqual([42, STATUS.KEY_NOT_FOUND]);
    await c.waitClosed();
    expect(await stopped).toEqual({ forced: 0 });
  });

  it('a blocked get that arrives while stopping is answered at once', async () => {
    srv = await startServer();
    const c = await connect();
    // The first wait is ended by the stop; the second is read in the same packet and must not block.
    c.send('get a/t=60000\r\nget b/t=60000\r\n');
    await eventually(() => srv!.server.engine.stats(Date.now()).some((q) => q.waiters === 1), 'the get to block');
    const stopped = srv.server.shutdown(60_000);
    expect(await c.readUntil('END\r\nEND\r\n')).toBe('END\r\nEND\r\n');
    expect(await stopped).toEqual({ forced: 0 });
  });

  it('cuts off a client that does not read its replies once the time is up', async () => {
    srv = await startServer();
    const hog = await connect();
    hog.socket.pause();
    const setter = await connect();
    expect(await setter.request(`set q 0 0 1000\r\n${'x'.repeat(1000)}\r\n`)).toBe('STORED\r\n');
    const line = `get ${Array.from({ length: 600 }, () => 'q/peek').join(' ')}\r\n`;
    for (let i = 0; i < 200; i++) hog.send(line);
    await eventually(() => srv!.server.bufferedOutput() > 100_000, 'replies to pile up');
    expect(await srv.server.shutdown(300)).toEqual({ forced: 1 });
    await setter.waitClosed();
  });
});
