/**
 * One hostile connection cannot crash the server, grow its memory without bound, or touch another
 * connection's items. Over TCP against the real server (in this process, so its memory is ours).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeRequest } from '../../src/protocol/binary/packet.js';
import { OP } from '../../src/protocol/binary/constants.js';
import { Random } from '../helpers/random.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/eventually.js';
import { Connections, setCommand, stat, type RawClient } from '../helpers/raw-client.js';

const MiB = 1024 * 1024;

let srv: TestServer;
const conns = new Connections(() => srv.port);

beforeEach(async () => {
  srv = await startServer({ maxItemSize: MiB });
});

afterEach(async () => {
  conns.closeAll();
  await srv.close();
});

/** Round trips on another connection: each lets the server's event loop take in what is waiting. */
async function roundTrips(c: RawClient, n: number): Promise<void> {
  for (let i = 0; i < n; i++) expect(await c.request('version\r\n')).toMatch(/^VERSION /);
}

function write(c: RawClient, data: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => c.socket.write(data, (err) => (err ? reject(err) : resolve())));
}

describe('a client that asks for more replies than it reads', () => {
  it('is held back, and gets every reply in order once it reads', async () => {
    const other = await conns.connect();
    const greedy = await conns.connect();
    const item = Buffer.alloc(64 * 1024, 'i');
    expect(await other.request(setCommand('q', item))).toBe('STORED\r\n');
    const lines = 2000; // 128 MiB of replies: far more than socket buffers hold
    greedy.socket.pause();
    await write(greedy, 'get q/peek\r\n'.repeat(lines));
    await roundTrips(other, 20);
    expect(srv.server.counters.cmdGet).toBeLessThan(lines);
    greedy.socket.resume();
    const header = `VALUE q/peek 0 ${item.length}\r\n`;
    for (let i = 0; i < lines; i++) {
      expect((await greedy.readBytes(header.length)).toString('latin1')).toBe(header);
      expect((await greedy.readBytes(item.length)).equals(item)).toBe(true);
      expect((await greedy.readBytes(7)).toString('latin1')).toBe('\r\nEND\r\n');
    }
    expect(await greedy.request('version\r\n')).toMatch(/^VERSION /);
  });

  it('cannot crash the server with a few kilobytes of peeks at a 1 MiB item', async () => {
    const other = await conns.connect();
    const greedy = await conns.connect();
    expect(await other.request(setCommand('q', Buffer.alloc(MiB, 'x')))).toBe('STORED\r\n');
    const before = process.memoryUsage().rss;
    greedy.socket.pause();
    // 60 KB of input asking for 5 GB of replies.
    await write(greedy, 'get q/peek\r\n'.repeat(5000));
    await roundTrips(other, 20);
    expect(srv.server.counters.cmdGet).toBeLessThan(5000);
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * MiB);
    greedy.close();
    await eventually(async () => (await stat(other, 'curr_connections')) === 1, 'the greedy client to go');
    expect(await other.request('get q/peek\r\n', 'END\r\n')).toHaveLength(`VALUE q/peek 0 ${MiB}\r\n`.length + MiB + 7);
  });

  it('cannot make one get line copy an item a thousand times', async () => {
    const other = await conns.connect();
    const greedy = await conns.connect();
    expect(await other.request(setCommand('q', Buffer.alloc(MiB, 'x')))).toBe('STORED\r\n');
    const before = process.memoryUsage().rss;
    greedy.socket.pause();
    await write(greedy, `get ${'q/peek '.repeat(1150).trim()}\r\n`); // 8 KiB asking for 1.2 GB
    await roundTrips(other, 20);
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * MiB);
    greedy.close();
    await eventually(async () => (await stat(other, 'curr_connections')) === 1, 'the greedy client to go');
    expect(await stat(other, 'queue_q_items')).toBe(1);
  });

  it('answers a get of reserve-and-put-back pairs consistently', async () => {
    const c = await conns.connect();
    expect(await c.request(setCommand('q', Buffer.alloc(MiB, 'x')))).toBe('STORED\r\n');
    // As many pairs as --max-open lets through: however many values the server chooses to send
    // (all, or fewer to bound its memory), each one was reserved once and put back once.
    c.send(`get ${'q q/abort '.repeat(90).trim()}\r\n`);
    let values = 0;
    for (;;) {
      const line = await c.readLine();
      if (line === 'END') break;
      expect(line).toBe(`VALUE q 0 ${MiB}`);
      await c.readBytes(MiB + 2);
      values++;
    }
    expect(values).toBeGreaterThanOrEqual(1);
    expect(c.unread.length).toBe(0);
    expect(await stat(c, 'queue_q_items')).toBe(1);
    expect(await stat(c, 'queue_q_open')).toBe(0);
    expect(await stat(c, 'queue_q_released')).toBe(values);
  });

  it('still gets every value of a get whose reply stays small', async () => {
    const c = await conns.connect();
    const names = Array.from({ length: 300 }, (_, i) => `q${i}`);
    for (const name of names) c.send(setCommand(name, `v${name}`));
    for (let i = 0; i < names.length; i++) expect(await c.readLine()).toBe('STORED');
    const reply = await c.request(`get ${names.join(' ')}\r\n`, 'END\r\n');
    expect(reply).toBe(names.map((n) => `VALUE ${n} 0 ${n.length + 1}\r\nv${n}\r\n`).join('') + 'END\r\n');
  });

  it('is held back over the binary protocol too', async () => {
    const other = await conns.connect();
    const greedy = await conns.connect();
    expect(await other.request(setCommand('q', Buffer.alloc(MiB, 'x')))).toBe('STORED\r\n');
    greedy.socket.pause();
    const getq = encodeRequest({ opcode: OP.GETQ, key: 'q/peek' });
    await write(greedy, Buffer.concat(Array(3000).fill(getq)));
    await roundTrips(other, 20);
    expect(srv.server.counters.cmdGet).toBeLessThan(3000);
    expect(await other.request('version\r\n')).toMatch(/^VERSION /);
  });
});

describe('an abusive connection', () => {
  it("never affects another connection's items", async () => {
    const victim = await conns.connect();
    for (let i = 1; i <= 5; i++) expect(await victim.request(setCommand('q', `item${i}`))).toBe('STORED\r\n');
    expect(await victim.request('get q\r\n', 'END\r\n')).toBe('VALUE q 0 5\r\nitem1\r\nEND\r\n');
    expect(await victim.request('get q\r\n', 'END\r\n')).toBe('VALUE q 0 5\r\nitem2\r\nEND\r\n');

    const random = new Random(2024);
    const garbage = Buffer.alloc(256 * 1024);
    for (let i = 0; i < garbage.length; i++) garbage[i] = random.chance(0.02) ? 0x0a : random.int(0x21, 0xff);

    const abuses: Array<Buffer | string> = [
      garbage, // random bytes with newlines: a stream of ERRORs nobody reads
      `set q 0 0 999999999999\r\n${'delete q\r\nflush_all\r\ndelete_queue q\r\n'.repeat(20_000)}`, // a huge length swallows the rest
      `set q 0 0 100\r\n${'y'.repeat(50)}`, // a set cut off by the close
      'x'.repeat(100_000), // a line without end
      `get ${'q/peek '.repeat(2000)}\r\n`, // a line over 8 KiB
      Buffer.concat([Buffer.from([0x80, 0x01, 0xff, 0xff, 0x08, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]), garbage.subarray(0, 4096)]), // a binary header with absurd lengths
      Buffer.concat([Buffer.from([0x80]), garbage.subarray(0, 64 * 1024)]),
      `set q 0 0 ${2 * MiB}\r\n${'z'.repeat(2 * MiB)}\r\nset q 0 0 1\r\n`, // too large, then a set never completed
    ];
    for (const abuse of abuses) {
      const bad = await conns.connect();
      bad.send(abuse);
      // Meanwhile the victim works normally.
      expect(await victim.request('version\r\n')).toMatch(/^VERSION /);
      await roundTrips(victim, 5);
      bad.close();
    }
    await eventually(async () => (await stat(victim, 'curr_connections')) === 1, 'the abusers to go');

    // The victim's reservations and the queue are exactly as it left them.
    expect(await stat(victim, 'queue_q_open')).toBe(2);
    expect(await stat(victim, 'queue_q_items')).toBe(3);
    expect(await stat(victim, 'total_items')).toBe(5);
    expect(await victim.request('delete q\r\n')).toBe('DELETED\r\n');
    expect(await victim.request('delete q\r\n')).toBe('DELETED\r\n');
    expect(await victim.request('delete q\r\n')).toBe('NOT_FOUND\r\n');
    expect(await victim.request('get q q q q\r\n', 'END\r\n')).toBe(
      'VALUE q 0 5\r\nitem3\r\nVALUE q 0 5\r\nitem4\r\nVALUE q 0 5\r\nitem5\r\nEND\r\n',
    );
    const fresh = await conns.connect();
    expect(await fresh.request(setCommand('q', 'after'))).toBe('STORED\r\n');
  });
});
