/**
 * A closed connection is garbage: nothing the server keeps holds on to it, the key cache above all,
 * whose KeyErrors would keep the connection that sent a bad key, with its buffers, through the
 * receivers in a stack trace.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/server/connection.js';
import { RawClient } from '../helpers/raw-client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/eventually.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

let srv: TestServer | null = null;
afterEach(async () => {
  await srv?.close();
  srv = null;
});

/** The server's live connections (a private field: the test looks inside on purpose). */
function connections(s: TestServer): Set<Connection> {
  return (s.server as unknown as { connections: Set<Connection> }).connections;
}

describe('retention', () => {
  it.each([
    ['a bad key (cached with its KeyError)', 'get q/bogus-option\r\n', 'CLIENT_ERROR'],
    ['a bad delete key', 'delete q/nope\r\n', 'CLIENT_ERROR'],
    ['a normal worker cycle', 'set q 0 0 1\r\nx\r\nget q\r\ndelete q\r\n', 'DELETED'],
  ])('a closed connection that sent %s is collected', async (_what, input, last) => {
    srv = await startServer();
    const s = srv;
    const c = await RawClient.connect(s.port);
    c.send(input);
    await c.readUntil(last);
    const ref = new WeakRef([...connections(s)][0]);
    c.close();
    await eventually(() => connections(s).size === 0, 'the server to drop the connection');
    // Let the close's callbacks and timers finish, then collect.
    for (let i = 0; i < 5 && ref.deref() !== undefined; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    expect(ref.deref()).toBeUndefined();
  });
});
