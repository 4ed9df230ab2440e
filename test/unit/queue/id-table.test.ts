/**
 * The id table behind each queue's open reservations: lookups after growth, shrinking and
 * deletions in any order (a seeded random run against a Map), a steady size that reuses its slots,
 * and ids that would collide under a plain modulo (strides of the table size, ids near 2^53).
 */
import { describe, expect, it } from 'vitest';
import { IdTable } from '../../../src/queue/id-table.js';
import { Random } from '../../helpers/random.js';

/** Every id of `expected` maps to its value and the sizes agree. */
function expectSame(table: IdTable<string>, expected: Map<number, string>): void {
  expect(table.size).toBe(expected.size);
  const wrong = [...expected].filter(([id, value]) => table.get(id) !== value);
  expect(wrong).toEqual([]);
}

describe('IdTable', () => {
  it('stores, replaces and deletes; absent and impossible ids are not found', () => {
    const table = new IdTable<string>();
    table.set(7, 'a');
    table.set(8, 'b');
    table.set(7, 'c');
    expect(table.size).toBe(2);
    expect(table.get(7)).toBe('c');
    expect(table.delete(7)).toBe(true);
    expect(table.delete(7)).toBe(false);
    expect(table.get(7)).toBeUndefined();
    expect(table.get(8)).toBe('b');
    for (const id of [0, -1, 1.5, NaN, Infinity, 2 ** 53]) expect(table.get(id)).toBeUndefined();
    expect(table.size).toBe(1);
  });

  it('grows past half full and shrinks below an eighth, keeping every entry', () => {
    const table = new IdTable<string>();
    const expected = new Map<number, string>();
    const initial = table.slots;
    for (let id = 1; id <= 10_000; id++) {
      table.set(id, `v${id}`);
      expected.set(id, `v${id}`);
      if (table.size * 2 > table.slots) expect.fail(`${table.size} entries in ${table.slots} slots`);
    }
    expectSame(table, expected);
    for (let id = 1; id <= 10_000; id += 2) {
      table.delete(id);
      expected.delete(id);
    }
    expectSame(table, expected);
    for (let id = 2; id <= 10_000; id += 2) {
      table.delete(id);
      expected.delete(id);
      if (table.size * 8 < table.slots / 2 && table.slots > initial) expect.fail(`${table.size} entries in ${table.slots} slots`);
    }
    expect(table.size).toBe(0);
    expect(table.slots).toBe(initial);
  });

  it('reuses its slots when entries come and go at a steady size (no growth, no dead slots)', () => {
    const table = new IdTable<string>();
    for (let id = 1; id <= 100; id++) table.set(id, 'x');
    const slots = table.slots;
    // A sliding window of 100 open ids over a million reservations, as a busy queue has.
    for (let id = 101; id <= 1_000_000; id++) {
      table.set(id, 'x');
      table.delete(id - 100);
    }
    expect(table.slots).toBe(slots);
    expect(table.size).toBe(100);
    for (let id = 999_901; id <= 1_000_000; id++) expect(table.get(id)).toBe('x');
    expect(table.get(999_900)).toBeUndefined();
  });

  it('holds many ids spaced by the table size, and ids near 2^53', () => {
    const table = new IdTable<string>();
    const expected = new Map<number, string>();
    for (let i = 1; i <= 20_000; i++) {
      for (const id of [i * 1024, i * 65536, 2 ** 53 - i, 2 ** 32 + i]) {
        table.set(id, `v${id}`);
        expected.set(id, `v${id}`);
      }
    }
    expectSame(table, expected);
    expect(table.get(2 ** 32)).toBeUndefined();
  });

  it('agrees with a Map over random sets and deletes (seeded)', () => {
    for (const seed of [1, 2, 3]) {
      const random = new Random(seed);
      const table = new IdTable<string>();
      const expected = new Map<number, string>();
      for (let step = 0; step < 50_000; step++) {
        // Ids from a small range so that deletes hit, with growth and shrinkage phases.
        const range = step % 20_000 < 10_000 ? 4000 : 300;
        const id = random.int(1, range);
        if (random.chance(step % 20_000 < 10_000 ? 0.6 : 0.3)) {
          table.set(id, `${step}`);
          expected.set(id, `${step}`);
        } else if (table.delete(id) !== expected.delete(id)) {
          expect.fail(`delete ${id} at step ${step} (seed ${seed})`);
        }
        if (step % 5000 === 0) expectSame(table, expected);
      }
      expectSame(table, expected);
    }
  });
});
