/**
 * memjs 1.3.2, a real binary-protocol client, against the real server. memjs is configured as rq's
 * client library must configure it: a timeout longer than any blocking get (its default 0.5 s
 * resends requests), one attempt (no resend), and a logger (it otherwise prints to stdout).
 */
import memjs from 'memjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OP, STATUS } from '../../src/protocol/binary/constants.js';
import { encodeRequest } from '../../src/protocol/binary/packet.js';
import { startServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
let logged: string[];
const clients: memjs.Client[] = [];

/** `credentials` ("user:password@") makes memjs authenticate with SASL PLAIN on connect. */
function client(credentials = ''): memjs.Client {
  const c = memjs.Client.create(`${credentials}127.0.0.1:${srv.port}`, {
    timeout: 10,
    retries: 1,
    logger: { log: (...args: unknown[]) => void logged.push(args.join(' ')) },
  });
  clients.push(c);
  return c;
}

/** memjs' raw response: the header as it parses it, and the body parts. */
interface RawResponse {
  header: { opcode: number; status: number; opaque: number; cas: Buffer };
  key: Buffer;
  extras: Buffer;
  val: Buffer;
}

/** Sends one hand-built request through memjs' own request path (what memjs' high-level API cannot say). */
function perform(c: memjs.Client, opcode: number, key = ''): Promise<RawResponse> {
  c.incrSeq();
  const seq = c.seq;
  return new Promise((resolve, reject) => {
    c.perform(key, encodeRequest({ opcode, key, opaque: seq }), seq, (err, response: RawResponse) => {
      if (err) reject(err);
      else resolve(response);
    });
  });
}

function stats(c: memjs.Client): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    c.stats((err, _server, s) => (err ? reject(err) : resolve(s!)));
  });
}

beforeEach(async () => {
  srv = await startServer();
  logged = [];
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await srv.close();
});

describe('memjs against rq', () => {
  it('set enqueues, get reserves with flags, delete acknowledges', async () => {
    const c = client();
    expect(await c.set('jobs', 'one', {})).toBe(true);
    expect(await c.set('jobs', Buffer.from([0, 1, 2, 255]), {})).toBe(true);
    const first = await c.get('jobs');
    expect(first.value?.toString()).toBe('one');
    expect(first.flags).toEqual(Buffer.alloc(4));
    expect(await c.delete('jobs')).toBe(true);
    expect((await c.get('jobs')).value).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(await c.delete('jobs')).toBe(true);
    expect(await c.get('jobs')).toEqual({ value: null, flags: null });
    expect(await c.delete('jobs')).toBe(false);
    expect(logged).toEqual([]);
  });

  it('get with key options: close/open, peek, abort', async () => {
    const c = client();
    await c.set('q', 'a', {});
    await c.set('q', 'b', {});
    expect((await c.get('q/open')).value?.toString()).toBe('a');
    expect((await c.get('q/close/open')).value?.toString()).toBe('b');
    expect((await c.get('q/peek')).value).toBeNull();
    expect((await c.get('q/abort')).value).toBeNull();
    expect((await c.get('q/peek')).value?.toString()).toBe('b');
  });

  it('a blocking get (q/t=) is woken by a set from another client', async () => {
    const waiter = client();
    const producer = client();
    const pending = waiter.get('q/t=5000');
    const watcher = client();
    // Wait for the get to block (stats reports waiters) before the set.
    for (let i = 0; ; i++) {
      if ((await stats(watcher))['queue_q_waiters'] === '1') break;
      if (i > 1000) throw new Error('the get never blocked');
    }
    await producer.set('q', 'wake', {});
    expect((await pending).value?.toString()).toBe('wake');
    // and times out with a miss, not an error or a resend
    expect((await waiter.get('q/t=50')).value).toBeNull();
    expect(logged).toEqual([]);
  });

  it('stats arrive as a dictionary, ended by the empty packet', async () => {
    const c = client();
    await c.set('q', 'x', {});
    const s = await stats(c);
    expect(s['queue_q_items']).toBe('1');
    expect(Number(s['curr_connections'])).toBeGreaterThanOrEqual(1);
    expect(s['version']).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('flush empties every queue', async () => {
    const c = client();
    await c.set('a', '1', {});
    await c.set('b', '2', {});
    await c.flush();
    expect((await c.get('a')).value).toBeNull();
    expect((await c.get('b')).value).toBeNull();
  });

  it('VERSION and a GET whose CAS is the item id, through memjs’ request path', async () => {
    const c = client();
    const version = await perform(c, OP.VERSION);
    expect(version.header.status).toBe(STATUS.SUCCESS);
    expect(version.val.toString()).toMatch(/^\d+\.\d+\.\d+/);

    await c.set('q', 'x', {});
    const hit = await perform(c, OP.GET, 'q');
    const id = hit.header.cas.readBigUInt64BE(0);
    expect(id).toBeGreaterThan(0n);
    expect(hit.val.toString()).toBe('x');
    // the id is the one the text protocol's `delete q/id=N` names
    expect(await c.delete(`q/id=${id}`)).toBe(true);
    expect(await c.delete(`q/id=${id}`)).toBe(false);
  });

  it('refused commands come back as errors, not hangs', async () => {
    const c = client();
    await expect(c.add('q', 'x', {})).rejects.toThrow('MemJS ADD: Not supported');
    await expect(c.increment('q', 1, {})).rejects.toThrow('MemJS INCREMENT: Not supported');
    expect(await c.set('q', 'still works', {})).toBe(true);
  });

  it('a client configured with SASL credentials carries on when the server has no authentication', async () => {
    const c = client('user:secret@');
    // memjs lists mechanisms (0x20) then authenticates (0x21) first: both get 0x0081 and it goes on.
    expect(c.servers[0].username).toBe('user');
    expect(await c.set('q', 'x', {})).toBe(true);
    expect((await c.get('q')).value?.toString()).toBe('x');
  });

  it('quit closes the connection; its reservation goes back to the queue', async () => {
    const c = client();
    await c.set('q', 'held', {});
    expect((await c.get('q')).value?.toString()).toBe('held');
    c.quit();
    const other = client();
    for (let i = 0; ; i++) {
      if ((await other.get('q/peek')).value?.toString() === 'held') break;
      if (i > 1000) throw new Error('the reservation was never released');
    }
  });
});
