/**
 * The queue engine with time passed in, continued: blocked readers (wake-ups, timeouts, peeks),
 * expiry, flush and dropQueue.
 */
import { describe, expect, it } from 'vitest';
import { buf, enqueuedId, engineEachTest, recorder, T0, text } from '../../helpers/engine.js';

const f = engineEachTest();
const { put, reserveText, readyTexts, statsOf } = f;

describe('waiting readers', () => {
  it('wakes the first waiter with a reserved item, exactly once', () => {
    const a = f.engine.newHolder();
    const b = f.engine.newHolder();
    const wa = recorder();
    const wb = recorder();
    f.engine.wait(a, 'q', T0, 1000, false, 0, wa.wake);
    f.engine.wait(b, 'q', T0 + 1, 1000, false, 0, wb.wake);
    expect(statsOf('q')).toMatchObject({ waiters: 2 });
    expect(f.engine.nextDeadline()).toBe(T0 + 1000);
    put('q', 'x');
    expect(wa.calls.map(text)).toEqual(['x']);
    expect(wb.calls).toEqual([]);
    expect(f.engine.heldCount(a, 'q')).toBe(1);
    expect(statsOf('q')).toMatchObject({ items: 0, open: 1, waiters: 1 });
    f.engine.tick(T0 + 1000);
    expect(wa.calls).toHaveLength(1);
    expect(wb.calls).toEqual([]);
    f.engine.tick(T0 + 1001);
    expect(wb.calls).toEqual([null]);
    f.engine.tick(T0 + 5000);
    put('q', 'y');
    expect(wa.calls).toHaveLength(1);
    expect(wb.calls).toEqual([null]);
    expect(readyTexts('q')).toEqual(['y']);
  });

  it('serves waiters in the order they came, one item each', () => {
    const wakes: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      f.engine.wait(f.engine.newHolder(), 'q', T0, 1000, false, 0, (item) => wakes.push(`${name}:${text(item)}`));
    }
    put('q', '1', '2');
    expect(wakes).toEqual(['a:1', 'b:2']);
    put('q', '3', '4');
    expect(wakes).toEqual(['a:1', 'b:2', 'c:3']);
    expect(readyTexts('q')).toEqual(['4']);
  });

  it('times out at its deadline with null and not before', () => {
    const w = recorder();
    f.engine.wait(f.engine.newHolder(), 'q', T0, 250, false, 0, w.wake);
    f.engine.tick(T0 + 249);
    expect(w.calls).toEqual([]);
    f.engine.tick(T0 + 250);
    expect(w.calls).toEqual([null]);
    expect(statsOf('q')).toBeUndefined(); // only the waiter used it: it went with the waiter
    expect(f.engine.nextDeadline()).toBe(Infinity);
  });

  it('shows a peek waiter the item and lets a reserving waiter behind it take it', () => {
    const peeker = recorder();
    const reader = recorder();
    const r = f.engine.newHolder();
    f.engine.wait(f.engine.newHolder(), 'q', T0, 1000, true, 0, peeker.wake);
    f.engine.wait(r, 'q', T0, 1000, false, 0, reader.wake);
    put('q', 'x');
    expect(peeker.calls.map(text)).toEqual(['x']);
    expect(reader.calls.map(text)).toEqual(['x']);
    expect(f.engine.heldCount(r, 'q')).toBe(1);
  });

  it('leaves the item ready for a peek waiter alone', () => {
    const peeker = recorder();
    f.engine.wait(f.engine.newHolder(), 'q', T0, 1000, true, 0, peeker.wake);
    put('q', 'x');
    expect(peeker.calls.map(text)).toEqual(['x']);
    expect(readyTexts('q')).toEqual(['x']);
  });

  it('reserves with the lease the waiter asked for', () => {
    const a = f.engine.newHolder();
    const w = recorder();
    f.engine.wait(a, 'q', T0, 1000, false, 300, w.wake);
    f.engine.enqueue('q', 0, 0, buf('x'), T0 + 100);
    expect(f.engine.nextDeadline()).toBe(T0 + 400);
    f.engine.closeHolder(a, T0 + 150);
    expect(statsOf('q', T0 + 150)).toMatchObject({ open: 1 });
    f.engine.tick(T0 + 400);
    expect(readyTexts('q')).toEqual(['x']);
  });

  it('is woken by a release, by a lease end and by another holder closing', () => {
    const a = f.engine.newHolder();
    put('q', 'x');
    reserveText(a, 'q', T0, 100);
    const w1 = recorder();
    f.engine.wait(f.engine.newHolder(), 'q', T0, 10_000, false, 0, w1.wake);
    f.engine.tick(T0 + 100);
    expect(w1.calls.map(text)).toEqual(['x']);

    const b = f.engine.newHolder();
    put('r', 'y');
    reserveText(b, 'r');
    const w2 = recorder();
    f.engine.wait(f.engine.newHolder(), 'r', T0, 10_000, false, 0, w2.wake);
    f.engine.release(b, 'r', T0 + 1);
    expect(w2.calls.map(text)).toEqual(['y']);
  });

  it('is woken once when a lease ending in the same late tick serves it before its own deadline', () => {
    // The timer fired late: the lease (T0+100) and the wait (T0+150) are both due at T0+200.
    // Serving the waiter from the returned item must take it off the due list too.
    const a = f.engine.newHolder();
    put('q', 'x');
    reserveText(a, 'q', T0, 100);
    const w = recorder();
    f.engine.wait(f.engine.newHolder(), 'q', T0, 150, false, 0, w.wake);
    f.engine.tick(T0 + 200);
    expect(w.calls.map(text)).toEqual(['x']);
  });

  it('is not called after cancelWait', () => {
    const w = recorder();
    const waiter = f.engine.wait(f.engine.newHolder(), 'q', T0, 1000, false, 0, w.wake);
    f.engine.cancelWait(waiter);
    f.engine.cancelWait(waiter);
    put('q', 'x');
    f.engine.tick(T0 + 1000);
    expect(w.calls).toEqual([]);
    expect(readyTexts('q')).toEqual(['x']);
  });

  it('skips expired items when serving a waiter', () => {
    const w = recorder();
    f.engine.enqueue('q', 0, T0 + 10, buf('old'), T0);
    f.engine.wait(f.engine.newHolder(), 'q', T0 + 20, 1000, false, 0, w.wake);
    f.engine.enqueue('q', 0, 0, buf('new'), T0 + 30);
    expect(w.calls.map(text)).toEqual(['new']);
    expect(statsOf('q', T0 + 30)).toMatchObject({ expiredItems: 1 });
  });
});

describe('expiry', () => {
  it('never stores an item that is already expired, but counts it and uses up its id', () => {
    const id = enqueuedId(f.engine.enqueue('q', 0, T0 - 1, buf('x'), T0));
    expect(f.engine.enqueue('q', 0, T0, buf('y'), T0)).toBe(id + 1);
    expect(readyTexts('q')).toEqual([]);
    expect(statsOf('q')).toMatchObject({ items: 0, totalItems: 2, expiredItems: 2 });
    expect(f.log.take()).toEqual([]);
  });

  it('drops expired items lazily when they reach the head, never delivering them', () => {
    const h = f.engine.newHolder();
    f.engine.enqueue('q', 0, T0 + 100, buf('short'), T0);
    f.engine.enqueue('q', 0, 0, buf('keep'), T0);
    f.engine.enqueue('q', 0, T0 + 100, buf('short2'), T0);
    expect(statsOf('q', T0 + 99)).toMatchObject({ items: 3, expiredItems: 0 });
    f.log.take();
    expect(reserveText(h, 'q', T0 + 100)).toBe('keep');
    expect(f.log.take()).toEqual(['expired q 1', 'reserved q 2']);
    // short2 is expired but still counted until something looks at the head
    expect(readyTexts('q')).toEqual(['short2']);
    expect(f.engine.peek('q', T0 + 100)).toBeNull();
    expect(statsOf('q', T0 + 100)).toMatchObject({ items: 0, expiredItems: 2 });
  });

  it('drops an expired head in stats so that age_ms is honest', () => {
    f.engine.enqueue('q', 0, T0 + 10, buf('a'), T0);
    f.engine.enqueue('q', 0, 0, buf('b'), T0 + 5);
    expect(statsOf('q', T0 + 8)).toMatchObject({ items: 2, ageMs: 8 });
    expect(statsOf('q', T0 + 20)).toMatchObject({ items: 1, ageMs: 15, expiredItems: 1 });
  });

  it('drops a released item that expired while it was reserved', () => {
    const h = f.engine.newHolder();
    f.engine.enqueue('q', 0, T0 + 10, buf('a'), T0);
    reserveText(h, 'q', T0);
    f.engine.release(h, 'q', T0 + 20);
    expect(reserveText(h, 'q', T0 + 20)).toBeNull();
    expect(statsOf('q', T0 + 20)).toMatchObject({ expiredItems: 1, items: 0 });
  });
});

describe('flush and dropQueue', () => {
  it('flush removes ready items and leaves open reservations open', () => {
    const h = f.engine.newHolder();
    put('q', 'a', 'b', 'c');
    reserveText(h, 'q');
    f.log.take();
    expect(f.engine.flush('q')).toBe(2);
    expect(readyTexts('q')).toEqual([]);
    expect(f.engine.ack(h, 'q')).toBe(true);
    expect(f.engine.flush('nope')).toBe(0);
    expect(f.log.take()).toEqual(['flushed q', 'acked q 1']);
    put('q', 'd');
    expect(reserveText(h, 'q')).toBe('d');
  });

  it('flushAll empties every queue, now or after a delay', () => {
    put('a', '1');
    put('b', '2');
    f.engine.flushAll(T0);
    expect(readyTexts('a').concat(readyTexts('b'))).toEqual([]);
    put('a', '3');
    f.engine.flushAll(T0, 1000);
    expect(f.engine.nextDeadline()).toBe(T0 + 1000);
    f.engine.tick(T0 + 999);
    expect(readyTexts('a')).toEqual(['3']);
    f.engine.tick(T0 + 1000);
    expect(readyTexts('a')).toEqual([]);
    expect(f.engine.nextDeadline()).toBe(Infinity);
  });

  it('a later flushAll without delay cancels a delayed one', () => {
    f.engine.flushAll(T0, 1000);
    f.engine.flushAll(T0 + 1);
    put('a', 'x');
    f.engine.tick(T0 + 2000);
    expect(readyTexts('a')).toEqual(['x']);
  });

  it('dropQueue removes items, reservations and waiters', () => {
    const a = f.engine.newHolder();
    const b = f.engine.newHolder();
    put('q', '1', '2', '3');
    reserveText(a, 'q');
    reserveText(a, 'q', T0, 100);
    const w = recorder();
    f.engine.wait(b, 'gone', T0, 1000, false, 0, w.wake);
    f.log.take();
    expect(f.engine.dropQueue('q')).toBe(true);
    expect(f.engine.dropQueue('gone')).toBe(true);
    expect(f.engine.dropQueue('q')).toBe(false);
    expect(w.calls).toEqual([null]);
    expect(f.engine.queueNames()).toEqual([]);
    expect(f.engine.heldCount(a, 'q')).toBe(0);
    expect(f.engine.ack(a, 'q')).toBe(false);
    expect(f.log.take()).toEqual(['dropped q', 'dropped gone']);
    // The leased reservation does not come back when its lease would have ended.
    f.engine.tick(T0 + 100);
    expect(f.engine.queueNames()).toEqual([]);
    expect(f.engine.nextDeadline()).toBe(Infinity);
    // Closing the holder later returns nothing to a new queue of the same name.
    put('q', 'new');
    f.engine.closeHolder(a, T0 + 200);
    expect(readyTexts('q')).toEqual(['new']);
    expect(f.engine.totals()).toMatchObject({ items: 1, open: 0 });
  });
});
