/**
 * The ready lists' block pool: blocks are distinct and reused once given back, slabs go once all
 * their blocks are back, and a block dropped without being given back comes back when collected.
 * Also that a ready list gives back every pooled block it drops.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { giveBackBlock, poolFigures, POOL_BLOCK_BYTES, takeBlock } from '../../../src/queue/block-pool.js';
import { ReadyList } from '../../../src/queue/ready-list.js';
import { eventually } from '../../helpers/eventually.js';

/** 32 MiB slabs of 64 KiB blocks. */
const PER_SLAB = 512;

describe('the block pool', () => {
  it('hands out distinct blocks, reuses those given back, and drops a slab once all are back', () => {
    const before = poolFigures();
    const blocks = Array.from({ length: PER_SLAB + 3 }, () => takeBlock());
    expect(blocks.every((b) => b.length === POOL_BLOCK_BYTES)).toBe(true);
    blocks.forEach((b, i) => b.fill(i & 0xff));
    expect(blocks.every((b, i) => b[0] === (i & 0xff) && b[POOL_BLOCK_BYTES - 1] === (i & 0xff))).toBe(true); // no overlap
    expect(poolFigures()).toEqual({ slabs: before.slabs + 2, blocksInUse: before.blocksInUse + PER_SLAB + 3 });

    const back = blocks[7];
    giveBackBlock(back);
    const again = takeBlock();
    expect(again.buffer).toBe(back.buffer);
    expect(again.byteOffset).toBe(back.byteOffset);
    blocks[7] = again;

    for (const b of blocks.slice(PER_SLAB)) giveBackBlock(b);
    expect(poolFigures()).toEqual({ slabs: before.slabs + 1, blocksInUse: before.blocksInUse + PER_SLAB });
    for (const b of blocks.slice(0, PER_SLAB)) giveBackBlock(b);
    expect(poolFigures()).toEqual(before);
  });

  it('refuses a buffer it did not hand out', () => {
    expect(() => giveBackBlock(Buffer.alloc(POOL_BLOCK_BYTES))).toThrow('not a block of the pool');
  });

  it('takes back a block that was dropped without being given back, once it is collected', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const before = poolFigures().blocksInUse;
    (() => {
      for (let i = 0; i < 3; i++) takeBlock()[0] = 1;
    })();
    expect(poolFigures().blocksInUse).toBe(before + 3);
    await eventually(
      () => {
        gc();
        return poolFigures().blocksInUse === before;
      },
      () => `blocks in use: ${poolFigures().blocksInUse}, ${before} before`,
    );
  });
});

describe('a ready list', () => {
  it('gives back the pooled blocks it drops, keeping one to reuse', () => {
    const before = poolFigures().blocksInUse;
    const list = new ReadyList();
    const data = Buffer.alloc(1000, 7);
    for (let id = 1; id <= 5000; id++) list.pushTail(id, 0, 0, id, data);
    expect(poolFigures().blocksInUse).toBeGreaterThan(before + 50); // 5 MB in 64 KiB blocks
    for (let i = 0; i < 2500; i++) list.shift();
    expect(poolFigures().blocksInUse).toBeLessThan(before + 45);
    while (list.shift() !== null);
    expect(poolFigures().blocksInUse).toBe(before + 1);
    list.clear();
    for (let id = 1; id <= 200; id++) list.pushTail(id, 0, 0, id, data);
    list.clear();
    expect(poolFigures().blocksInUse).toBe(before + 1);
  });
});
