/**
 * A connection's replies go out once per event-loop turn: requests that arrive in several reads of
 * one turn are answered in one write, in order; a get that waits is answered in the turn that wakes it.
 */
import { duplexPair, type Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { RqServer } from '../../../src/server/server.js';
import { testLimits } from '../../helpers/server.js';

const servers: RqServer[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** A client end on a new server; its `writes` are the chunks the server wrote, in order. */
function connect(s?: RqServer): { client: Duplex; writes: Buffer[]; server: RqServer } {
  const server = s ?? new RqServer({ host: '127.0.0.1', port: 0, limits: testLimits({}) });
  if (s === undefined) servers.push(server);
  const [client, end] = duplexPair();
  server.handle(end);
  const writes: Buffer[] = [];
  client.on('data', (b: Buffer) => writes.push(b));
  return { client, writes, server };
}

function until(writes: Buffer[], text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`no ${JSON.stringify(text)} within 5 s`)), 5000);
    const check = () => {
      const all = Buffer.concat(writes).toString('latin1');
      if (!all.endsWith(text)) return void setImmediate(check);
      clearTimeout(deadline);
      resolve(all);
    };
    check();
  });
}

describe('one write per turn', () => {
  it('answers the requests of several reads in one turn with one write, in order', async () => {
    const { client, writes } = connect();
    client.write('set q 0 0 1\r\na\r\n');
    client.write('set q 0 0 1\r\nb\r\n');
    client.write('get q\r\n');
    client.write('get q/peek\r\nversion\r\n');
    const all = await until(writes, '\r\n');
    expect(writes.length).toBe(1);
    expect(all).toMatch(/^STORED\r\nSTORED\r\nVALUE q 0 1\r\na\r\nEND\r\nVALUE q\/peek 0 1\r\nb\r\nEND\r\nVERSION .*\r\n$/);
  });

  it('answers a waiting get in the turn of the set that wakes it', async () => {
    const waiter = connect();
    waiter.client.write('get q/t=5000\r\n');
    await new Promise((resolve) => setImmediate(resolve));
    const setter = connect(waiter.server);
    setter.client.write('set q 0 0 2\r\nhi\r\n');
    expect(await until(setter.writes, 'STORED\r\n')).toBe('STORED\r\n');
    expect(await until(waiter.writes, 'END\r\n')).toBe('VALUE q/t=5000 0 2\r\nhi\r\nEND\r\n');
  });
});
