/**
 * Plain TCP connections read into one buffer reused by every read (server/shared-reads.ts): bytes a
 * connection still needs after its read (requests queued behind a get that waits, input held
 * meanwhile) must be its own, not views of the buffer the next read overwrites.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OP } from '../../src/protocol/binary/constants.js';
import { encodeRequest } from '../../src/protocol/binary/packet.js';
import { BinaryClient, setExtras } from '../helpers/binary-client.js';
import { Connections, setCommand } from '../helpers/raw-client.js';
import { eventually } from '../helpers/eventually.js';
import { startServer, type TestServer } from '../helpers/server.js';

let srv: TestServer | null = null;
const conns = new Connections(() => srv!.port);

afterEach(async () => {
  conns.closeAll();
  await srv?.close();
  srv = null;
});

/** Resolves once a get waits on queue `wake`. */
function getWaits(s: TestServer): Promise<void> {
  return eventually(() => s.server.engine.stats(Date.now()).some((q) => q.name === 'wake' && q.waiters === 1), 'the get to wait');
}

describe('shared read buffer', () => {
  it('text: a set queued behind a waiting get keeps its data while others read', async () => {
    srv = await startServer();
    const s = srv;
    const waiter = await conns.connect();
    // One read: the get waits, the set behind it is parsed but not run.
    waiter.send(Buffer.concat([Buffer.from('get wake/t=5000\r\n'), setCommand('q', 'hello'), Buffer.from('get q/peek\r\n')]));
    await getWaits(s);
    // Another connection's read fills the shared buffer from its start, then wakes the get.
    const other = await conns.connect();
    const filler = 'X'.repeat(200);
    expect(await other.request(setCommand('wake', filler))).toBe('STORED\r\n');
    expect(await waiter.readUntil('END\r\n')).toBe(`VALUE wake/t=5000 0 200\r\n${filler}\r\nEND\r\n`);
    expect(await waiter.readLine()).toBe('STORED');
    expect(await waiter.readUntil('END\r\n')).toBe('VALUE q/peek 0 5\r\nhello\r\nEND\r\n');
  });

  it('text: input read while a get waits keeps its bytes while others read', async () => {
    srv = await startServer();
    const s = srv;
    const waiter = await conns.connect();
    waiter.send('get wake/t=5000\r\n');
    await getWaits(s);
    waiter.send(Buffer.concat([setCommand('q', 'hello'), Buffer.from('get q/peek\r\n')]));
    await eventually(() => s.server.counters.bytesRead >= 17 + 20 + 12, 'the input behind the get to be read');
    const other = await conns.connect();
    expect(await other.request(setCommand('wake', 'X'.repeat(200)))).toBe('STORED\r\n');
    await waiter.readUntil('END\r\n');
    expect(await waiter.readLine()).toBe('STORED');
    expect(await waiter.readUntil('END\r\n')).toBe('VALUE q/peek 0 5\r\nhello\r\nEND\r\n');
  });

  it('binary: the same for a SET behind a GET that waits', async () => {
    srv = await startServer();
    const s = srv;
    const waiter = await BinaryClient.connect(s.port);
    waiter.send(
      encodeRequest({ opcode: OP.GET, key: 'wake/t=5000', opaque: 1 }),
      encodeRequest({ opcode: OP.SET, key: 'q', extras: setExtras(0, 0), value: 'hello', opaque: 2 }),
      encodeRequest({ opcode: OP.GET, key: 'q/peek', opaque: 3 }),
    );
    await getWaits(s);
    const other = await conns.connect();
    expect(await other.request(setCommand('wake', 'X'.repeat(200)))).toBe('STORED\r\n');
    const replies = await waiter.readN(3);
    expect(replies.map((p) => p.opaque)).toEqual([1, 2, 3]);
    expect(replies[2].value.toString()).toBe('hello');
  });
});
