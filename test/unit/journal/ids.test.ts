/**
 * Item ids never repeat (docs/journal-format.md: Ids): the bound on ids issued is recorded before the
 * ids are, in segment headers, snapshots and the manifest, so that it survives whatever took the
 * records of the ids themselves: a compaction of a state with no items left, the loss of every
 * segment and snapshot, or a torn tail.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../src/journal/memory-store.js';
import { openEngine, settled, T0, type Journaled } from '../../helpers/journaled-engine.js';

const journalFiles = (store: MemoryStore) =>
  store
    .list()
    .filter((f) => /^(journal|snapshot)\.\d{10}$/.test(f))
    .sort();

/** Small segments: the ids spread over several files. */
const OPTIONS = { segmentBytes: 400 };

/** Enqueues and acknowledges `n` items, one write each; returns the highest id issued. */
async function churn(j: Journaled, n: number): Promise<number> {
  const h = j.engine.newHolder();
  let maxId = 0;
  for (let i = 0; i < n; i++) {
    maxId = j.engine.enqueue('q', 0, 0, Buffer.from(`item-${i}`), T0) as number;
    j.engine.reserve(h, 'q', T0);
    j.engine.ack(h, 'q');
    await settled(j.journal);
  }
  return maxId;
}

const nextIssued = (j: Journaled) => j.engine.enqueue('q', 0, 0, Buffer.from('new'), T0) as number;

describe('item ids never repeat', () => {
  it('after compactions of a state whose every item was acknowledged', async () => {
    let store = new MemoryStore();
    let maxId = 0;
    for (let restart = 0; restart < 3; restart++) {
      const j = openEngine(store, OPTIONS);
      maxId = Math.max(maxId, await churn(j, 20));
      while (j.journal.figures.compactions === 0) await new Promise((r) => setImmediate(r));
      await j.journal.close();
      store = store.killed();
    }
    expect(journalFiles(store).some((f) => f.startsWith('snapshot.'))).toBe(true);
    expect(nextIssued(openEngine(store, OPTIONS))).toBeGreaterThan(maxId);
  });

  it('after every segment and snapshot is gone (the manifest keeps the bound)', async () => {
    const store = new MemoryStore();
    const maxId = await churn(openEngine(store, OPTIONS), 30);
    const left = store.killed();
    expect(journalFiles(left).length).toBeGreaterThan(2);
    for (const f of journalFiles(left)) left.remove(f);
    const j = openEngine(left, OPTIONS);
    expect(j.warnings.join('\n')).toMatch(/missing/);
    expect(nextIssued(j)).toBeGreaterThan(maxId);
  });

  it('after a torn tail took the newest records, and the manifest with them', async () => {
    const store = new MemoryStore();
    const j = openEngine(store, OPTIONS);
    await churn(j, 30);
    const h = j.engine.newHolder();
    const last = j.engine.enqueue('q', 0, 0, Buffer.from('the last one'), T0) as number;
    j.engine.reserve(h, 'q', T0);
    await settled(j.journal);
    const torn = store.crashed();
    // A crash cut the newest segment in the middle of its last records (the enqueue of `last`).
    const newest = journalFiles(torn)
      .filter((f) => f.startsWith('journal.'))
      .pop()!;
    torn.put(newest, torn.read(newest, 0, torn.size(newest) - 40));
    torn.remove('MANIFEST');
    const after = openEngine(torn, OPTIONS);
    expect(after.warnings.join('\n')).toMatch(/torn/);
    expect(nextIssued(after)).toBeGreaterThan(last);
  });
});
