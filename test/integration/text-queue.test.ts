/** The queue semantics of the text protocol, against the real server over TCP. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Connections, RawClient, setText } from '../helpers/raw-client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/eventually.js';

let srv: TestServer;
const conns = new Connections(() => srv.port);

async function connect(): Promise<RawClient> {
  return conns.connect();
}

beforeEach(async () => {
  srv = await startServer({ maxOpen: 3 });
});

afterEach(async () => {
  conns.closeAll();
  await srv.close();
});

describe('worker flow (set, get, delete)', () => {
  it('enqueues, reserves the head, acknowledges', async () => {
    const c = await connect();
    expect(await c.request(setText('jobs', 'one', 16))).toBe('STORED\r\n');
    expect(await c.request(setText('jobs', 'two'))).toBe('STORED\r\n');
    expect(await c.request('get jobs\r\n', 'END\r\n')).toBe('VALUE jobs 16 3\r\none\r\nEND\r\n');
    expect(await c.request('delete jobs\r\n')).toBe('DELETED\r\n');
    expect(await c.request('get jobs\r\n', 'END\r\n')).toBe('VALUE jobs 0 3\r\ntwo\r\nEND\r\n');
    expect(await c.request('delete jobs\r\n')).toBe('DELETED\r\n');
    expect(await c.request('delete jobs\r\n')).toBe('NOT_FOUND\r\n');
    expect(await c.request('get jobs\r\n')).toBe('END\r\n');
  });

  it('close/open acknowledges and reserves the next item in one request', async () => {
    const c = await connect();
    await c.request(setText('q', 'a') + setText('q', 'b'), 'STORED\r\nSTORED\r\n');
    expect(await c.request('get q/open\r\n', 'END\r\n')).toBe('VALUE q/open 0 1\r\na\r\nEND\r\n');
    expect(await c.request('get q/close/open\r\n', 'END\r\n')).toBe('VALUE q/close/open 0 1\r\nb\r\nEND\r\n');
    expect(await c.request('get q/close\r\n')).toBe('END\r\n');
    expect(await c.request('stats\r\n', 'END\r\n')).toContain('STAT queue_q_acked 2\r\n');
  });

  it('abort puts the item back at the head; peek does not reserve', async () => {
    const c = await connect();
    await c.request(setText('q', 'a') + setText('q', 'b'), 'STORED\r\nSTORED\r\n');
    await c.request('get q\r\n', 'END\r\n');
    expect(await c.request('get q/abort\r\n')).toBe('END\r\n');
    expect(await c.request('get q/peek\r\n', 'END\r\n')).toBe('VALUE q/peek 0 1\r\na\r\nEND\r\n');
    expect(await c.request('get q/peek\r\n', 'END\r\n')).toBe('VALUE q/peek 0 1\r\na\r\nEND\r\n');
    expect(await c.request('delete q\r\n')).toBe('NOT_FOUND\r\n');
  });
});

describe('reservations and connections', () => {
  it('returns held items to the head, in order, when the connection closes', async () => {
    const a = await connect();
    await a.request(setText('q', '1') + setText('q', '2') + setText('q', '3'), 'STORED\r\nSTORED\r\nSTORED\r\n');
    await a.request('get q\r\n', 'END\r\n');
    await a.request('get q\r\n', 'END\r\n');
    a.close();
    const b = await connect();
    // The release happens when the server sees the close; wait for it through stats.
    await eventually(
      async () => (await b.request('stats\r\n', 'END\r\n')).includes('STAT queue_q_items 3\r\n'),
      'the items to come back',
    );
    const got = await b.request('get q q q\r\n', 'END\r\n');
    expect(got).toBe('VALUE q 0 1\r\n1\r\nVALUE q 0 1\r\n2\r\nVALUE q 0 1\r\n3\r\nEND\r\n');
  });

  it('allows several reservations per connection up to --max-open', async () => {
    const c = await connect();
    for (let i = 0; i < 5; i++) await c.request(setText('q', `${i}`));
    for (let i = 0; i < 3; i++) expect(await c.request('get q\r\n', 'END\r\n')).toBe(`VALUE q 0 1\r\n${i}\r\nEND\r\n`);
    expect(await c.request('get q\r\n')).toMatch(/^SERVER_ERROR too many open reservations on q \(max 3\)/);
    expect(await c.request('delete q\r\n')).toBe('DELETED\r\n');
    expect(await c.request('get q\r\n', 'END\r\n')).toBe('VALUE q 0 1\r\n3\r\nEND\r\n');
  });

  it('acks and releases by id from another connection', async () => {
    const a = await connect();
    const b = await connect();
    await a.request(setText('q', 'x') + setText('q', 'y'), 'STORED\r\nSTORED\r\n');
    const first = await a.request('gets q\r\n', 'END\r\n');
    const id = Number(/^VALUE q 0 1 (\d+)\r\n/.exec(first)![1]);
    const second = await a.request('gets q\r\n', 'END\r\n');
    const id2 = Number(/^VALUE q 0 1 (\d+)\r\n/.exec(second)![1]);
    expect(id2).toBeGreaterThan(id);
    expect(await b.request(`delete q/id=${id}\r\n`)).toBe('DELETED\r\n');
    expect(await b.request(`delete q/id=${id}\r\n`)).toBe('NOT_FOUND\r\n');
    expect(await b.request(`delete q/abort/id=${id2}\r\n`)).toBe('DELETED\r\n');
    expect(await b.request('gets q\r\n', 'END\r\n')).toBe(`VALUE q 0 1 ${id2}\r\ny\r\nEND\r\n`);
    // a no longer holds anything on q
    expect(await a.request('delete q\r\n')).toBe('NOT_FOUND\r\n');
  });

  it('keeps a leased reservation past its connection until the lease ends', async () => {
    const a = await connect();
    await a.request(setText('q', 'leased'), 'STORED\r\n');
    const got = await a.request('gets q/lease=200\r\n', 'END\r\n');
    const id = Number(/ (\d+)\r\n/.exec(got)![1]);
    a.close();
    const b = await connect();
    // Still open after the connection closed: an immediate get finds nothing.
    expect(await b.request('get q\r\n')).toBe('END\r\n');
    // A blocking get receives it when the lease runs out.
    expect(await b.request('gets q/t=5000\r\n', 'END\r\n')).toBe(`VALUE q/t=5000 0 6 ${id}\r\nleased\r\nEND\r\n`);
  });
});

describe('blocking get', () => {
  it('times out with END', async () => {
    const c = await connect();
    expect(await c.request('get q/t=50\r\n')).toBe('END\r\n');
  });

  it('is woken by a set on another connection, and holds back the commands behind it', async () => {
    const waiter = await connect();
    const producer = await connect();
    waiter.send('get q/t=10000\r\nversion\r\n');
    // Make sure the get is waiting before the set (stats reports waiters).
    await eventually(
      async () => (await producer.request('stats\r\n', 'END\r\n')).includes('STAT queue_q_waiters 1\r\n'),
      'the waiter',
    );
    expect(waiter.unread.length).toBe(0);
    await producer.request(setText('q', 'wake'));
    expect(await waiter.readUntil('END\r\n')).toBe('VALUE q/t=10000 0 4\r\nwake\r\nEND\r\n');
    expect(await waiter.readLine()).toMatch(/^VERSION \d+\.\d+\.\d+$/);
  });

  it('wakes exactly one waiter per item', async () => {
    const w1 = await connect();
    const w2 = await connect();
    const producer = await connect();
    w1.send('get q/t=10000\r\n');
    w2.send('get q/t=300\r\n');
    await eventually(
      async () => (await producer.request('stats\r\n', 'END\r\n')).includes('STAT queue_q_waiters 2\r\n'),
      'both waiters',
    );
    await producer.request(setText('q', 'only'));
    expect(await w1.readUntil('END\r\n')).toBe('VALUE q/t=10000 0 4\r\nonly\r\nEND\r\n');
    expect(await w2.readUntil('END\r\n')).toBe('END\r\n');
  });
});

describe('expiry', () => {
  it('never delivers an expired item and counts it', async () => {
    const c = await connect();
    await c.request(setText('q', 'gone', 0, -1));
    expect(await c.request('get q\r\n')).toBe('END\r\n');
    const nowS = Math.floor(Date.now() / 1000);
    await c.request(setText('q', 'past', 0, nowS - 10));
    await c.request(setText('q', 'future', 0, nowS + 1000));
    expect(await c.request('get q\r\n', 'END\r\n')).toBe('VALUE q 0 6\r\nfuture\r\nEND\r\n');
    const stats = await c.request('stats\r\n', 'END\r\n');
    expect(stats).toContain('STAT queue_q_expired_items 2\r\n');
  });
});
