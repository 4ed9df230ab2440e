/** The table of reused key strings (src/protocol/key-strings.ts): its bound, and that it never hands out a wrong key. */
import { describe, expect, it } from 'vitest';
import { KEY_STRING_SLOTS, KeyStrings, MAX_KEPT_KEY_BYTES } from '../../../src/protocol/key-strings.js';

/** `key` placed in the middle of a larger buffer, as a parser sees it: [buffer, start, end]. */
function inLine(key: Buffer | string): [Buffer, number, number] {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'latin1') : key;
  const buf = Buffer.concat([Buffer.from('get '), bytes, Buffer.from('\r\n')]);
  return [buf, 4, 4 + bytes.length];
}

describe('KeyStrings', () => {
  it('gives the latin1 string of the bytes, every byte value included', () => {
    const table = new KeyStrings();
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    for (let i = 0; i < 256; i += 32) {
      const bytes = all.subarray(i, i + 32);
      expect(table.get(...inLine(bytes))).toBe(bytes.toString('latin1'));
      expect(table.get(...inLine(bytes))).toBe(bytes.toString('latin1'));
    }
  });

  it('never confuses keys that share a slot, a length or a prefix', () => {
    // Two slots: nearly every key collides with another.
    const table = new KeyStrings(2);
    const keys = ['q', 'q1', 'q2', 'q10', 'q/open', 'q/close/open', 'r', 'qq', 'q\u00ff', 'q\u00fe', 'jobs', 'jobz'];
    for (let round = 0; round < 3; round++) {
      for (const key of keys) expect(table.get(...inLine(key))).toBe(key);
      for (const key of [...keys].reverse()) expect(table.get(...inLine(key))).toBe(key);
    }
    expect(table.kept).toBeLessThanOrEqual(2);
  });

  it('keeps at most one string per slot, however many distinct keys arrive', () => {
    const table = new KeyStrings();
    for (let i = 0; i < 20 * KEY_STRING_SLOTS; i++) {
      const key = `queue-${i}`;
      expect(table.get(...inLine(key))).toBe(key);
    }
    expect(table.kept).toBeLessThanOrEqual(KEY_STRING_SLOTS);
    expect(table.kept).toBeGreaterThan(KEY_STRING_SLOTS / 2);
  });

  it('does not keep keys longer than MAX_KEPT_KEY_BYTES', () => {
    const table = new KeyStrings();
    const long = 'x'.repeat(MAX_KEPT_KEY_BYTES + 1);
    expect(table.get(...inLine(long))).toBe(long);
    expect(table.kept).toBe(0);
    const longest = 'y'.repeat(MAX_KEPT_KEY_BYTES);
    expect(table.get(...inLine(longest))).toBe(longest);
    expect(table.kept).toBe(1);
  });

  it('gives the empty string for no bytes', () => {
    expect(new KeyStrings().get(Buffer.from('get '), 4, 4)).toBe('');
  });

  it('takes only a power of two as its slot count', () => {
    expect(() => new KeyStrings(1000)).toThrow(RangeError);
    expect(() => new KeyStrings(0)).toThrow(RangeError);
  });
});
