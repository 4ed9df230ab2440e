/** ReplyBuffer hands out batches as views: a batch taken is never written over by the ones after it. */
import { describe, expect, it } from 'vitest';
import { ReplyBuffer } from '../../../src/server/reply-buffer.js';

describe('ReplyBuffer', () => {
  it('keeps every batch taken intact while later ones are built, across new slabs', () => {
    const r = new ReplyBuffer();
    const taken: Array<{ batch: Buffer; expected: string }> = [];
    // Batches of growing sizes, some larger than a slab, so that slabs fill and are replaced.
    for (let i = 0; i < 400; i++) {
      const line = `VALUE q ${i} ${'x'.repeat((i * 37) % 300)}\r\n`;
      const big = i % 50 === 0 ? Buffer.alloc(40_000 + i, i % 251) : Buffer.alloc(0);
      r.text(line);
      r.int(i);
      r.bytes(big);
      taken.push({ batch: r.take(), expected: line + String(i) + big.toString('latin1') });
      expect(r.length).toBe(0);
    }
    for (const { batch, expected } of taken) expect(batch.toString('latin1')).toBe(expected);
  });

  it('counts only the batch being built', () => {
    const r = new ReplyBuffer();
    r.text('STORED\r\n');
    r.take();
    r.text('END\r\n');
    expect(r.length).toBe(5);
    expect(r.take().toString()).toBe('END\r\n');
  });
});
