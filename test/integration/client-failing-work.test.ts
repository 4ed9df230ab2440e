/**
 * The client library's requests for work that fails, against the real server: delivery counts on
 * every reserve, peek and pop of many, pushes and releases with a delay, and touch renewing a lease
 * (docs/client.md).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Clients, queueStats } from '../helpers/clients.js';
import { eventually } from '../helpers/eventually.js';
import { startServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
const clients = new Clients();

beforeEach(async () => {
  srv = await startServer();
});

afterEach(async () => {
  clients.closeAll();
  await srv.close();
});

describe('RqClient and work that fails', () => {
  it('reads the delivery count on reserve, peek and popMany: 0 before, 1 the first time, then more', async () => {
    const c = clients.client([srv]);
    await c.push('jobs', 'x');
    expect(await c.peek('jobs')).toMatchObject({ deliveries: 0 });
    const first = await c.reserve('jobs', { leaseMs: 30_000 });
    expect(first).toMatchObject({ deliveries: 1 });
    expect(await c.release('jobs', first!.id)).toBe(true);
    expect(await c.peek('jobs')).toMatchObject({ deliveries: 1 });
    const popped: number[] = [];
    await c.popMany('jobs', { count: 1 }, async (items) => void popped.push(...items.map((i) => i.deliveries)));
    expect(popped).toEqual([2]);
  });

  it('pushes an item that is ready only once its delay is over', async () => {
    const c = clients.client([srv]);
    await c.push('jobs', 'later', { delayMs: 60_000 });
    expect(queueStats(srv, 'jobs')).toMatchObject({ items: 0, delayed: 1 });
    expect(await c.reserve('jobs')).toBeNull();
    const report = await c.pushAll(
      'jobs',
      (async function* () {
        yield [Buffer.from('a'), Buffer.from('b')];
      })(),
      { delayMs: 50 },
    );
    expect(report).toMatchObject({ pushed: 2, refused: 0 });
    const item = await c.reserve('jobs', { waitMs: 5000 });
    expect(item?.data.toString()).toBe('a');
  });

  it('releases with a delay: out of sight, then back at the tail, its count kept', async () => {
    const c = clients.client([srv]);
    await c.push('jobs', 'retry');
    await c.push('jobs', 'next');
    const item = await c.reserve('jobs', { leaseMs: 30_000 });
    expect(await c.release('jobs', item!.id, undefined, { delayMs: 50 })).toBe(true);
    expect(queueStats(srv, 'jobs')).toMatchObject({ items: 1, open: 0, delayed: 1 });
    await eventually(() => queueStats(srv, 'jobs').delayed === 0, 'the item due');
    expect((await c.reserve('jobs'))?.data.toString()).toBe('next');
    expect(await c.reserve('jobs')).toMatchObject({ id: item!.id, deliveries: 2 });
  });

  it('touches a held item (from another client) and answers false for one not held', async () => {
    const holder = clients.client([srv]);
    const other = clients.client([srv]);
    await holder.push('jobs', 'long');
    const item = await holder.reserve('jobs', { leaseMs: 30_000 });
    expect(await other.touch('jobs', item!.id, 60_000)).toBe(true);
    expect(await other.touch('jobs', 999_999, 60_000)).toBe(false);
    expect(await holder.ack('jobs', item!.id)).toBe(true);
    expect(await other.touch('jobs', item!.id, 60_000)).toBe(false);
  });
});
