/**
 * Work that fails (issue 12), rule by rule: delivery counts, delayed items, the dead-letter queue,
 * lease renewal and fanout queues. The model test (engine-model.test.ts) checks them together.
 */
import { describe, expect, it } from 'vitest';
import { QueueEngine, type Holder } from '../../../src/queue/engine.js';
import { UNLIMITED } from '../../../src/queue/limits.js';
import type { Item } from '../../../src/queue/types.js';
import { buf, RecordingLog, T0, text } from '../../helpers/engine.js';
import { MAX_QUEUE_NAME_BYTES } from '../../../src/queue-name.js';

function newEngine(maxDeliveries = Infinity, told: string[] = []): { engine: QueueEngine; log: RecordingLog } {
  const log = new RecordingLog();
  const engine = new QueueEngine({ ...UNLIMITED, maxDeliveries }, log);
  engine.cannotDeadLetter = (q) => told.push(q);
  return { engine, log };
}

const reserve = (e: QueueEngine, h: Holder, q: string, now = T0, leaseMs = 0) => e.reserve(h, q, now, leaseMs) as Item | null;

describe('delivery counts', () => {
  it('counts each reservation, keeps the count through a release, and peek shows it unchanged', () => {
    const { engine } = newEngine();
    engine.enqueue('q', 0, 0, buf('x'), T0);
    const h = engine.newHolder();
    expect(engine.peek('q', T0)!.deliveries).toBe(0);
    expect(reserve(engine, h, 'q')!.deliveries).toBe(1);
    engine.release(h, 'q', T0);
    expect(engine.peek('q', T0)!.deliveries).toBe(1);
    expect(engine.stats(T0)[0].headDeliveries).toBe(1);
    expect(reserve(engine, h, 'q')!.deliveries).toBe(2);
  });
});

describe('delayed items', () => {
  it('are invisible until due, then join the tail in due order', () => {
    const { engine, log } = newEngine();
    engine.enqueue('q', 0, 0, buf('late'), T0, 500);
    engine.enqueue('q', 0, 0, buf('soon'), T0, 100);
    engine.enqueue('q', 0, 0, buf('now'), T0);
    expect(engine.peek('q', T0)?.data.toString()).toBe('now');
    expect(engine.stats(T0)[0]).toMatchObject({ items: 1, delayed: 2, bytes: 11 });
    expect(engine.nextDeadline()).toBe(T0 + 100);
    engine.tick(T0 + 600);
    expect([...engine.readyItems('q')].map((i) => text(i))).toEqual(['now', 'soon', 'late']);
    expect(log.take().filter((l) => l.startsWith('d'))).toEqual([
      'delayed q 1 ' + (T0 + 500),
      'delayed q 2 ' + (T0 + 100),
      'due q 2',
      'due q 1',
    ]);
  });

  it('a release with a delay comes back at the tail with its count, and wakes a waiter when due', () => {
    const { engine } = newEngine();
    engine.enqueue('q', 0, 0, buf('a'), T0);
    engine.enqueue('q', 0, 0, buf('b'), T0);
    const h = engine.newHolder();
    reserve(engine, h, 'q');
    expect(engine.release(h, 'q', T0, 1000)).toBe(true);
    expect(text(reserve(engine, h, 'q'))).toBe('b');
    engine.ack(h, 'q');
    const woken: Array<Item | null> = [];
    engine.wait(engine.newHolder(), 'q', T0, 5000, false, 0, (i) => woken.push(i));
    engine.tick(T0 + 1000);
    expect(woken.map((i) => i && `${text(i)}:${i.deliveries}`)).toEqual(['a:2']);
  });

  it('cost one heap entry each, not a timer; a flush removes them', () => {
    const { engine } = newEngine();
    for (let i = 0; i < 1000; i++) engine.enqueue('q', 0, 0, buf('x'), T0, 60_000 + i);
    expect(engine.deadlineEntries).toBe(1000);
    expect(engine.flush('q')).toBe(1000);
    expect(engine.stats(T0)[0]).toMatchObject({ delayed: 0, bytes: 0 });
    expect(engine.nextDeadline()).toBe(Infinity);
  });
});

describe('the dead-letter queue', () => {
  it('takes an item given back after its last delivery, with data, flags and count', () => {
    const { engine, log } = newEngine(2);
    engine.enqueue('jobs', 7, 0, buf('poison'), T0);
    const h = engine.newHolder();
    reserve(engine, h, 'jobs');
    engine.release(h, 'jobs', T0);
    reserve(engine, h, 'jobs');
    engine.closeHolder(h, T0);
    expect(engine.peek('jobs', T0)).toBeNull();
    const dead = engine.peek('jobs.dead', T0)!;
    expect({ data: text(dead), flags: dead.flags, deliveries: dead.deliveries }).toEqual({
      data: 'poison',
      flags: 7,
      deliveries: 2,
    });
    expect(engine.stats(T0).find((s) => s.name === 'jobs')!.dead).toBe(1);
    expect(log.take()).toContain('dead jobs 1');
  });

  it('never dead-letters a dead queue, and an item at the head past the limit moves when reached', () => {
    const { engine } = newEngine(1);
    engine.enqueue('q.dead', 0, 0, buf('x'), T0);
    const h = engine.newHolder();
    for (let i = 0; i < 3; i++) {
      expect(reserve(engine, h, 'q.dead')).not.toBeNull();
      engine.release(h, 'q.dead', T0);
    }
    expect(engine.queueNames()).toEqual(['q.dead']);
  });

  it('leaves an item whose dead queue name would be too long, and says so once per queue', () => {
    const told: string[] = [];
    const { engine } = newEngine(1, told);
    const name = 'n'.repeat(MAX_QUEUE_NAME_BYTES - 2);
    engine.enqueue(name, 0, 0, buf('x'), T0);
    const h = engine.newHolder();
    reserve(engine, h, name);
    engine.release(h, name, T0);
    expect(reserve(engine, h, name)!.deliveries).toBe(2);
    engine.release(h, name, T0);
    expect(told).toEqual([name]);
    expect(engine.queueNames()).toEqual([name]);
  });
});

describe('touch', () => {
  it('renews a lease by id so the item outlives its first lease; false for an item not held', () => {
    const { engine } = newEngine();
    engine.enqueue('q', 0, 0, buf('x'), T0);
    const h = engine.newHolder();
    const item = reserve(engine, h, 'q', T0, 1000)!;
    expect(engine.touch(engine.newHolder(), 'q', item.id, T0 + 900, 5000)).toBe(true);
    engine.tick(T0 + 1000);
    expect(engine.openItems('q').map((i) => i.id)).toEqual([item.id]);
    engine.tick(T0 + 5900);
    expect(engine.openItems('q')).toEqual([]);
    expect(engine.touch(h, 'q', item.id, T0 + 6000, 1000)).toBe(false);
    expect(engine.touch(h, 'nope', -1, T0, 1000)).toBe(false);
  });

  it('without an id renews every item the holder has on the queue; 0 ties them to the connection', () => {
    const { engine } = newEngine();
    engine.enqueue('q', 0, 0, buf('a'), T0);
    engine.enqueue('q', 0, 0, buf('b'), T0);
    const h = engine.newHolder();
    reserve(engine, h, 'q', T0, 100);
    reserve(engine, h, 'q', T0, 100);
    expect(engine.touch(h, 'q', -1, T0, 0)).toBe(true);
    engine.tick(T0 + 10_000);
    expect(engine.heldCount(h, 'q')).toBe(2);
    engine.closeHolder(h, T0 + 10_000);
    expect([...engine.readyItems('q')].map((i) => text(i))).toEqual(['a', 'b']);
  });
});

describe('fanout queues', () => {
  it('receive a copy of every item set on the base from their first use, and stop when dropped', () => {
    const { engine, log } = newEngine();
    engine.enqueue('orders', 0, 0, buf('before'), T0);
    expect(engine.peek('orders+billing', T0)).toBeNull();
    expect(engine.isFanout('orders+billing')).toBe(true);
    engine.enqueue('orders', 3, 0, buf('after'), T0);
    expect([...engine.readyItems('orders+billing')].map((i) => `${text(i)}/${i.flags}`)).toEqual(['after/3']);
    expect([...engine.readyItems('orders')].map((i) => text(i))).toEqual(['before', 'after']);
    expect(log.take()).toContain('fanout orders+billing');
    engine.dropQueue('orders+billing');
    engine.enqueue('orders', 0, 0, buf('later'), T0);
    expect(engine.queueNames()).toEqual(['orders']);
  });
});
