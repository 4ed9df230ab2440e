/**
 * The packed ready list: FIFO order across 64 KiB block boundaries, items put back at the head,
 * iteration equal to shift order, byte accounting. A seeded random run compares it with an array.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { poolFigures } from '../../../src/queue/block-pool.js';
import { ReadyList } from '../../../src/queue/ready-list.js';
import type { Item } from '../../../src/queue/types.js';
import { Random } from '../../helpers/random.js';

const BLOCK = 64 * 1024;
const HEADER = 32;

/** Data whose bytes depend on the id and the position, so a mix-up between items shows. */
function dataFor(id: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) b[i] = (id * 31 + i) & 0xff;
  return b;
}

function item(id: number, length: number, expiresAt = 0, deliveries = 0): Item {
  return { id, flags: id % 7, expiresAt, enqueuedAt: 1000 + id, data: dataFor(id, length), deliveries };
}

/**
 * An item as compared in assertions: its fields and a digest of its data (deep equality over
 * megabytes of Buffer is slow), and whether its data is exactly what dataFor made for it.
 */
function summary(it: Item | null): object | null {
  if (it === null) return null;
  return {
    id: it.id,
    flags: it.flags,
    expiresAt: it.expiresAt,
    enqueuedAt: it.enqueuedAt,
    deliveries: it.deliveries,
    length: it.data.length,
    digest: createHash('sha1').update(it.data).digest('hex'),
  };
}

const summaries = (items: Iterable<Item>) => [...items].map(summary);

function pushTail(list: ReadyList, it: Item): void {
  list.pushTail(it.id, it.flags, it.expiresAt, it.enqueuedAt, it.data, it.deliveries);
}

function drain(list: ReadyList): Item[] {
  const out: Item[] = [];
  for (let it = list.shift(); it !== null; it = list.shift()) out.push(it);
  return out;
}

describe('ReadyList', () => {
  it('is empty at first', () => {
    const list = new ReadyList();
    expect(list.count).toBe(0);
    expect(list.bytes).toBe(0);
    expect(list.shift()).toBeNull();
    expect(list.peek()).toBeNull();
    expect(list.headMeta()).toBeNull();
    expect([...list.items()]).toEqual([]);
  });

  it('keeps FIFO order and every field across block boundaries, for items of many sizes', () => {
    const sizes = [
      0,
      1,
      64,
      1000,
      BLOCK - HEADER,
      BLOCK - HEADER - 1,
      BLOCK - HEADER + 1,
      BLOCK,
      70_000,
      200_000,
      0,
      5,
      BLOCK * 3,
    ];
    const list = new ReadyList();
    const items = sizes.map((n, i) => item(i + 1, n, i % 3 === 0 ? 0 : 5000 + i, i % 4 === 0 ? 0 : i * 1000));
    for (const it of items) pushTail(list, it);
    expect(list.count).toBe(items.length);
    expect(list.bytes).toBe(sizes.reduce((a, b) => a + b, 0));
    expect(summaries(list.items())).toEqual(summaries(items));
    expect(summaries(drain(list))).toEqual(summaries(items));
    expect(list.count).toBe(0);
    expect(list.bytes).toBe(0);
  });

  it('fills a block exactly and goes on in the next one', () => {
    // Two records of half a block each fill the first block to its last byte.
    const half = BLOCK / 2 - HEADER;
    const list = new ReadyList();
    const items = [item(1, half), item(2, half), item(3, 10), item(4, half), item(5, half)];
    for (const it of items) pushTail(list, it);
    expect(summary(list.shift())).toEqual(summary(items[0]));
    expect(list.headMeta()).toEqual({ id: 2, enqueuedAt: 1002, expiresAt: 0, deliveries: 0 });
    expect(summary(list.shift())).toEqual(summary(items[1]));
    // blocks[0] is now fully read; the head is the first record of the next block
    expect(summary(list.peek())).toEqual(summary(items[2]));
    expect(summaries(list.items())).toEqual(summaries(items.slice(2)));
    expect(summaries(drain(list))).toEqual(summaries(items.slice(2)));
  });

  it('copies data in: changing the caller buffer after pushTail changes nothing', () => {
    const list = new ReadyList();
    const data = Buffer.from('original');
    list.pushTail(1, 0, 0, 0, data);
    data.write('XXXXXXXX');
    expect(list.peek()!.data.toString()).toBe('original');
    const peeked = list.peek()!;
    peeked.data.write('YYYYYYYY');
    expect(list.shift()!.data.toString()).toBe('original');
  });

  it('puts items back at the head, the last put back first, ahead of packed items', () => {
    const list = new ReadyList();
    for (let id = 1; id <= 3; id++) pushTail(list, item(id, 10));
    const first = list.shift()!;
    const second = list.shift()!;
    list.pushHead(second);
    list.pushHead(first);
    expect(list.count).toBe(3);
    expect(list.bytes).toBe(30);
    expect(list.headMeta()).toEqual(first);
    expect([...list.items()].map((i) => i.id)).toEqual([1, 2, 3]);
    expect(drain(list).map((i) => i.id)).toEqual([1, 2, 3]);
  });

  it('interleaves pushHead, pushTail and shift', () => {
    const list = new ReadyList();
    pushTail(list, item(1, 100));
    list.pushHead(item(0, 5));
    pushTail(list, item(2, 70_000));
    expect(list.shift()!.id).toBe(0);
    list.pushHead(item(-1, 0));
    pushTail(list, item(3, 1));
    expect([...list.items()].map((i) => i.id)).toEqual([-1, 1, 2, 3]);
    expect(drain(list).map((i) => i.id)).toEqual([-1, 1, 2, 3]);
  });

  it('clears everything and works again afterwards', () => {
    const list = new ReadyList();
    for (let id = 1; id <= 5000; id++) pushTail(list, item(id, 40));
    list.pushHead(item(0, 3));
    list.clear();
    expect(list.count).toBe(0);
    expect(list.bytes).toBe(0);
    expect(list.shift()).toBeNull();
    pushTail(list, item(9, 9));
    expect(drain(list)).toEqual([item(9, 9)]);
  });

  it('keeps order when a queue empties and refills again and again (block reuse)', () => {
    const list = new ReadyList();
    let next = 1;
    for (let round = 0; round < 50; round++) {
      const ids: number[] = [];
      for (let i = 0; i < 100 + round * 37; i++) {
        const it = item(next++, (round * 13 + i) % 900);
        pushTail(list, it);
        ids.push(it.id);
      }
      const got = drain(list);
      expect(got.map((i) => i.id)).toEqual(ids);
      for (const it of got) expect(it.data.equals(dataFor(it.id, it.data.length))).toBe(true);
    }
  });

  it('matches an array model over many random operations (seeded)', () => {
    for (const seed of [11, 12, 13]) {
      const random = new Random(seed);
      const list = new ReadyList();
      const model: Item[] = [];
      let nextId = 1;
      for (let step = 0; step < 4000; step++) {
        const op = random.int(0, 99);
        if (op < 45) {
          const size = random.chance(0.02)
            ? random.int(BLOCK - 64, 3 * BLOCK)
            : random.chance(0.3)
              ? random.int(1000, 20_000)
              : random.int(0, 100);
          const it = item(nextId++, size, random.chance(0.2) ? random.int(1, 1e12) : 0);
          pushTail(list, it);
          model.push(it);
        } else if (op < 85) {
          expect(summary(list.shift()), `seed ${seed} step ${step}`).toEqual(summary(model.shift() ?? null));
        } else if (op < 93) {
          // put back an item as the engine does after a release
          const it = item(-step, random.int(0, 200));
          list.pushHead(it);
          model.unshift(it);
        } else if (op < 96) {
          expect(summary(list.peek())).toEqual(summary(model[0] ?? null));
          const head = model[0];
          expect(list.headMeta()).toEqual(
            head === undefined
              ? null
              : expect.objectContaining({ id: head.id, enqueuedAt: head.enqueuedAt, expiresAt: head.expiresAt }),
          );
        } else if (op < 99) {
          expect(summaries(list.items()), `seed ${seed} step ${step}`).toEqual(summaries(model));
        } else {
          list.clear();
          model.length = 0;
        }
        expect(list.count).toBe(model.length);
        expect(list.bytes).toBe(model.reduce((n, i) => n + i.data.length, 0));
      }
      expect(summaries(list.items())).toEqual(summaries(model));
      expect(summaries(drain(list))).toEqual(summaries(model));
    }
  });
});

describe('ReadyList records', () => {
  it('cost 12 bytes of header for an item without flags, expiry or deliveries', () => {
    const list = new ReadyList();
    const before = poolFigures().blocksInUse;
    for (let id = 1; id <= 100_000; id++) list.pushTail(id, 0, 0, id, Buffer.from('abcd'));
    // 16 bytes a record: 1.6 MB in 64 KiB blocks is 25 of them (20 bytes would take 31)
    expect(poolFigures().blocksInUse - before).toBeLessThanOrEqual(25);
    const it = list.shift()!;
    expect([it.id, it.flags, it.expiresAt, it.deliveries, it.data.toString()]).toEqual([1, 0, 0, 0, 'abcd']);
  });

  it('keep each optional field alone and in every combination', () => {
    const list = new ReadyList();
    const items: Item[] = [];
    for (let mask = 0; mask < 8; mask++) {
      const id = mask + 1;
      items.push({
        id,
        flags: mask & 1 ? 0xffffffff : 0,
        expiresAt: mask & 2 ? 1.5e12 + id : 0,
        enqueuedAt: 1000 + id,
        data: dataFor(id, 3 + mask),
        deliveries: mask & 4 ? 0xfffffffe : 0,
      });
    }
    for (const it of items) pushTail(list, it);
    expect(summaries(list.items())).toEqual(summaries(items));
    for (const it of items) {
      expect(list.headMeta()).toEqual({
        id: it.id,
        enqueuedAt: it.enqueuedAt,
        expiresAt: it.expiresAt,
        deliveries: it.deliveries,
      });
      expect(summary(list.shift())).toEqual(summary(it));
    }
  });

  it('keep an item of 256 MiB or more, whose length needs a word of its own, between short ones', () => {
    const list = new ReadyList();
    const big = Buffer.alloc(0x10000000 + 3, 0x5a);
    big[big.length - 1] = 1;
    pushTail(list, item(1, 10));
    list.pushTail(2, 9, 0, 1002, big);
    pushTail(list, item(3, 10));
    expect(list.bytes).toBe(20 + big.length);
    expect(list.shift()!.id).toBe(1);
    const got = list.shift()!;
    expect([got.id, got.flags, got.data.length, got.data[0], got.data[got.data.length - 1]]).toEqual([2, 9, big.length, 0x5a, 1]);
    expect(summary(list.shift())).toEqual(summary(item(3, 10)));
  });
});
