/** Pipelined pushes and pops (the client's own binary pipe) against the real server. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Item } from '../../src/client/item.js';
import type { PushItem } from '../../src/client/requests.js';
import { RawClient } from '../helpers/raw-client.js';
import { Clients, connectionsBecome, queueStats } from '../helpers/clients.js';
import { startServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
const clients = new Clients();

beforeEach(async () => {
  srv = await startServer({ maxItemSize: 1024 });
});

afterEach(async () => {
  clients.closeAll();
  await srv.close();
});

async function* batches(items: string[], size: number): AsyncGenerator<Buffer[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size).map((s) => Buffer.from(s));
}

const numbers = (n: number, from = 1) => Array.from({ length: n }, (_, i) => String(from + i));

describe('pushAll', () => {
  it('pushes a long stream in order, and reports every item confirmed', async () => {
    const c = clients.client([srv]);
    const report = await c.pushAll('q', batches(numbers(20_000), 3000), { flags: 5 });
    expect(report).toMatchObject({ pushed: 20_000, refused: 0, unconfirmed: 0, failure: null, sourceError: null });
    expect(queueStats(srv, 'q')).toMatchObject({ items: 20_000, totalItems: 20_000 });
    expect(await c.peek('q')).toMatchObject({ data: Buffer.from('1'), flags: 5 });
  });

  it('names each item the server refuses, and pushes the others', async () => {
    const c = clients.client([srv]);
    const items = ['ok', 'x'.repeat(2000), 'fine', 'y'.repeat(1025)];
    const report = await c.pushAll('q', batches(items, 10));
    expect(report.pushed).toBe(2);
    expect(report.refused).toBe(2);
    expect(report.refusals.map((r) => r.index)).toEqual([2, 4]);
    expect(report.refusals[0].reason).toContain('larger than the item size limit');
  });

  it('stops at input that throws, having pushed what came before', async () => {
    const c = clients.client([srv]);
    async function* bad(): AsyncGenerator<Buffer[]> {
      yield [Buffer.from('a'), Buffer.from('b')];
      throw new Error('bad input');
    }
    const report = await c.pushAll('q', bad());
    expect(report).toMatchObject({ pushed: 2, sourceError: { message: 'bad input' } });
  });
});

describe('pushItems', () => {
  it('pushes each item to its own queue, any bytes for a name, with its flags and expiry; names each refusal', async () => {
    const c = clients.client([srv]);
    const odd = Buffer.from([0xff, 0x41]); // not UTF-8: a name the server takes as bytes
    const later = Date.now() + 3_600_000;
    async function* items(): AsyncGenerator<PushItem[]> {
      yield [
        { queue: Buffer.from('a'), data: Buffer.from('one'), flags: 7, expiresAt: 0 },
        { queue: odd, data: Buffer.from('two'), flags: 0xffffffff, expiresAt: later },
      ];
      yield [
        { queue: Buffer.from('a b'), data: Buffer.from('bad name'), flags: 0, expiresAt: 0 },
        { queue: Buffer.from('a'), data: Buffer.from('three'), flags: 0, expiresAt: 0 },
      ];
    }
    const report = await c.pushItems(items());
    expect(report).toMatchObject({ pushed: 3, refused: 1, unconfirmed: 0, failure: null });
    expect(report.refusals).toEqual([
      { index: 3, server: `127.0.0.1:${srv.port}`, reason: expect.stringContaining('queue name') as unknown },
    ]);
    const raw = await RawClient.connect(srv.port);
    try {
      expect(await raw.request('get a\r\nget a\r\n', 'END\r\nVALUE a 0 5\r\nthree\r\nEND\r\n')).toBe(
        'VALUE a 7 3\r\none\r\nEND\r\nVALUE a 0 5\r\nthree\r\nEND\r\n',
      );
      expect(await raw.request('get \xffA\r\n', 'END\r\n')).toBe('VALUE \xffA 4294967295 3\r\ntwo\r\nEND\r\n');
    } finally {
      raw.close();
    }
    const [held] = srv.server.engine.openItems('\xffA');
    expect(Math.abs(held.expiresAt - later)).toBeLessThan(1000);
  });
});

describe('popMany', () => {
  it('pops in order, acknowledging everything it delivered', async () => {
    const c = clients.client([srv]);
    await c.pushAll('q', batches(numbers(5000), 1000));
    const got: string[] = [];
    let largest = 0;
    const report = await c.popMany('q', { count: 5000 }, async (items) => {
      largest = Math.max(largest, items.length);
      for (const i of items) got.push(i.data.toString());
    });
    expect(report.popped).toBe(5000);
    expect(got).toEqual(numbers(5000));
    // At most half the window of 100 at a time: the other half's requests are with the server meanwhile.
    expect(largest).toBeLessThanOrEqual(50);
    expect(queueStats(srv, 'q')).toMatchObject({ items: 0, open: 0, acked: 5000 });
  });

  it('takes no more than it was asked for, and stops at an empty queue', async () => {
    const c = clients.client([srv]);
    await c.pushAll('q', batches(numbers(300), 300));
    let n = 0;
    expect(
      (
        await c.popMany('q', { count: 120 }, async (items) => {
          n += items.length;
        })
      ).popped,
    ).toBe(120);
    expect(n).toBe(120);
    expect(queueStats(srv, 'q')).toMatchObject({ items: 180, open: 0 });
    expect((await c.popMany('q', { count: 1000 }, async () => {})).popped).toBe(180);
    expect((await c.popMany('q', { count: 1 }, async () => {})).popped).toBe(0);
  });

  it('releases, in order, what it could not deliver, and passes the failure on', async () => {
    const c = clients.client([srv]);
    await c.pushAll('q', batches(numbers(1000), 1000));
    const delivered: string[] = [];
    let calls = 0;
    const failure = new Error('EPIPE');
    const result = await c
      .popMany('q', { count: 1000 }, async (items) => {
        if (++calls === 3) throw failure;
        for (const i of items) delivered.push(i.data.toString());
      })
      .catch((e: unknown) => e);
    expect(result).toBe(failure);
    const d = delivered.length;
    expect(d).toBeGreaterThan(0);
    const next = clients.client([srv]);
    const rest: string[] = [];
    await next.popMany('q', { count: 1000 }, async (items) => {
      for (const i of items) rest.push(i.data.toString());
    });
    expect(delivered).toEqual(numbers(d));
    expect(rest).toEqual(numbers(1000 - d, d + 1));
    expect(queueStats(srv, 'q')).toMatchObject({ items: 0, open: 0, acked: 1000 });
  });

  it('works within a server --max-open below its window', async () => {
    await srv.close();
    srv = await startServer({ maxOpen: 3 });
    const c = clients.client([srv]);
    await c.pushAll('q', batches(numbers(500), 500));
    const got: string[] = [];
    await c.popMany('q', { count: 500 }, async (items) => {
      for (const i of items) got.push(i.data.toString());
    });
    expect(got).toEqual(numbers(500));
    expect(queueStats(srv, 'q')).toMatchObject({ items: 0, open: 0 });
  });

  it('waits for items when asked, and stops cleanly when aborted', async () => {
    const c = clients.client([srv]);
    const pusher = clients.client([srv]);
    const stop = new AbortController();
    const got: Item[] = [];
    let arrived: () => void = () => {};
    const following = c.popMany('q', { count: Infinity, waitMs: Infinity, signal: stop.signal }, async (items) => {
      got.push(...items);
      arrived();
    });
    for (const word of ['one', 'two', 'three']) {
      const next = new Promise<void>((resolve) => (arrived = resolve));
      await pusher.push('q', word);
      await next;
    }
    stop.abort();
    expect((await following).popped).toBe(3);
    expect(got.map((i) => i.data.toString())).toEqual(['one', 'two', 'three']);
    // The stopped pop reset its connection (it was blocked in a wait): the server drops it and its waiter.
    await connectionsBecome(srv, 1);
    expect(queueStats(srv, 'q').waiters).toBe(0);
    await pusher.push('q', 'after');
    expect(queueStats(srv, 'q')).toMatchObject({ items: 1, open: 0, acked: 3 });
  });

  it('ends a bounded wait with what arrived', async () => {
    const c = clients.client([srv]);
    await c.push('q', 'only');
    const report = await c.popMany('q', { count: 5, waitMs: 50 }, async () => {});
    expect(report.popped).toBe(1);
  });
});
