import { describe, expect, it } from 'vitest';
import { MAPPED_BYTES, mappedArray, RELEASABLE_BYTES, releasableBuffer, wholeBuffer } from '../../src/mapped-memory.js';

describe('mappedArray', () => {
  it('is a zeroed array of the length asked for, over a whole number of mappings', () => {
    for (const [type, length] of [
      [Float64Array, 1],
      [Uint32Array, 5_000_000],
      [Float64Array, MAPPED_BYTES / 8 + 1],
    ] as const) {
      const a = mappedArray<Float64Array | Uint32Array>(type, length);
      expect(a).toBeInstanceOf(type);
      expect(a.length).toBe(length);
      expect(a.buffer.byteLength % MAPPED_BYTES).toBe(0);
      expect(a.buffer.byteLength).toBeGreaterThanOrEqual(length * type.BYTES_PER_ELEMENT);
      expect(a[0]).toBe(0);
      expect(a[length - 1]).toBe(0);
    }
  });
});

describe('releasableBuffer', () => {
  it('maps large buffers on their own and leaves small ones to the C heap, of the length asked for', () => {
    const small = releasableBuffer(RELEASABLE_BYTES - 1);
    expect(small.length).toBe(RELEASABLE_BYTES - 1);
    expect(small.buffer.byteLength).toBe(RELEASABLE_BYTES - 1);
    const large = releasableBuffer(RELEASABLE_BYTES + 1);
    expect(large.length).toBe(RELEASABLE_BYTES + 1);
    expect(large.byteOffset).toBe(0);
    expect(large.buffer.byteLength).toBe(MAPPED_BYTES);
    large.fill(7);
    expect(large.every((b) => b === 7)).toBe(true);
  });
});

describe('wholeBuffer', () => {
  it('gives back all of the buffer a view was cut from, and no more of a mapping', () => {
    const large = releasableBuffer(RELEASABLE_BYTES * 3);
    expect(wholeBuffer(large.subarray(0, 10)).length).toBe(RELEASABLE_BYTES * 3);
    expect(wholeBuffer(large.subarray(0, 10)).buffer).toBe(large.buffer);
    const small = Buffer.allocUnsafeSlow(1000);
    expect(wholeBuffer(small.subarray(0, 10)).length).toBe(1000);
  });
});
