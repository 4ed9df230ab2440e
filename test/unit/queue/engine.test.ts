/**
 * The queue engine with time passed in: no timers, no sleeps. Items, reservations, acknowledging,
 * releasing, --max-open, closing holders, leases, restoring and stats, with the changes each rule
 * reports to the journal. Waits, expiry, flush and drop: engine-waits.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { TOO_MANY_OPEN } from '../../../src/queue/engine.js';
import type { Item } from '../../../src/queue/types.js';
import { buf, engineEachTest, recorder, T0, text } from '../../helpers/engine.js';

const f = engineEachTest();
const { put, reserveText, readyTexts, statsOf } = f;

describe('enqueue and reserve', () => {
  it('delivers items in FIFO order with their fields', () => {
    const h = f.engine.newHolder();
    const a = f.engine.enqueue('q', 16, 0, buf('one'), T0);
    const b = f.engine.enqueue('q', 7, T0 + 60_000, buf('two'), T0 + 5);
    const first = f.engine.reserve(h, 'q', T0 + 10) as Item;
    expect(first).toEqual({ id: a, flags: 16, expiresAt: 0, enqueuedAt: T0, data: buf('one'), deliveries: 1 });
    const second = f.engine.reserve(h, 'q', T0 + 10) as Item;
    expect(second).toEqual({ id: b, flags: 7, expiresAt: T0 + 60_000, enqueuedAt: T0 + 5, data: buf('two'), deliveries: 1 });
    expect(f.engine.reserve(h, 'q', T0 + 10)).toBeNull();
  });

  it('copies the data it is given', () => {
    const data = buf('abc');
    f.engine.enqueue('q', 0, 0, data, T0);
    data.write('xyz');
    expect(reserveText(f.engine.newHolder(), 'q')).toBe('abc');
  });

  it('gives ids that always increase, across queues', () => {
    const ids = [...put('a', '1', '2'), ...put('b', '3'), ...put('a', '4')];
    expect(ids).toEqual([1, 2, 3, 4]);
    expect(f.engine.nextId).toBe(5);
  });

  it('records a bound past every id before issuing it, a block ahead, also for an item expired on arrival', () => {
    const first = f.engine.enqueue('q', 0, T0 - 1, buf('expired on arrival'), T0) as number;
    expect(f.log.bounds).toHaveLength(1);
    expect(f.log.bounds[0]).toBeGreaterThan(first + 2 ** 19);
    const data = buf('x');
    while (f.log.bounds.length < 2) f.engine.enqueue('q', 0, T0 - 1, data, T0);
    // Raised while half a block was left below the first bound; at least a block ahead.
    expect(f.engine.nextId).toBeLessThanOrEqual(f.log.bounds[0] - 2 ** 19 + 1);
    expect(f.log.bounds[1] - f.engine.nextId).toBeGreaterThanOrEqual(2 ** 20);
    expect(f.engine.idCeiling).toBe(f.log.bounds[1]);
  });

  it('finds nothing on an unknown queue and does not create it', () => {
    expect(f.engine.reserve(f.engine.newHolder(), 'nope', T0)).toBeNull();
    expect(f.engine.peek('nope', T0)).toBeNull();
    expect(f.engine.queueNames()).toEqual([]);
    expect(f.log.take()).toEqual([]);
  });

  it('counts every delivery: a reservation, one handed to a waiter, one of an item put back', () => {
    const h = f.engine.newHolder();
    put('q', 'a');
    reserveText(h, 'q');
    f.engine.release(h, 'q', T0);
    reserveText(h, 'q');
    f.engine.peek('q', T0);
    f.engine.wait(f.engine.newHolder(), 'q', T0, 1000, false, 0, () => {});
    put('q', 'b');
    expect(statsOf('q')).toMatchObject({ items: 0, open: 2, delivered: 3 });
  });

  it('reports enqueued and reserved changes in order', () => {
    const h = f.engine.newHolder();
    f.engine.enqueue('q', 3, 0, buf('x'), T0);
    f.engine.reserve(h, 'q', T0 + 1);
    expect(f.log.take()).toEqual([`enqueued q 1 3 0 ${T0} x`, 'reserved q 1']);
  });
});

describe('ack and release', () => {
  it('acknowledges the oldest item the holder has, never a ready one', () => {
    const h = f.engine.newHolder();
    put('q', 'a', 'b', 'c');
    reserveText(h, 'q');
    reserveText(h, 'q');
    f.log.take();
    expect(f.engine.ack(h, 'q')).toBe(true);
    expect(f.engine.openItems('q').map(text)).toEqual(['b']);
    expect(f.engine.ack(h, 'q')).toBe(true);
    expect(f.engine.ack(h, 'q')).toBe(false);
    expect(readyTexts('q')).toEqual(['c']);
    expect(f.log.take()).toEqual(['acked q 1', 'acked q 2']);
    expect(statsOf('q')).toMatchObject({ items: 1, open: 0, acked: 2 });
  });

  it('does not let another holder acknowledge by holder', () => {
    const a = f.engine.newHolder();
    const b = f.engine.newHolder();
    put('q', 'x');
    reserveText(a, 'q');
    expect(f.engine.ack(b, 'q')).toBe(false);
    expect(f.engine.ack(a, 'nope')).toBe(false);
    expect(f.engine.heldCount(a, 'q')).toBe(1);
  });

  it('puts a released item back at the head, ahead of newer items', () => {
    const h = f.engine.newHolder();
    put('q', 'a', 'b');
    reserveText(h, 'q');
    expect(f.engine.release(h, 'q', T0)).toBe(true);
    expect(f.engine.release(h, 'q', T0)).toBe(false);
    expect(readyTexts('q')).toEqual(['a', 'b']);
    expect(statsOf('q')).toMatchObject({ items: 2, open: 0, released: 1 });
    expect(reserveText(h, 'q')).toBe('a');
  });

  it('acknowledges and releases by id from any holder', () => {
    const a = f.engine.newHolder();
    const b = f.engine.newHolder();
    const [id1, id2] = put('q', 'x', 'y');
    reserveText(a, 'q');
    reserveText(a, 'q');
    expect(f.engine.ackById('q', id2)).toBe(true);
    expect(f.engine.ackById('q', id2)).toBe(false);
    expect(f.engine.ackById('other', id1)).toBe(false);
    expect(f.engine.releaseById('q', 999, T0)).toBe(false);
    expect(f.engine.releaseById('q', id1, T0)).toBe(true);
    expect(f.engine.heldCount(a, 'q')).toBe(0);
    expect(f.engine.ack(a, 'q')).toBe(false);
    expect(reserveText(b, 'q')).toBe('x');
    expect(f.engine.ackById('q', id1)).toBe(true);
    expect(f.engine.heldCount(b, 'q')).toBe(0);
  });

  it('cannot acknowledge a ready item by id', () => {
    const [id] = put('q', 'x');
    expect(f.engine.ackById('q', id)).toBe(false);
    expect(f.engine.releaseById('q', id, T0)).toBe(false);
    expect(readyTexts('q')).toEqual(['x']);
  });
});

describe('several reservations and --max-open', () => {
  it('refuses a reservation past maxOpen per holder and queue, and takes nothing', () => {
    const a = f.engine.newHolder();
    const b = f.engine.newHolder();
    put('q', '1', '2', '3', '4', '5');
    put('r', 'r1');
    expect([reserveText(a, 'q'), reserveText(a, 'q'), reserveText(a, 'q')]).toEqual(['1', '2', '3']);
    expect(reserveText(a, 'q')).toBe(TOO_MANY_OPEN);
    expect(readyTexts('q')).toEqual(['4', '5']);
    expect(reserveText(a, 'r')).toBe('r1');
    expect(reserveText(b, 'q')).toBe('4');
    f.engine.ack(a, 'q');
    expect(reserveText(a, 'q')).toBe('5');
  });
});

describe('closing a holder', () => {
  it('returns its items to the head in their original order, ahead of newer items', () => {
    const a = f.engine.newHolder();
    const b = f.engine.newHolder();
    put('q', '1', '2', '3', '4');
    reserveText(a, 'q');
    reserveText(b, 'q');
    reserveText(a, 'q');
    put('q', '5');
    f.log.take();
    f.engine.closeHolder(a, T0);
    expect(readyTexts('q')).toEqual(['1', '3', '4', '5']);
    expect(f.engine.openItems('q').map(text)).toEqual(['2']);
    expect(f.log.take()).toEqual(['released q 3', 'released q 1']);
    expect(statsOf('q')).toMatchObject({ released: 2 });
  });

  it('returns its items in their queue order even when it reserved them in another order', () => {
    const a = f.engine.newHolder();
    put('q', '1', '2', '3');
    reserveText(a, 'q');
    reserveText(a, 'q');
    f.engine.release(a, 'q', T0); // 1 goes back to the head…
    expect(reserveText(a, 'q')).toBe('1'); // …and is reserved again: a holds 2, then 1
    f.engine.closeHolder(a, T0);
    expect(readyTexts('q')).toEqual(['1', '2', '3']);
  });

  it('returns items of every queue it held', () => {
    const a = f.engine.newHolder();
    put('q', 'q1');
    put('r', 'r1');
    reserveText(a, 'q');
    reserveText(a, 'r');
    f.engine.closeHolder(a, T0);
    expect(readyTexts('q')).toEqual(['q1']);
    expect(readyTexts('r')).toEqual(['r1']);
  });

  it('cancels its waiter without calling it', () => {
    const a = f.engine.newHolder();
    const w = recorder();
    f.engine.wait(a, 'q', T0, 1000, false, 0, w.wake);
    f.engine.closeHolder(a, T0);
    put('q', 'x');
    f.engine.tick(T0 + 2000);
    expect(w.calls).toEqual([]);
    expect(readyTexts('q')).toEqual(['x']);
    expect(statsOf('q')).toMatchObject({ waiters: 0 });
  });

  it('hands returned items to waiting readers', () => {
    const a = f.engine.newHolder();
    const b = f.engine.newHolder();
    put('q', 'x');
    reserveText(a, 'q');
    const w = recorder();
    f.engine.wait(b, 'q', T0, 1000, false, 0, w.wake);
    f.engine.closeHolder(a, T0 + 1);
    expect(w.calls.map(text)).toEqual(['x']);
    expect(f.engine.heldCount(b, 'q')).toBe(1);
  });
});

describe('leases', () => {
  it('keeps a leased reservation open past its holder, then returns it to the head at the lease end', () => {
    const a = f.engine.newHolder();
    const [id] = put('q', 'leased', 'next');
    expect(reserveText(a, 'q', T0, 500)).toBe('leased');
    expect(f.engine.nextDeadline()).toBe(T0 + 500);
    f.engine.closeHolder(a, T0 + 10);
    expect(statsOf('q')).toMatchObject({ items: 1, open: 1 });
    f.engine.tick(T0 + 499);
    expect(statsOf('q')).toMatchObject({ items: 1, open: 1 });
    f.log.take();
    f.engine.tick(T0 + 500);
    expect(readyTexts('q')).toEqual(['leased', 'next']);
    expect(f.log.take()).toEqual([`released q ${id}`]);
    expect(f.engine.nextDeadline()).toBe(Infinity);
  });

  it('ends the lease of a live holder too: the holder no longer has it', () => {
    const a = f.engine.newHolder();
    put('q', 'x');
    reserveText(a, 'q', T0, 100);
    f.engine.tick(T0 + 100);
    expect(f.engine.heldCount(a, 'q')).toBe(0);
    expect(f.engine.ack(a, 'q')).toBe(false);
    expect(readyTexts('q')).toEqual(['x']);
  });

  it('is cancelled by an ack before its end', () => {
    const a = f.engine.newHolder();
    const [id] = put('q', 'x');
    reserveText(a, 'q', T0, 100);
    f.engine.closeHolder(a, T0);
    expect(f.engine.ackById('q', id)).toBe(true);
    expect(f.engine.nextDeadline()).toBe(Infinity);
    f.engine.tick(T0 + 100);
    expect(readyTexts('q')).toEqual([]);
    expect(statsOf('q')).toMatchObject({ open: 0, acked: 1, released: 0 });
  });

  it('returns items whose leases end in one late tick, each as its own release to the head', () => {
    const a = f.engine.newHolder();
    put('q', '1', '2', '3');
    reserveText(a, 'q', T0, 100);
    reserveText(a, 'q', T0, 200);
    f.engine.tick(T0 + 1000);
    // Item 1's lease ended first and went back first; item 2's ended later and is now ahead of it.
    expect(readyTexts('q')).toEqual(['2', '1', '3']);
  });
});

describe('restoring', () => {
  it('restores items without reporting changes and keeps ids growing past them', () => {
    f.engine.restore('q', { id: 100, flags: 2, expiresAt: 0, enqueuedAt: T0 - 50, data: buf('old'), deliveries: 0 });
    expect(f.log.take()).toEqual([]);
    expect(f.engine.nextId).toBe(101);
    expect(put('q', 'new')).toEqual([101]);
    f.engine.advanceNextId(500);
    expect(put('q', 'newer')).toEqual([500]);
    f.engine.advanceNextId(10);
    expect(f.engine.nextId).toBe(501);
    expect(readyTexts('q')).toEqual(['old', 'new', 'newer']);
    expect(statsOf('q')).toMatchObject({ ageMs: 50 });
  });
});

describe('stats and totals', () => {
  it('reports every per-queue figure', () => {
    const a = f.engine.newHolder();
    f.engine.enqueue('q', 0, 0, buf('12345'), T0);
    f.engine.enqueue('q', 0, 0, buf('123'), T0 + 10);
    f.engine.enqueue('q', 0, 0, buf('1'), T0 + 20);
    f.engine.enqueue('q', 0, T0, buf('expired'), T0 + 20);
    reserveText(a, 'q');
    reserveText(a, 'q');
    f.engine.ack(a, 'q');
    f.engine.release(a, 'q', T0 + 30);
    f.engine.wait(f.engine.newHolder(), 'other', T0, 1000, false, 0, () => {});
    expect(f.engine.stats(T0 + 40)).toEqual([
      {
        name: 'q',
        items: 2,
        open: 0,
        bytes: 4,
        totalItems: 4,
        delivered: 2,
        expiredItems: 1,
        acked: 1,
        released: 1,
        discarded: 0,
        rejected: 0,
        waiters: 0,
        ageMs: 30,
        delayed: 0,
        dead: 0,
        headDeliveries: 1,
      },
      {
        name: 'other',
        items: 0,
        open: 0,
        bytes: 0,
        totalItems: 0,
        delivered: 0,
        expiredItems: 0,
        acked: 0,
        released: 0,
        discarded: 0,
        rejected: 0,
        waiters: 1,
        ageMs: 0,
        delayed: 0,
        dead: 0,
        headDeliveries: 0,
      },
    ]);
    reserveText(a, 'q');
    expect(f.engine.totals()).toEqual({ items: 2, bytes: 4, open: 1, totalItems: 4 });
  });
});
