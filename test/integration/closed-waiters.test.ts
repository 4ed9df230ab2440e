/**
 * A client that closes its connection (FIN) while blocked in `get q/t=` stops waiting at once, text
 * and binary: it gives back its connection place and its waiter, and the next item goes to a live
 * waiter (docs/protocol.md: Blocking gets). memcache clients with short timeouts close this way.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OP, STATUS } from '../../src/protocol/binary/constants.js';
import { encodeRequest } from '../../src/protocol/binary/packet.js';
import { BinaryClient } from '../helpers/binary-client.js';
import { eventually } from '../helpers/eventually.js';
import { Connections, setCommand, type RawClient } from '../helpers/raw-client.js';
import { startServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
const conns = new Connections(() => srv.port);

afterEach(async () => {
  conns.closeAll();
  await srv?.close();
});

function waiters(queue: string): number {
  return srv.server.engine.stats(Date.now()).find((q) => q.name === queue)?.waiters ?? 0;
}

/** Sends a blocking get in `binary` or text form. */
function blockingGet(c: RawClient, key: string, binary: boolean, opaque = 1): void {
  c.send(binary ? encodeRequest({ opcode: OP.GET, key, opaque }) : `get ${key}\r\n`);
}

describe('a client that closes while blocked in a get', () => {
  it('frees its place: 50 closed waiters under --max-connections 50, and a new client is served', async () => {
    srv = await startServer({ limits: { maxConnections: 50 } });
    const waiting: RawClient[] = [];
    for (let i = 0; i < 50; i++) {
      const c = await conns.connect();
      blockingGet(c, 'jobs/t=600000', i % 2 === 1);
      waiting.push(c);
    }
    await eventually(() => waiters('jobs') === 50, '50 waiters');
    for (const c of waiting) c.socket.end(); // FIN, as a client closing after its own timeout
    for (const c of waiting) await c.waitClosed();
    await eventually(() => srv.server.counters.currConnections === 0, 'every closed client to be gone');
    expect(waiters('jobs')).toBe(0);
    const next = await conns.connect();
    expect(await next.request('version\r\n')).toMatch(/^VERSION /);
    expect(srv.server.counters.rejectedConnections).toBe(0);
  });

  for (const binary of [false, true]) {
    it(`an item set after the close goes to a live waiter, not the closed one (${binary ? 'binary' : 'text'})`, async () => {
      srv = await startServer();
      const gone = await conns.connect();
      blockingGet(gone, 'q/t=60000', binary);
      await eventually(() => waiters('q') === 1, 'the first waiter');
      const live = await conns.connect();
      blockingGet(live, 'q/t=60000', binary, 2);
      await eventually(() => waiters('q') === 2, 'the second waiter');

      gone.socket.end();
      // The server answers the closed client's get as a wait that timed out, then closes.
      await gone.waitClosed();
      if (binary) {
        const miss = new BinaryClient(gone);
        expect((await miss.read()).status).toBe(STATUS.KEY_NOT_FOUND);
      } else {
        expect(gone.unread.toString('latin1')).toBe('END\r\n');
      }
      expect(waiters('q')).toBe(1);

      const producer = await conns.connect();
      expect(await producer.request(setCommand('q', 'job-1'))).toBe('STORED\r\n');
      if (binary) {
        const reply = await new BinaryClient(live).read();
        expect([reply.opaque, reply.status, reply.value.toString()]).toEqual([2, STATUS.SUCCESS, 'job-1']);
      } else {
        expect(await live.readUntil('END\r\n')).toBe('VALUE q/t=60000 0 5\r\njob-1\r\nEND\r\n');
      }
    });
  }

  it('runs the commands it sent behind the get, then closes', async () => {
    srv = await startServer();
    const c = await conns.connect();
    c.send('get q/t=60000\r\n');
    await eventually(() => waiters('q') === 1, 'the waiter');
    c.socket.end(Buffer.concat([setCommand('q', 'x'), Buffer.from('get q/t=60000\r\nversion\r\n')]));
    await c.waitClosed();
    // The set runs; the second get finds its item; the last one needs no wait.
    expect(c.unread.toString('latin1')).toMatch(/^END\r\nSTORED\r\nVALUE q\/t=60000 0 1\r\nx\r\nEND\r\nVERSION \S+\r\n$/);
  });

  it('a wait that starts after the client closed answers at once', async () => {
    srv = await startServer();
    const c = await conns.connect();
    c.socket.end('get q/t=60000\r\nget r/t=60000\r\n');
    await c.waitClosed(2000);
    expect(c.unread.toString('latin1')).toBe('END\r\nEND\r\n');
  });
});
