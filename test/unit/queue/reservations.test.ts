/**
 * Where open reservations are kept: a queue's (by id, in reservation order) and a holder's (per
 * queue, oldest first, queues in the order first held), through adds, removals from the middle,
 * renewals in place and a holder moving between queues.
 */
import { describe, expect, it } from 'vitest';
import { Holder, Queue } from '../../../src/queue/queue.js';
import { Reservation } from '../../../src/queue/reservations.js';
import type { Item } from '../../../src/queue/types.js';

function item(id: number): Item {
  return { id, flags: 0, expiresAt: 0, enqueuedAt: 0, data: Buffer.from(`d${id}`), deliveries: 0 };
}

const ids = (list: Reservation[]) => list.map((r) => r.item.id);

describe('OpenReservations', () => {
  it('finds reservations by id and lists them in reservation order through removals and renewals', () => {
    const q = new Queue('q');
    const rs = [5, 3, 9, 1].map((id) => new Reservation(item(id), q, null, Infinity));
    for (const r of rs) q.open.add(r);
    expect(ids(q.open.all())).toEqual([5, 3, 9, 1]);
    q.open.remove(rs[1]);
    expect(ids(q.open.all())).toEqual([5, 9, 1]);
    expect(q.open.get(3)).toBeUndefined();
    const renewed = new Reservation(rs[0].item, q, null, 1000);
    q.open.replace(rs[0], renewed);
    expect(q.open.get(5)).toBe(renewed);
    expect(q.open.all()).toEqual([renewed, rs[2], rs[3]]);
    q.open.remove(rs[3]);
    q.open.remove(renewed);
    expect(q.open.all()).toEqual([rs[2]]);
    expect(q.open.size).toBe(1);
    q.open.add(rs[1]);
    expect(ids(q.open.all())).toEqual([9, 3]);
  });
});

describe('HeldReservations', () => {
  it('keeps a list per queue, oldest first, and visits queues in the order first held', () => {
    const [a, b, c] = [new Queue('a'), new Queue('b'), new Queue('c')];
    const holder = new Holder(1);
    const reserve = (q: Queue, id: number) => {
      const r = new Reservation(item(id), q, holder, Infinity);
      holder.held.add(r);
      return r;
    };
    const a1 = reserve(a, 1);
    reserve(b, 2);
    const a3 = reserve(a, 3);
    expect(holder.held.count(a)).toBe(2);
    expect(holder.held.oldest(a)).toBe(a1);
    expect(ids(holder.held.on(b))).toEqual([2]);
    // a empties and is held again: it now comes after b, as it was first held again after b.
    holder.held.remove(a1);
    holder.held.remove(a3);
    expect(holder.held.count(a)).toBe(0);
    expect(holder.held.oldest(a)).toBeNull();
    reserve(c, 4);
    reserve(a, 5);
    expect(holder.held.byQueue().map(([q, rs]) => `${q.name}:${ids(rs).join(',')}`)).toEqual(['b:2', 'c:4', 'a:5']);
    holder.held.forget(c);
    expect(holder.held.count(c)).toBe(0);
    holder.held.clear();
    expect(holder.held.byQueue()).toEqual([]);
  });

  it('renews in place and removes from the middle of a list', () => {
    const q = new Queue('q');
    const holder = new Holder(1);
    const rs = [1, 2, 3].map((id) => new Reservation(item(id), q, holder, Infinity));
    for (const r of rs) holder.held.add(r);
    const renewed = new Reservation(rs[1].item, q, holder, 500);
    holder.held.replace(rs[1], renewed);
    expect(holder.held.on(q)).toEqual([rs[0], renewed, rs[2]]);
    holder.held.remove(renewed);
    expect(ids(holder.held.on(q))).toEqual([1, 3]);
    holder.held.remove(rs[0]);
    expect(holder.held.oldest(q)).toBe(rs[2]);
  });

  it('serves a holder that reserves and acknowledges on one queue, then on another, a hundred thousand times', () => {
    const [a, b] = [new Queue('a'), new Queue('b')];
    const holder = new Holder(1);
    for (let id = 1; id <= 100_000; id++) {
      const r = new Reservation(item(id), id % 2 === 0 ? a : b, holder, Infinity);
      holder.held.add(r);
      if (holder.held.count(r.queue) !== 1 || holder.held.oldest(r.queue) !== r) expect.fail(`id ${id}`);
      holder.held.remove(r);
    }
    expect(holder.held.byQueue()).toEqual([]);
  });
});
