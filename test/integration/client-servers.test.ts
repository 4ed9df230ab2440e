/** Several independent servers: pushes spread round-robin, pops find items wherever they are. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Clients, deadPort, queueStats } from '../helpers/clients.js';
import { startServer, type TestServer } from '../helpers/server.js';
import type { RqClientError } from '../../src/client/errors.js';

let a: TestServer;
let b: TestServer;
const clients = new Clients();

beforeEach(async () => {
  a = await startServer();
  b = await startServer();
});

afterEach(async () => {
  clients.closeAll();
  await a.close();
  await b.close();
});

async function* one(items: string[]): AsyncGenerator<Buffer[]> {
  yield items.map((s) => Buffer.from(s));
}

describe('two servers', () => {
  it('deal a stream of pushes out item by item, and a pop collects them all', async () => {
    const c = clients.client([a, b]);
    const report = await c.pushAll('q', one(['1', '2', '3', '4', '5']));
    expect(report.pushed).toBe(5);
    expect(queueStats(a, 'q').items).toBe(3);
    expect(queueStats(b, 'q').items).toBe(2);
    const got: string[] = [];
    const popped = await c.popMany('q', { count: 10 }, async (items) => {
      for (const i of items) got.push(i.data.toString());
    });
    expect(popped.popped).toBe(5);
    expect(got.sort()).toEqual(['1', '2', '3', '4', '5']);
    expect(queueStats(a, 'q')).toMatchObject({ items: 0, open: 0 });
    expect(queueStats(b, 'q')).toMatchObject({ items: 0, open: 0 });
  });

  it('send single pushes to alternate servers, and reserve from whichever has an item', async () => {
    const c = clients.client([a, b]);
    expect(await c.push('q', 'x')).toBe(`127.0.0.1:${a.port}`);
    expect(await c.push('q', 'y')).toBe(`127.0.0.1:${b.port}`);
    await c.push('only-b', 'z').then(() => c.push('only-b', 'z2'));
    await c.reserve('only-b').then((i) => c.ack('only-b', i!.id, i!.server));
    const item = await c.reserve('only-b');
    expect(item?.data.toString()).toMatch(/^z/);
    expect(await c.ack('only-b', item!.id, item!.server)).toBe(true);
  });

  it('find an item pushed to either server while a pop waits', async () => {
    const c = clients.client([a, b]);
    const pusher = clients.client([b]);
    const waiting = c.popMany('q', { count: 1, waitMs: 20_000 }, async () => {});
    const item = c.reserve('r', { waitMs: 20_000 });
    await pusher.push('q', 'late');
    await pusher.push('r', 'late');
    expect((await waiting).popped).toBe(1);
    expect((await item)?.server).toBe(`127.0.0.1:${b.port}`);
  });

  it('skip a server that is down, and say so', async () => {
    const skipped: RqClientError[] = [];
    const c = clients.client([await deadPort(), a.port], { onServerSkipped: (e) => skipped.push(e) });
    expect(await c.push('q', 'x')).toBe(`127.0.0.1:${a.port}`);
    expect(skipped).toHaveLength(1);
    const report = await c.pushAll('q', one(['1', '2']));
    expect(report).toMatchObject({ pushed: 2, failure: null });
    expect(report.skipped).toHaveLength(1);
    const popped = await c.popMany('q', { count: 10 }, async () => {});
    expect(popped.popped).toBe(3);
    expect(popped.skipped).toHaveLength(1);
    const [down, up] = await c.stats();
    expect(down.state).toBe('down');
    expect(up.state).toBe('up');
  });

  it('refuse to guess which server holds a bare id', async () => {
    const c = clients.client([a, b]);
    await expect(c.ack('q', 1)).rejects.toThrow('say which one');
    await expect(c.ack('q', 1, 'elsewhere:1')).rejects.toThrow('not one of');
  });
});
