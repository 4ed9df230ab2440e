import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../../src/cli/command-spec.js';
import { splitItems, type SplitMode } from '../../../../src/cli/input/split-items.js';

async function* chunks(parts: Array<Buffer | string>): AsyncGenerator<Buffer | string> {
  for (const p of parts) yield p;
}

async function split(parts: Array<Buffer | string>, mode: SplitMode, max?: number): Promise<string[]> {
  const out: string[] = [];
  for await (const items of splitItems(chunks(parts), mode, max)) for (const i of items) out.push(i.toString('latin1'));
  return out;
}

/** The input fed whole, and byte by byte: the items must not depend on how reads fall. */
async function bothWays(input: Buffer | string, mode: SplitMode): Promise<string[]> {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input, 'latin1');
  const whole = await split([buf], mode);
  const bytes = await split(
    [...buf].map((b) => Buffer.from([b])),
    mode,
  );
  expect(bytes).toEqual(whole);
  return whole;
}

describe('splitting stdin into items', () => {
  it.each([
    ['a\nb\nc\n', ['a', 'b', 'c']],
    ['a\nb\nc', ['a', 'b', 'c']],
    ['a\n\nb\n', ['a', '', 'b']],
    ['\n', ['']],
    ['', []],
    ['dos\r\nline\r\n', ['dos\r', 'line\r']],
    ['nul\0inside\n', ['nul\0inside']],
  ])('lines: %j', async (input, items) => {
    expect(await bothWays(input, 'lines')).toEqual(items);
  });

  it.each([
    ['a\0b\0', ['a', 'b']],
    ['a\0b', ['a', 'b']],
    ['with\nnewline\0\0', ['with\nnewline', '']],
    ['', []],
  ])('nul: %j', async (input, items) => {
    expect(await bothWays(input, 'nul')).toEqual(items);
  });

  it.each([
    ['a\nb\0c', ['a\nb\0c']],
    ['', ['']],
  ])('whole: %j', async (input, items) => {
    expect(await bothWays(input, 'whole')).toEqual(items);
  });

  it('keeps every byte value', async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i).filter((b) => b !== 0x0a));
    const items = await bothWays(Buffer.concat([all, Buffer.from('\n'), all]), 'lines');
    expect(items).toEqual([all.toString('latin1'), all.toString('latin1')]);
  });

  it('yields one array of items per chunk read, for batching', async () => {
    const batches: number[] = [];
    for await (const items of splitItems(chunks(['1\n2\n3', '\n4\n']), 'lines')) batches.push(items.length);
    expect(batches).toEqual([2, 2]);
  });

  it('stops an item that outgrows the limit instead of exhausting memory', async () => {
    await expect(split(['abcd', 'ef'], 'lines', 5)).rejects.toThrow(UsageError);
    await expect(split(['abcdef\n'], 'nul', 5)).rejects.toThrow('item 1 is longer than 5 bytes');
    await expect(split(['ok\nabc', 'def'], 'lines', 5)).rejects.toThrow('item 2');
    await expect(split(['abc', 'def'], 'whole', 5)).rejects.toThrow(UsageError);
    expect(await split(['abcde\n'], 'lines', 5)).toEqual(['abcde']);
  });
});
