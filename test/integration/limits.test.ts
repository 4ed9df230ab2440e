/** Limits that keep one client from hurting the others, against the real server over TCP. */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { REFUSING_AT_ONCE } from '../../src/server/descriptors.js';
import { REPLY_HIGH_WATER } from '../../src/server/outbox.js';
import type { Limits } from '../../src/server/context.js';
import { OP, STATUS } from '../../src/protocol/binary/constants.js';
import { encodeRequest } from '../../src/protocol/binary/packet.js';
import { BinaryClient, setExtras } from '../helpers/binary-client.js';
import { Connections, RawClient, setCommand } from '../helpers/raw-client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/eventually.js';

let srv: TestServer | null = null;
const conns = new Connections(() => srv!.port);

async function start(limits: Partial<Limits>): Promise<TestServer> {
  srv = await startServer({ limits });
  return srv;
}

async function connect(): Promise<RawClient> {
  return conns.connect();
}

afterEach(async () => {
  conns.closeAll();
  await srv?.close();
  srv = null;
});

describe('--max-connections', () => {
  it('turns the connection past the limit away with an error line, and counts it', async () => {
    const s = await start({ maxConnections: 2 });
    const a = await connect();
    await connect();
    const third = await connect();
    expect(await third.readLine()).toBe('SERVER_ERROR too many connections (max 2): try again later');
    await third.waitClosed();
    expect(await a.request('stats\r\n', 'END\r\n')).toContain('STAT rejected_connections 1\r\n');
    // A place frees up when a client leaves.
    a.close();
    await eventually(() => s.server.counters.currConnections === 1, 'the server to see the close');
    const next = await connect();
    expect(await next.request('version\r\n')).toMatch(/^VERSION \d+\.\d+\.\d+\r\n$/);
  });

  it('a burst of refused clients that hold on costs at most REFUSING_AT_ONCE descriptors; the rest are closed at once', async () => {
    await start({ maxConnections: 1 });
    await connect();
    // Clients that keep their side open, so each refused socket lingers (refuse.ts) until cut off.
    const sockets: net.Socket[] = [];
    const burst = await Promise.all(
      Array.from(
        { length: REFUSING_AT_ONCE + 36 },
        () =>
          new Promise<{ line: boolean }>((resolve) => {
            const s = net.connect({ port: srv!.port, host: '127.0.0.1', allowHalfOpen: true });
            sockets.push(s);
            let line = false;
            s.on('data', () => (line = true));
            s.on('error', () => {});
            s.on('end', () => resolve({ line })); // the server's FIN, after its line or without one
            s.on('close', () => resolve({ line }));
          }),
      ),
    );
    for (const s of sockets) s.destroy();
    const withLine = burst.filter((r) => r.line).length;
    expect(withLine).toBeGreaterThan(0);
    expect(withLine).toBeLessThanOrEqual(REFUSING_AT_ONCE);
    expect(srv!.server.counters.rejectedConnections).toBe(REFUSING_AT_ONCE + 36);
  });

  it('a refused client that already sent a request still reads the error line', async () => {
    await start({ maxConnections: 1 });
    await connect();
    const late = await connect();
    late.send(setCommand('q', 'x'.repeat(1000)));
    expect(await late.readLine()).toMatch(/^SERVER_ERROR too many connections/);
    await late.waitClosed();
  });
});

describe('--max-queue-items and --max-queue-bytes', () => {
  it('refuses a set on a full queue with SERVER_ERROR, stores nothing, and counts it', async () => {
    await start({ maxQueueItems: 2 });
    const c = await connect();
    expect(await c.request(setCommand('q', 'a'))).toBe('STORED\r\n');
    expect(await c.request(setCommand('q', 'b'))).toBe('STORED\r\n');
    expect(await c.request(setCommand('q', 'c'))).toBe('SERVER_ERROR queue q is full (max 2 items): not stored\r\n');
    // noreply: no reply at all, not even the error; the next command answers in step.
    c.send(setCommand('q', 'd', 0, 0, true));
    expect(await c.request('get q\r\n', 'END\r\n')).toBe('VALUE q 0 1\r\na\r\nEND\r\n');
    const stats = await c.request('stats\r\n', 'END\r\n');
    expect(stats).toContain('STAT queue_q_rejected 2\r\n');
    expect(stats).toContain('STAT queue_q_items 1\r\n');
    expect(stats).toContain('STAT queue_q_open 1\r\n');
  });

  it('--max-queues refuses a set that would create one queue too many', async () => {
    await start({ maxQueues: 2 });
    const c = await connect();
    expect(await c.request(setCommand('a', 'x'))).toBe('STORED\r\n');
    expect(await c.request(setCommand('b', 'x'))).toBe('STORED\r\n');
    expect(await c.request(setCommand('c', 'x'))).toBe(
      'SERVER_ERROR too many queues (max 2): not stored; delete_queue the ones no longer used\r\n',
    );
    expect(await c.request('get c/t=60000\r\n')).toBe('END\r\n');
    expect(await c.request('delete_queue b\r\n')).toBe('DELETED\r\n');
    expect(await c.request(setCommand('c', 'x'))).toBe('STORED\r\n');
  });

  it('--max-queues: a blocking get on a new queue leaves no queue behind once it ends', async () => {
    await start({ maxQueues: 2 });
    const c = await connect();
    expect(await c.request(setCommand('a', 'x'))).toBe('STORED\r\n');
    expect(await c.request('get never-set/t=20\r\n')).toBe('END\r\n'); // times out
    const closing = await connect();
    closing.send('get also-never/t=60000\r\n');
    await eventually(() => srv!.server.engine.queueNames().includes('also-never'), 'the waiter');
    closing.close();
    await eventually(() => srv!.server.counters.currConnections === 1, 'the waiting client to be gone');
    expect(srv!.server.engine.queueNames()).toEqual(['a']);
    expect(await c.request(setCommand('b', 'x'))).toBe('STORED\r\n');
    expect(await c.request('stats\r\n', 'END\r\n')).not.toContain('never');
  });

  it('names the byte limit', async () => {
    await start({ maxQueueBytes: 10 });
    const c = await connect();
    expect(await c.request(setCommand('q', '0123456789'))).toBe('STORED\r\n');
    expect(await c.request(setCommand('q', 'x'))).toBe('SERVER_ERROR queue q is full (max 10 bytes): not stored\r\n');
  });

  it('--discard-old drops the oldest ready items instead, and counts them', async () => {
    await start({ maxQueueItems: 2, discardOld: true });
    const c = await connect();
    for (const v of ['a', 'b', 'c', 'd']) expect(await c.request(setCommand('q', v))).toBe('STORED\r\n');
    expect(await c.request('get q\r\n', 'END\r\n')).toBe('VALUE q 0 1\r\nc\r\nEND\r\n');
    expect(await c.request('stats\r\n', 'END\r\n')).toContain('STAT queue_q_discarded 2\r\n');
  });
});

describe('a full queue over the binary protocol', () => {
  it('answers SET with Out of memory and the reason, SETQ too', async () => {
    await start({ maxQueueItems: 1 });
    const c = await BinaryClient.connect(srv!.port);
    conns.add(c.raw);
    expect((await c.request({ opcode: OP.SET, key: 'q', extras: setExtras(), value: 'a', opaque: 1 })).status).toBe(
      STATUS.SUCCESS,
    );
    c.send({ opcode: OP.SETQ, key: 'q', extras: setExtras(), value: 'b', opaque: 2 });
    const reply = await c.read();
    expect([reply.opaque, reply.status, reply.value.toString()]).toEqual([
      2,
      STATUS.OUT_OF_MEMORY,
      'queue q is full (max 1 items): not stored',
    ]);
  });
});

describe('a client that does not read its replies', () => {
  const itemBytes = 1024;
  const item = Buffer.alloc(itemBytes, 0x61);

  /** Fills the hog's socket until the server stops reading it; returns the requests written. */
  async function flood(hog: RawClient, chunk: Buffer, requestsPerChunk: number): Promise<number> {
    hog.socket.pause();
    let chunks = 0;
    while (hog.socket.writableLength < 4 * chunk.length) {
      hog.socket.write(chunk);
      chunks++;
      if (chunks % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
      if (chunks > 20_000) throw new Error('the server never stopped reading');
    }
    return chunks * requestsPerChunk;
  }

  async function checkBounded(s: TestServer, sent: number): Promise<number> {
    await eventually(() => s.server.bufferedOutput() >= REPLY_HIGH_WATER / 2, 'replies to pile up');
    // The bound holds: a batch of replies past REPLY_HIGH_WATER (one reply over it at most) on top of
    // what the socket held when the batch began (below the high water mark that paused reading).
    expect(s.server.bufferedOutput()).toBeLessThan(2 * REPLY_HIGH_WATER + itemBytes + 64);
    const served = s.server.counters.cmdGet;
    expect(served).toBeLessThan(sent);
    return served;
  }

  it('text: stops being served at a bounded backlog, and carries on when it reads', async () => {
    const s = await start({});
    const setter = await connect();
    expect(await setter.request(setCommand('q', item))).toBe('STORED\r\n');
    // Each 8 KiB line asks for 680 peeks of the 1 KiB item: ~85 reply bytes for every request byte.
    const line = Buffer.from(`get ${Array.from({ length: 680 }, () => 'q/peek').join(' ')}\r\n`);
    const hog = await connect();
    const served = await checkBounded(s, await flood(hog, line, 680));

    // Another client is served meanwhile.
    expect(await setter.request('get q/peek\r\n', 'END\r\n')).toBe(
      `VALUE q/peek 0 ${itemBytes}\r\n${item.toString()}\r\nEND\r\n`,
    );

    // The hog reads: replies come in order and whole, and the server works on.
    hog.socket.resume();
    for (let i = 0; i < 2000; i++) {
      expect(await hog.readLine()).toBe(`VALUE q/peek 0 ${itemBytes}`);
      expect((await hog.readBytes(itemBytes + 2)).toString()).toBe(`${item.toString()}\r\n`);
      if ((i + 1) % 680 === 0) expect(await hog.readLine()).toBe('END');
    }
    await eventually(() => s.server.counters.cmdGet > served + 2000, 'the server to serve the hog again');
  });

  it('binary: the same for pipelined GETs', async () => {
    const s = await start({});
    const setter = await BinaryClient.connect(s.port);
    conns.add(setter.raw);
    expect((await setter.request({ opcode: OP.SET, key: 'q', extras: setExtras(), value: item, opaque: 1 })).status).toBe(
      STATUS.SUCCESS,
    );
    const get = encodeRequest({ opcode: OP.GET, key: 'q/peek', opaque: 7 });
    const chunk = Buffer.concat(Array.from({ length: 256 }, () => get));
    const hog = await BinaryClient.connect(s.port);
    conns.add(hog.raw);
    const served = await checkBounded(s, await flood(hog.raw, chunk, 256));
    expect((await setter.request({ opcode: OP.GET, key: 'q/peek', opaque: 2 })).value).toEqual(item);
    hog.raw.socket.resume();
    for (let i = 0; i < 2000; i++) {
      const reply = await hog.read();
      expect([reply.opaque, reply.status, reply.value.length]).toEqual([7, STATUS.SUCCESS, itemBytes]);
    }
    await eventually(() => s.server.counters.cmdGet > served + 2000, 'the server to serve the hog again');
  });
});
