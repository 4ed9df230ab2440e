/**
 * The queue engine with time passed in: no timers, no sleeps. Each rule of docs/architecture.md's
 * vocabulary (enqueue, reserve, ack, release, lease, wait, expire, flush, drop) and the changes it
 * reports to the journal.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { QueueEngine, TOO_MANY_OPEN, type Holder } from '../../../src/queue/engine.js';
import type { Item } from '../../../src/queue/types.js';
import { buf, RecordingLog, text } from '../../helpers/engine.js';

const T0 = 1_700_000_000_000;

let log: RecordingLog;
let engine: QueueEngine;

beforeEach(() => {
  log = new RecordingLog();
  engine = new QueueEngine({ maxOpen: 3, changes: log });
});

function put(queue: string, ...data: string[]): number[] {
  return data.map((d) => engine.enqueue(queue, 0, 0, buf(d), T0));
}

function reserveText(holder: Holder, queue: string, now = T0, leaseMs = 0): string | null | typeof TOO_MANY_OPEN {
  const r = engine.reserve(holder, queue, now, leaseMs);
  return r === TOO_MANY_OPEN ? r : text(r);
}

function readyTexts(queue: string): string[] {
  return [...engine.readyItems(queue)].map((i) => text(i)!);
}

function statsOf(queue: string, now = T0) {
  return engine.stats(now).find((s) => s.name === queue);
}

/** A wait callback that records its calls. */
function recorder(): { calls: Array<Item | null>; wake: (item: Item | null) => void } {
  const calls: Array<Item | null> = [];
  return { calls, wake: (item) => calls.push(item) };
}

describe('enqueue and reserve', () => {
  it('delivers items in FIFO order with their fields', () => {
    const h = engine.openHolder();
    const a = engine.enqueue('q', 16, 0, buf('one'), T0);
    const b = engine.enqueue('q', 7, T0 + 60_000, buf('two'), T0 + 5);
    const first = engine.reserve(h, 'q', T0 + 10) as Item;
    expect(first).toEqual({ id: a, flags: 16, expiresAt: 0, enqueuedAt: T0, data: buf('one') });
    const second = engine.reserve(h, 'q', T0 + 10) as Item;
    expect(second).toEqual({ id: b, flags: 7, expiresAt: T0 + 60_000, enqueuedAt: T0 + 5, data: buf('two') });
    expect(engine.reserve(h, 'q', T0 + 10)).toBeNull();
  });

  it('copies the data it is given', () => {
    const data = buf('abc');
    engine.enqueue('q', 0, 0, data, T0);
    data.write('xyz');
    expect(reserveText(engine.openHolder(), 'q')).toBe('abc');
  });

  it('gives ids that always increase, across queues', () => {
    const ids = [...put('a', '1', '2'), ...put('b', '3'), ...put('a', '4')];
    expect(ids).toEqual([1, 2, 3, 4]);
    expect(engine.nextId).toBe(5);
  });

  it('finds nothing on an unknown queue and does not create it', () => {
    expect(engine.reserve(engine.openHolder(), 'nope', T0)).toBeNull();
    expect(engine.peek('nope', T0)).toBeNull();
    expect(engine.queueNames()).toEqual([]);
    expect(log.take()).toEqual([]);
  });

  it('reports enqueued and reserved changes in order', () => {
    const h = engine.openHolder();
    engine.enqueue('q', 3, 0, buf('x'), T0);
    engine.reserve(h, 'q', T0 + 1);
    expect(log.take()).toEqual([`enqueued q 1 3 0 ${T0} x`, 'reserved q 1']);
  });
});

describe('ack and release', () => {
  it('acknowledges the oldest item the holder has, never a ready one', () => {
    const h = engine.openHolder();
    put('q', 'a', 'b', 'c');
    reserveText(h, 'q');
    reserveText(h, 'q');
    log.take();
    expect(engine.ack(h, 'q')).toBe(true);
    expect(engine.openItems('q').map(text)).toEqual(['b']);
    expect(engine.ack(h, 'q')).toBe(true);
    expect(engine.ack(h, 'q')).toBe(false);
    expect(readyTexts('q')).toEqual(['c']);
    expect(log.take()).toEqual(['acked q 1', 'acked q 2']);
    expect(statsOf('q')).toMatchObject({ items: 1, open: 0, acked: 2 });
  });

  it('does not let another holder acknowledge by holder', () => {
    const a = engine.openHolder();
    const b = engine.openHolder();
    put('q', 'x');
    reserveText(a, 'q');
    expect(engine.ack(b, 'q')).toBe(false);
    expect(engine.ack(a, 'nope')).toBe(false);
    expect(engine.heldCount(a, 'q')).toBe(1);
  });

  it('puts a released item back at the head, ahead of newer items', () => {
    const h = engine.openHolder();
    put('q', 'a', 'b');
    reserveText(h, 'q');
    expect(engine.release(h, 'q', T0)).toBe(true);
    expect(engine.release(h, 'q', T0)).toBe(false);
    expect(readyTexts('q')).toEqual(['a', 'b']);
    expect(statsOf('q')).toMatchObject({ items: 2, open: 0, released: 1 });
    expect(reserveText(h, 'q')).toBe('a');
  });

  it('acknowledges and releases by id from any holder', () => {
    const a = engine.openHolder();
    const b = engine.openHolder();
    const [id1, id2] = put('q', 'x', 'y');
    reserveText(a, 'q');
    reserveText(a, 'q');
    expect(engine.ackById('q', id2)).toBe(true);
    expect(engine.ackById('q', id2)).toBe(false);
    expect(engine.ackById('other', id1)).toBe(false);
    expect(engine.releaseById('q', 999, T0)).toBe(false);
    expect(engine.releaseById('q', id1, T0)).toBe(true);
    expect(engine.heldCount(a, 'q')).toBe(0);
    expect(engine.ack(a, 'q')).toBe(false);
    expect(reserveText(b, 'q')).toBe('x');
    expect(engine.ackById('q', id1)).toBe(true);
    expect(engine.heldCount(b, 'q')).toBe(0);
  });

  it('cannot acknowledge a ready item by id', () => {
    const [id] = put('q', 'x');
    expect(engine.ackById('q', id)).toBe(false);
    expect(engine.releaseById('q', id, T0)).toBe(false);
    expect(readyTexts('q')).toEqual(['x']);
  });
});

describe('several reservations and --max-open', () => {
  it('refuses a reservation past maxOpen per holder and queue, and takes nothing', () => {
    const a = engine.openHolder();
    const b = engine.openHolder();
    put('q', '1', '2', '3', '4', '5');
    put('r', 'r1');
    expect([reserveText(a, 'q'), reserveText(a, 'q'), reserveText(a, 'q')]).toEqual(['1', '2', '3']);
    expect(reserveText(a, 'q')).toBe(TOO_MANY_OPEN);
    expect(readyTexts('q')).toEqual(['4', '5']);
    expect(reserveText(a, 'r')).toBe('r1');
    expect(reserveText(b, 'q')).toBe('4');
    engine.ack(a, 'q');
    expect(reserveText(a, 'q')).toBe('5');
  });
});

describe('closing a holder', () => {
  it('returns its items to the head in their original order, ahead of newer items', () => {
    const a = engine.openHolder();
    const b = engine.openHolder();
    put('q', '1', '2', '3', '4');
    reserveText(a, 'q');
    reserveText(b, 'q');
    reserveText(a, 'q');
    put('q', '5');
    log.take();
    engine.closeHolder(a, T0);
    expect(readyTexts('q')).toEqual(['1', '3', '4', '5']);
    expect(engine.openItems('q').map(text)).toEqual(['2']);
    expect(log.take()).toEqual(['released q 3', 'released q 1']);
    expect(statsOf('q')).toMatchObject({ released: 2 });
  });

  it('returns its items in their queue order even when it reserved them in another order', () => {
    const a = engine.openHolder();
    put('q', '1', '2', '3');
    reserveText(a, 'q');
    reserveText(a, 'q');
    engine.release(a, 'q', T0); // 1 goes back to the head…
    expect(reserveText(a, 'q')).toBe('1'); // …and is reserved again: a holds 2, then 1
    engine.closeHolder(a, T0);
    expect(readyTexts('q')).toEqual(['1', '2', '3']);
  });

  it('returns items of every queue it held', () => {
    const a = engine.openHolder();
    put('q', 'q1');
    put('r', 'r1');
    reserveText(a, 'q');
    reserveText(a, 'r');
    engine.closeHolder(a, T0);
    expect(readyTexts('q')).toEqual(['q1']);
    expect(readyTexts('r')).toEqual(['r1']);
  });

  it('cancels its waiter without calling it', () => {
    const a = engine.openHolder();
    const w = recorder();
    engine.wait(a, 'q', T0, 1000, false, 0, w.wake);
    engine.closeHolder(a, T0);
    put('q', 'x');
    engine.tick(T0 + 2000);
    expect(w.calls).toEqual([]);
    expect(readyTexts('q')).toEqual(['x']);
    expect(statsOf('q')).toMatchObject({ waiters: 0 });
  });

  it('hands returned items to waiting readers', () => {
    const a = engine.openHolder();
    const b = engine.openHolder();
    put('q', 'x');
    reserveText(a, 'q');
    const w = recorder();
    engine.wait(b, 'q', T0, 1000, false, 0, w.wake);
    engine.closeHolder(a, T0 + 1);
    expect(w.calls.map(text)).toEqual(['x']);
    expect(engine.heldCount(b, 'q')).toBe(1);
  });
});

describe('leases', () => {
  it('keeps a leased reservation open past its holder, then returns it to the head at the lease end', () => {
    const a = engine.openHolder();
    const [id] = put('q', 'leased', 'next');
    expect(reserveText(a, 'q', T0, 500)).toBe('leased');
    expect(engine.nextDeadline()).toBe(T0 + 500);
    engine.closeHolder(a, T0 + 10);
    expect(statsOf('q')).toMatchObject({ items: 1, open: 1 });
    engine.tick(T0 + 499);
    expect(statsOf('q')).toMatchObject({ items: 1, open: 1 });
    log.take();
    engine.tick(T0 + 500);
    expect(readyTexts('q')).toEqual(['leased', 'next']);
    expect(log.take()).toEqual([`released q ${id}`]);
    expect(engine.nextDeadline()).toBe(Infinity);
  });

  it('ends the lease of a live holder too: the holder no longer has it', () => {
    const a = engine.openHolder();
    put('q', 'x');
    reserveText(a, 'q', T0, 100);
    engine.tick(T0 + 100);
    expect(engine.heldCount(a, 'q')).toBe(0);
    expect(engine.ack(a, 'q')).toBe(false);
    expect(readyTexts('q')).toEqual(['x']);
  });

  it('is cancelled by an ack before its end', () => {
    const a = engine.openHolder();
    const [id] = put('q', 'x');
    reserveText(a, 'q', T0, 100);
    engine.closeHolder(a, T0);
    expect(engine.ackById('q', id)).toBe(true);
    expect(engine.nextDeadline()).toBe(Infinity);
    engine.tick(T0 + 100);
    expect(readyTexts('q')).toEqual([]);
    expect(statsOf('q')).toMatchObject({ open: 0, acked: 1, released: 0 });
  });

  it('returns items whose leases end in one late tick, each as its own release to the head', () => {
    const a = engine.openHolder();
    put('q', '1', '2', '3');
    reserveText(a, 'q', T0, 100);
    reserveText(a, 'q', T0, 200);
    engine.tick(T0 + 1000);
    // Item 1's lease ended first and went back first; item 2's ended later and is now ahead of it.
    expect(readyTexts('q')).toEqual(['2', '1', '3']);
  });
});

describe('waiting readers', () => {
  it('wakes the first waiter with a reserved item, exactly once', () => {
    const a = engine.openHolder();
    const b = engine.openHolder();
    const wa = recorder();
    const wb = recorder();
    engine.wait(a, 'q', T0, 1000, false, 0, wa.wake);
    engine.wait(b, 'q', T0 + 1, 1000, false, 0, wb.wake);
    expect(statsOf('q')).toMatchObject({ waiters: 2 });
    expect(engine.nextDeadline()).toBe(T0 + 1000);
    put('q', 'x');
    expect(wa.calls.map(text)).toEqual(['x']);
    expect(wb.calls).toEqual([]);
    expect(engine.heldCount(a, 'q')).toBe(1);
    expect(statsOf('q')).toMatchObject({ items: 0, open: 1, waiters: 1 });
    engine.tick(T0 + 1000);
    expect(wa.calls).toHaveLength(1);
    expect(wb.calls).toEqual([]);
    engine.tick(T0 + 1001);
    expect(wb.calls).toEqual([null]);
    engine.tick(T0 + 5000);
    put('q', 'y');
    expect(wa.calls).toHaveLength(1);
    expect(wb.calls).toEqual([null]);
    expect(readyTexts('q')).toEqual(['y']);
  });

  it('serves waiters in the order they came, one item each', () => {
    const wakes: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      engine.wait(engine.openHolder(), 'q', T0, 1000, false, 0, (item) => wakes.push(`${name}:${text(item)}`));
    }
    put('q', '1', '2');
    expect(wakes).toEqual(['a:1', 'b:2']);
    put('q', '3', '4');
    expect(wakes).toEqual(['a:1', 'b:2', 'c:3']);
    expect(readyTexts('q')).toEqual(['4']);
  });

  it('times out at its deadline with null and not before', () => {
    const w = recorder();
    engine.wait(engine.openHolder(), 'q', T0, 250, false, 0, w.wake);
    engine.tick(T0 + 249);
    expect(w.calls).toEqual([]);
    engine.tick(T0 + 250);
    expect(w.calls).toEqual([null]);
    expect(statsOf('q')).toMatchObject({ waiters: 0 });
    expect(engine.nextDeadline()).toBe(Infinity);
  });

  it('shows a peek waiter the item and lets a reserving waiter behind it take it', () => {
    const peeker = recorder();
    const reader = recorder();
    const r = engine.openHolder();
    engine.wait(engine.openHolder(), 'q', T0, 1000, true, 0, peeker.wake);
    engine.wait(r, 'q', T0, 1000, false, 0, reader.wake);
    put('q', 'x');
    expect(peeker.calls.map(text)).toEqual(['x']);
    expect(reader.calls.map(text)).toEqual(['x']);
    expect(engine.heldCount(r, 'q')).toBe(1);
  });

  it('leaves the item ready for a peek waiter alone', () => {
    const peeker = recorder();
    engine.wait(engine.openHolder(), 'q', T0, 1000, true, 0, peeker.wake);
    put('q', 'x');
    expect(peeker.calls.map(text)).toEqual(['x']);
    expect(readyTexts('q')).toEqual(['x']);
  });

  it('reserves with the lease the waiter asked for', () => {
    const a = engine.openHolder();
    const w = recorder();
    engine.wait(a, 'q', T0, 1000, false, 300, w.wake);
    engine.enqueue('q', 0, 0, buf('x'), T0 + 100);
    expect(engine.nextDeadline()).toBe(T0 + 400);
    engine.closeHolder(a, T0 + 150);
    expect(statsOf('q', T0 + 150)).toMatchObject({ open: 1 });
    engine.tick(T0 + 400);
    expect(readyTexts('q')).toEqual(['x']);
  });

  it('is woken by a release, by a lease end and by another holder closing', () => {
    const a = engine.openHolder();
    put('q', 'x');
    reserveText(a, 'q', T0, 100);
    const w1 = recorder();
    engine.wait(engine.openHolder(), 'q', T0, 10_000, false, 0, w1.wake);
    engine.tick(T0 + 100);
    expect(w1.calls.map(text)).toEqual(['x']);

    const b = engine.openHolder();
    put('r', 'y');
    reserveText(b, 'r');
    const w2 = recorder();
    engine.wait(engine.openHolder(), 'r', T0, 10_000, false, 0, w2.wake);
    engine.release(b, 'r', T0 + 1);
    expect(w2.calls.map(text)).toEqual(['y']);
  });

  it('is woken once when a lease ending in the same late tick serves it before its own deadline', () => {
    // The timer fired late: the lease (T0+100) and the wait (T0+150) are both due at T0+200.
    // Serving the waiter from the returned item must take it off the due list too.
    const a = engine.openHolder();
    put('q', 'x');
    reserveText(a, 'q', T0, 100);
    const w = recorder();
    engine.wait(engine.openHolder(), 'q', T0, 150, false, 0, w.wake);
    engine.tick(T0 + 200);
    expect(w.calls.map(text)).toEqual(['x']);
  });

  it('is not called after cancelWait', () => {
    const w = recorder();
    const waiter = engine.wait(engine.openHolder(), 'q', T0, 1000, false, 0, w.wake);
    engine.cancelWait(waiter);
    engine.cancelWait(waiter);
    put('q', 'x');
    engine.tick(T0 + 1000);
    expect(w.calls).toEqual([]);
    expect(readyTexts('q')).toEqual(['x']);
  });

  it('skips expired items when serving a waiter', () => {
    const w = recorder();
    engine.enqueue('q', 0, T0 + 10, buf('old'), T0);
    engine.wait(engine.openHolder(), 'q', T0 + 20, 1000, false, 0, w.wake);
    engine.enqueue('q', 0, 0, buf('new'), T0 + 30);
    expect(w.calls.map(text)).toEqual(['new']);
    expect(statsOf('q', T0 + 30)).toMatchObject({ expiredItems: 1 });
  });
});

describe('expiry', () => {
  it('never stores an item that is already expired, but counts it and uses up its id', () => {
    const id = engine.enqueue('q', 0, T0 - 1, buf('x'), T0);
    expect(engine.enqueue('q', 0, T0, buf('y'), T0)).toBe(id + 1);
    expect(readyTexts('q')).toEqual([]);
    expect(statsOf('q')).toMatchObject({ items: 0, totalItems: 2, expiredItems: 2 });
    expect(log.take()).toEqual([]);
  });

  it('drops expired items lazily when they reach the head, never delivering them', () => {
    const h = engine.openHolder();
    engine.enqueue('q', 0, T0 + 100, buf('short'), T0);
    engine.enqueue('q', 0, 0, buf('keep'), T0);
    engine.enqueue('q', 0, T0 + 100, buf('short2'), T0);
    expect(statsOf('q', T0 + 99)).toMatchObject({ items: 3, expiredItems: 0 });
    log.take();
    expect(reserveText(h, 'q', T0 + 100)).toBe('keep');
    expect(log.take()).toEqual(['expired q 1', 'reserved q 2']);
    // short2 is expired but still counted until something looks at the head
    expect(readyTexts('q')).toEqual(['short2']);
    expect(engine.peek('q', T0 + 100)).toBeNull();
    expect(statsOf('q', T0 + 100)).toMatchObject({ items: 0, expiredItems: 2 });
  });

  it('drops an expired head in stats so that age_ms is honest', () => {
    engine.enqueue('q', 0, T0 + 10, buf('a'), T0);
    engine.enqueue('q', 0, 0, buf('b'), T0 + 5);
    expect(statsOf('q', T0 + 8)).toMatchObject({ items: 2, ageMs: 8 });
    expect(statsOf('q', T0 + 20)).toMatchObject({ items: 1, ageMs: 15, expiredItems: 1 });
  });

  it('drops a released item that expired while it was reserved', () => {
    const h = engine.openHolder();
    engine.enqueue('q', 0, T0 + 10, buf('a'), T0);
    reserveText(h, 'q', T0);
    engine.release(h, 'q', T0 + 20);
    expect(reserveText(h, 'q', T0 + 20)).toBeNull();
    expect(statsOf('q', T0 + 20)).toMatchObject({ expiredItems: 1, items: 0 });
  });
});

describe('flush and dropQueue', () => {
  it('flush removes ready items and leaves open reservations open', () => {
    const h = engine.openHolder();
    put('q', 'a', 'b', 'c');
    reserveText(h, 'q');
    log.take();
    expect(engine.flush('q')).toBe(2);
    expect(readyTexts('q')).toEqual([]);
    expect(engine.ack(h, 'q')).toBe(true);
    expect(engine.flush('nope')).toBe(0);
    expect(log.take()).toEqual(['flushed q', 'acked q 1']);
    put('q', 'd');
    expect(reserveText(h, 'q')).toBe('d');
  });

  it('flushAll empties every queue, now or after a delay', () => {
    put('a', '1');
    put('b', '2');
    engine.flushAll(T0);
    expect(readyTexts('a').concat(readyTexts('b'))).toEqual([]);
    put('a', '3');
    engine.flushAll(T0, 1000);
    expect(engine.nextDeadline()).toBe(T0 + 1000);
    engine.tick(T0 + 999);
    expect(readyTexts('a')).toEqual(['3']);
    engine.tick(T0 + 1000);
    expect(readyTexts('a')).toEqual([]);
    expect(engine.nextDeadline()).toBe(Infinity);
  });

  it('a later flushAll without delay cancels a delayed one', () => {
    engine.flushAll(T0, 1000);
    engine.flushAll(T0 + 1);
    put('a', 'x');
    engine.tick(T0 + 2000);
    expect(readyTexts('a')).toEqual(['x']);
  });

  it('dropQueue removes items, reservations and waiters', () => {
    const a = engine.openHolder();
    const b = engine.openHolder();
    put('q', '1', '2', '3');
    reserveText(a, 'q');
    reserveText(a, 'q', T0, 100);
    const w = recorder();
    engine.wait(b, 'gone', T0, 1000, false, 0, w.wake);
    log.take();
    expect(engine.dropQueue('q')).toBe(true);
    expect(engine.dropQueue('gone')).toBe(true);
    expect(engine.dropQueue('q')).toBe(false);
    expect(w.calls).toEqual([null]);
    expect(engine.queueNames()).toEqual([]);
    expect(engine.heldCount(a, 'q')).toBe(0);
    expect(engine.ack(a, 'q')).toBe(false);
    expect(log.take()).toEqual(['dropped q', 'dropped gone']);
    // The leased reservation does not come back when its lease would have ended.
    engine.tick(T0 + 100);
    expect(engine.queueNames()).toEqual([]);
    expect(engine.nextDeadline()).toBe(Infinity);
    // Closing the holder later returns nothing to a new queue of the same name.
    put('q', 'new');
    engine.closeHolder(a, T0 + 200);
    expect(readyTexts('q')).toEqual(['new']);
    expect(engine.totals()).toMatchObject({ items: 1, open: 0 });
  });
});

describe('restoring', () => {
  it('restores items without reporting changes and keeps ids growing past them', () => {
    engine.restore('q', { id: 100, flags: 2, expiresAt: 0, enqueuedAt: T0 - 50, data: buf('old') });
    expect(log.take()).toEqual([]);
    expect(engine.nextId).toBe(101);
    expect(put('q', 'new')).toEqual([101]);
    engine.advanceNextId(500);
    expect(put('q', 'newer')).toEqual([500]);
    engine.advanceNextId(10);
    expect(engine.nextId).toBe(501);
    expect(readyTexts('q')).toEqual(['old', 'new', 'newer']);
    expect(statsOf('q')).toMatchObject({ ageMs: 50 });
  });
});

describe('stats and totals', () => {
  it('reports every per-queue figure', () => {
    const a = engine.openHolder();
    engine.enqueue('q', 0, 0, buf('12345'), T0);
    engine.enqueue('q', 0, 0, buf('123'), T0 + 10);
    engine.enqueue('q', 0, 0, buf('1'), T0 + 20);
    engine.enqueue('q', 0, T0, buf('expired'), T0 + 20);
    reserveText(a, 'q');
    reserveText(a, 'q');
    engine.ack(a, 'q');
    engine.release(a, 'q', T0 + 30);
    engine.wait(engine.openHolder(), 'other', T0, 1000, false, 0, () => {});
    expect(engine.stats(T0 + 40)).toEqual([
      { name: 'q', items: 2, open: 0, bytes: 4, totalItems: 4, expiredItems: 1, acked: 1, released: 1, waiters: 0, ageMs: 30 },
      { name: 'other', items: 0, open: 0, bytes: 0, totalItems: 0, expiredItems: 0, acked: 0, released: 0, waiters: 1, ageMs: 0 },
    ]);
    reserveText(a, 'q');
    expect(engine.totals()).toEqual({ items: 2, bytes: 4, open: 1, totalItems: 4 });
  });
});
