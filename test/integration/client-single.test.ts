/** The client library's single requests (through memjs) against the real server. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RqClientError } from '../../src/client/errors.js';
import { Clients, connectionsBecome, queueStats } from '../helpers/clients.js';
import { startServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
const clients = new Clients();

beforeEach(async () => {
  srv = await startServer({ maxItemSize: 64 * 1024 });
});

afterEach(async () => {
  clients.closeAll();
  await srv.close();
});

describe('RqClient, one request at a time', () => {
  it('pushes, reserves with the item id, and acknowledges by id once', async () => {
    const c = clients.client([srv]);
    expect(await c.push('jobs', 'first', { flags: 9 })).toBe(`127.0.0.1:${srv.port}`);
    await c.push('jobs', Buffer.from('second'));
    const item = await c.reserve('jobs');
    expect(item).toMatchObject({ queue: 'jobs', data: Buffer.from('first'), flags: 9, server: `127.0.0.1:${srv.port}` });
    expect(item!.id).toBeGreaterThan(0);
    expect(queueStats(srv, 'jobs')).toMatchObject({ items: 1, open: 1 });
    expect(await c.ack('jobs', item!.id)).toBe(true);
    expect(await c.ack('jobs', item!.id)).toBe(false);
    expect(queueStats(srv, 'jobs')).toMatchObject({ items: 1, open: 0, acked: 1 });
  });

  it('answers null for an empty or unknown queue, and peeks without taking', async () => {
    const c = clients.client([srv]);
    expect(await c.reserve('nothing')).toBeNull();
    expect(await c.peek('nothing')).toBeNull();
    await c.push('q', 'head');
    const peeked = await c.peek('q');
    expect(peeked?.data.toString()).toBe('head');
    expect(queueStats(srv, 'q')).toMatchObject({ items: 1, open: 0 });
    expect((await c.reserve('q'))?.id).toBe(peeked!.id);
  });

  it('releases by id to the head of the queue', async () => {
    const c = clients.client([srv]);
    await c.push('q', 'a');
    await c.push('q', 'b');
    const a = (await c.reserve('q'))!;
    expect(await c.release('q', a.id)).toBe(true);
    expect(await c.release('q', a.id)).toBe(false);
    expect((await c.reserve('q'))!.data.toString()).toBe('a');
    expect(queueStats(srv, 'q')).toMatchObject({ released: 1 });
  });

  it('loses nothing when a client goes away holding an item, and a lease outlives it', async () => {
    const a = clients.client([srv]);
    await a.push('q', 'plain');
    await a.push('q', 'leased');
    const plain = (await a.reserve('q'))!;
    const leased = (await a.reserve('q', { leaseMs: 60_000 }))!;
    expect(queueStats(srv, 'q')).toMatchObject({ items: 0, open: 2 });
    a.close();
    await connectionsBecome(srv, 0);
    expect(queueStats(srv, 'q')).toMatchObject({ items: 1, open: 1 });
    const b = clients.client([srv]);
    expect((await b.reserve('q'))!.id).toBe(plain.id);
    expect(await b.ack('q', leased.id)).toBe(true);
  });

  it('waits for an item pushed later, and gives up after the wait', async () => {
    const waiter = clients.client([srv]);
    const pusher = clients.client([srv]);
    const waiting = waiter.reserve('q', { waitMs: 10_000 });
    await pusher.push('q', 'late');
    expect((await waiting)!.data.toString()).toBe('late');
    expect(await waiter.reserve('q', { waitMs: 30 })).toBeNull();
  });

  it('keeps every byte and the UTF-8 of queue names', async () => {
    const c = clients.client([srv]);
    const data = Buffer.from(Array.from({ length: 60_000 }, (_, i) => (i * 7) & 0xff));
    await c.push('café', data);
    expect((await c.peek('café'))!.data.equals(data)).toBe(true);
    const [stats] = await c.stats();
    expect(stats.state === 'up' && [...stats.queues.keys()]).toEqual(['café']);
  });

  it("reports a refused push as a protocol error, with the server's reason", async () => {
    const c = clients.client([srv]);
    const refused = await c.push('q', Buffer.alloc(64 * 1024 + 1)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RqClientError);
    expect(refused).toMatchObject({ kind: 'protocol', status: 0x03 });
    expect((refused as Error).message).toContain('larger than the item size limit');
    expect(queueStats(srv, 'q').totalItems).toBe(0);
  });

  it('flushes one queue and leaves the others', async () => {
    const c = clients.client([srv]);
    await c.push('a', '1');
    await c.push('b', '2');
    await c.flush('a');
    expect(queueStats(srv, 'a').items).toBe(0);
    expect(queueStats(srv, 'b').items).toBe(1);
  });

  it('reads stats into general fields and per-queue figures', async () => {
    const c = clients.client([srv]);
    await c.push('a_total', 'x');
    await c.push('a', 'y');
    await c.reserve('a');
    const [s] = await c.stats();
    expect(s.state).toBe('up');
    if (s.state !== 'up') return;
    expect(s.general.get('version')).toMatch(/^\d+\.\d+\.\d+$/);
    expect([...s.queues.values()]).toEqual([
      expect.objectContaining({ name: 'a_total', items: 1, open: 0, totalItems: 1 }),
      expect.objectContaining({ name: 'a', items: 0, open: 1, totalItems: 1 }),
    ]);
    expect(await c.statsOf(`127.0.0.1:${srv.port}`)).toEqual(expect.arrayContaining([['queue_a_open', '1']]));
  });

  it('never prints: memjs gets a silent logger', async () => {
    const log = vi.spyOn(console, 'log');
    const c = clients.client([srv]);
    await c.push('q', Buffer.alloc(64 * 1024 + 1)).catch(() => {});
    await srv.close();
    await c.push('q', 'x').catch(() => {});
    expect(log).not.toHaveBeenCalled();
    log.mockRestore();
    srv = await startServer();
  });
});
