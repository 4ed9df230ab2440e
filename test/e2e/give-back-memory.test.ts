/**
 * giveBackMemory (src/give-back-memory.ts), in a process of its own as the server runs it:
 * an idle process that drops a large state gets its memory back, and can still exit.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runChild } from '../helpers/child.js';
import { RQ_BIN } from '../helpers/rq-process.js';

const MODULE = pathToFileURL(path.resolve(RQ_BIN, '../../dist/give-back-memory.js')).href;

/** Holds 64 MB of item-sized buffers' worth in 1 MiB buffers, drops them, then prints ArrayBuffer bytes before and after. */
const PROGRAM = `
const { giveBackMemory } = await import(${JSON.stringify(MODULE)});
let state = [];
for (let i = 0; i < 64; i++) state.push(Buffer.alloc(1024 * 1024, 1));
await new Promise((resolve) => setImmediate(resolve));
state = null;
const before = process.memoryUsage().arrayBuffers;
giveBackMemory(() => console.log(JSON.stringify({ before, after: process.memoryUsage().arrayBuffers })));
`;

describe('giveBackMemory', () => {
  it('frees what an idle process dropped, and lets the process exit', async () => {
    const run = await runChild(process.execPath, ['--input-type=module', '-e', PROGRAM], { deadlineMs: 20_000 });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const { before, after } = JSON.parse(run.stdout) as { before: number; after: number };
    // Nothing allocates after the drop, so without the collection the 64 MiB would still be counted.
    expect(before).toBeGreaterThanOrEqual(64 * 1024 * 1024);
    expect(after).toBeLessThan(8 * 1024 * 1024);
  });
});
