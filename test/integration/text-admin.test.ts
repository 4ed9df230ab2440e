/** The whole-queue and server commands over TCP: flush, flush_all (with delay), delete_queue, version, verbosity, stats. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/eventually.js';
import { Connections, setCommand, stat, stats } from '../helpers/raw-client.js';

let srv: TestServer;
const conns = new Connections(() => srv.port);

beforeEach(async () => {
  srv = await startServer();
});

afterEach(async () => {
  conns.closeAll();
  await srv.close();
});

async function fill(c: Awaited<ReturnType<typeof conns.connect>>, queue: string, ...data: string[]): Promise<void> {
  for (const d of data) expect(await c.request(setCommand(queue, d))).toBe('STORED\r\n');
}

describe('flush', () => {
  it('empties one queue; its open reservations stay open', async () => {
    const c = await conns.connect();
    await fill(c, 'q', '1', '2', '3');
    await fill(c, 'other', 'x');
    await c.request('get q\r\n', 'END\r\n');
    expect(await c.request('flush q\r\n')).toBe('OK\r\n');
    expect(await c.request('get q\r\n')).toBe('END\r\n');
    expect(await stat(c, 'queue_q_items')).toBe(0);
    expect(await stat(c, 'queue_q_open')).toBe(1);
    expect(await stat(c, 'queue_other_items')).toBe(1);
    expect(await c.request('delete q\r\n')).toBe('DELETED\r\n');
  });

  it('answers OK for a queue that does not exist, and creates none', async () => {
    const c = await conns.connect();
    expect(await c.request('flush nothing\r\n')).toBe('OK\r\n');
    expect((await stats(c)).has('queue_nothing_items')).toBe(false);
  });
});

describe('flush_all', () => {
  it('empties every queue at once', async () => {
    const c = await conns.connect();
    await fill(c, 'a', '1');
    await fill(c, 'b', '2');
    expect(await c.request('flush_all\r\n')).toBe('OK\r\n');
    expect(await stat(c, 'curr_items')).toBe(0);
    expect(await c.request('get a b\r\n')).toBe('END\r\n');
  });

  it('with noreply answers nothing', async () => {
    const c = await conns.connect();
    await fill(c, 'a', '1');
    expect(await c.request('flush_all noreply\r\nversion\r\n')).toMatch(/^VERSION /);
    expect(await stat(c, 'curr_items')).toBe(0);
  });

  it('with a delay empties every queue when the delay has passed, not before', async () => {
    const c = await conns.connect();
    await fill(c, 'a', '1', '2');
    expect(await c.request('flush_all 1\r\n')).toBe('OK\r\n');
    expect(await stat(c, 'queue_a_items')).toBe(2);
    const sent = Date.now();
    await eventually(async () => (await stat(c, 'queue_a_items')) === 0, 'the delayed flush');
    expect(Date.now() - sent).toBeGreaterThanOrEqual(900);
    // Items enqueued afterwards are kept.
    await fill(c, 'a', 'later');
    expect(await c.request('get a\r\n', 'END\r\n')).toBe('VALUE a 0 5\r\nlater\r\nEND\r\n');
  });

  it('flush_all 0 cancels a delayed flush_all', async () => {
    const c = await conns.connect();
    await fill(c, 'a', '1');
    expect(await c.request('flush_all 1\r\n')).toBe('OK\r\n');
    expect(await c.request('flush_all 0\r\n')).toBe('OK\r\n');
    await fill(c, 'a', 'kept');
    // Wait past the cancelled deadline for an event: a blocking get on another queue times out.
    expect(await c.request('get elsewhere/t=1200\r\n')).toBe('END\r\n');
    expect(await c.request('get a\r\n', 'END\r\n')).toBe('VALUE a 0 4\r\nkept\r\nEND\r\n');
  });
});

describe('delete_queue', () => {
  it('removes a queue with its items, reservations and waiters', async () => {
    const owner = await conns.connect();
    const waiter = await conns.connect();
    const admin = await conns.connect();
    await fill(owner, 'q', '1', '2');
    await owner.request('get q\r\n', 'END\r\n');
    waiter.send('get gone/t=10000\r\n');
    await eventually(async () => (await stat(admin, 'queue_gone_waiters')) === 1, 'the waiter');
    expect(await admin.request('delete_queue q\r\n')).toBe('DELETED\r\n');
    expect(await admin.request('delete_queue gone\r\n')).toBe('DELETED\r\n');
    expect(await waiter.readLine()).toBe('END');
    expect(await admin.request('delete_queue q\r\n')).toBe('NOT_FOUND\r\n');
    const after = await stats(admin);
    expect([...after.keys()].filter((k) => k.startsWith('queue_'))).toEqual([]);
    expect(after.get('curr_items')).toBe('0');
    // The reservation went with the queue: nothing to acknowledge, and closing returns nothing.
    expect(await owner.request('delete q\r\n')).toBe('NOT_FOUND\r\n');
    owner.close();
    await fill(admin, 'q', 'new');
    await eventually(async () => (await stat(admin, 'curr_connections')) === 2, 'the owner to close');
    expect(await admin.request('get q q\r\n', 'END\r\n')).toBe('VALUE q 0 3\r\nnew\r\nEND\r\n');
  });

  it('with noreply answers nothing', async () => {
    const c = await conns.connect();
    await fill(c, 'q', '1');
    expect(await c.request('delete_queue q noreply\r\ndelete_queue q noreply\r\nversion\r\n')).toMatch(/^VERSION /);
    expect(await stat(c, 'curr_items')).toBe(0);
  });
});

describe('version, verbosity', () => {
  it('version answers VERSION major.minor.patch, the package version', async () => {
    const c = await conns.connect();
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { version: string };
    expect(await c.request('version\r\n')).toBe(`VERSION ${pkg.version}\r\n`);
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('verbosity is accepted and ignored', async () => {
    const c = await conns.connect();
    expect(await c.request('verbosity 1\r\n')).toBe('OK\r\n');
    expect(await c.request('verbosity 1 noreply\r\nversion\r\n')).toMatch(/^VERSION /);
  });
});

describe('stats', () => {
  it("reports memcached's general fields and every per-queue field", async () => {
    const c = await conns.connect();
    await fill(c, 'q', 'abc', 'de');
    await c.request('get q\r\n', 'END\r\n');
    await c.request('get q/peek\r\n', 'END\r\n');
    await c.request('get none\r\n');
    const s = await stats(c);
    for (const field of [
      'pid',
      'uptime',
      'time',
      'version',
      'curr_connections',
      'total_connections',
      'cmd_get',
      'cmd_set',
      'get_hits',
      'get_misses',
      'curr_items',
      'total_items',
      'bytes',
    ]) {
      expect(s.has(field), field).toBe(true);
    }
    expect(s.get('pid')).toBe(String(process.pid));
    expect(Math.abs(Number(s.get('time')) - Date.now() / 1000)).toBeLessThan(5);
    expect(s.get('curr_connections')).toBe('1');
    expect(s.get('cmd_set')).toBe('2');
    expect(s.get('cmd_get')).toBe('3');
    expect(s.get('get_hits')).toBe('2');
    expect(s.get('get_misses')).toBe('1');
    expect(s.get('curr_items')).toBe('2');
    expect(s.get('total_items')).toBe('2');
    expect(s.get('bytes')).toBe('5');
    expect(Object.fromEntries([...s].filter(([k]) => k.startsWith('queue_q_') && k !== 'queue_q_age_ms'))).toEqual({
      queue_q_items: '1',
      queue_q_open: '1',
      queue_q_bytes: '5',
      queue_q_total_items: '2',
      queue_q_delivered: '1',
      queue_q_expired_items: '0',
      queue_q_acked: '0',
      queue_q_released: '0',
      queue_q_discarded: '0',
      queue_q_rejected: '0',
      queue_q_waiters: '0',
      queue_q_delayed: '0',
      queue_q_dead: '0',
      queue_q_head_deliveries: '0',
    });
    expect(Number(s.get('queue_q_age_ms'))).toBeGreaterThanOrEqual(0);
  });

  it('answers the groups memcache tools ask for with an empty list', async () => {
    const c = await conns.connect();
    for (const group of ['settings', 'items', 'slabs', 'sizes', 'conns']) {
      expect(await c.request(`stats ${group}\r\n`)).toBe('END\r\n');
    }
  });
});

describe('connections', () => {
  it('are never closed for being idle', async () => {
    const idle = await conns.connect();
    const busy = await conns.connect();
    // The server's one timer fires for the blocking get; the idle connection must not be touched by it.
    expect(await busy.request('get q/t=1000\r\n')).toBe('END\r\n');
    expect(idle.closed).toBe(false);
    expect(await idle.request('version\r\n')).toMatch(/^VERSION /);
  });
});
