/** When an idle `rq serve` asks V8 to give back its young generation (idle-give-back.ts). */
import { describe, expect, it } from 'vitest';
import { shouldGiveBack } from '../../../../src/cli/serve/idle-give-back.js';

const MB = 1024 * 1024;

describe('giving back the young generation', () => {
  it('asks once the server is idle and the young generation grew', () => {
    expect(shouldGiveBack(5, 10_000, 8.4 * MB)).toBe(true);
  });

  it('never under load, however large the young generation', () => {
    expect(shouldGiveBack(100, 10_000, 33 * MB)).toBe(false);
    expect(shouldGiveBack(9_000, 10_000, 33 * MB)).toBe(false);
  });

  it('not when there is nothing to give back (V8 leaves 1 MB after a low-memory collection)', () => {
    expect(shouldGiveBack(0, 10_000, 1 * MB)).toBe(false);
    expect(shouldGiveBack(0, 10_000, 4 * MB)).toBe(false);
  });
});
