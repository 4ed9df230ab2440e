/**
 * What the journal tells the metrics: the files it keeps and their bytes, as the store has them,
 * and the duration of every fsync that replies wait for.
 */
import { expect, it } from 'vitest';
import { MemoryStore } from '../../../src/journal/memory-store.js';
import { openEngine, settled, T0 } from '../../helpers/journaled-engine.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

function storeFiles(store: MemoryStore): { files: number; bytes: number } {
  const names = store.list();
  return { files: names.length, bytes: names.reduce((sum, name) => sum + store.size(name), 0) };
}

it('counts the files it keeps and their bytes as the store has them, across rotations and a compaction', async () => {
  const store = new MemoryStore();
  const { engine, journal } = openEngine(store, { segmentBytes: 4096, compactMinBytes: 8192, compactSliceBytes: 8192 });
  expect(journal.diskUsage()).toEqual(storeFiles(store));
  const worker = engine.newHolder();
  for (let round = 0; journal.figures.compactions === 0; round++) {
    expect(round).toBeLessThan(2000);
    engine.enqueue('q', 0, 0, Buffer.alloc(100, 'x'), T0);
    if (round % 2 === 0) engine.reserve(worker, 'q', T0);
    if (round % 10 === 0) await settled(journal);
    await turn();
  }
  await settled(journal);
  expect(journal.diskUsage().files).toBeGreaterThan(1);
  expect(journal.diskUsage()).toEqual(storeFiles(store));
  expect(journal.stats()).toContainEqual(['journal_bytes', journal.diskUsage().bytes]);
  expect(journal.figures.compactionMs).toBeGreaterThan(0);
  await journal.close();
});

it('tells onFsync how long each fsync took, once per fsync that replies waited for', async () => {
  const store = new MemoryStore();
  const durations: number[] = [];
  const { engine, journal } = openEngine(store, { onFsync: (seconds) => durations.push(seconds) });
  const before = journal.figures.fsyncs;
  for (let i = 0; i < 3; i++) {
    engine.enqueue('q', 0, 0, Buffer.from(`item ${i}`), T0);
    await settled(journal);
  }
  expect(durations).toHaveLength(journal.figures.fsyncs - before);
  expect(durations.length).toBeGreaterThanOrEqual(3);
  for (const seconds of durations) expect(seconds).toBeGreaterThanOrEqual(0);
  await journal.close();
});
