/**
 * Missing files: a segment gone from either end or the middle, or the snapshot, is found at startup
 * (a warning naming what is missing) and ids never go back; files the journal removed on purpose (a
 * restart's empty segment, what a snapshot replaced) are never reported.
 */
import { describe, expect, it } from 'vitest';
import { HEADER_BYTES } from '../../../src/journal/format.js';
import { MemoryStore } from '../../../src/journal/memory-store.js';
import { readJournal } from '../../../src/journal/reader.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { drain, openEngine, settled, T0 } from '../../helpers/journaled-engine.js';

/** Small segments; snapshots only by reading (a state "too large" to capture). */
const OPTIONS = { segmentBytes: 600, compactMinBytes: 1 << 30, captureMaxItems: 0 };

const segments = (store: MemoryStore) =>
  store
    .list()
    .filter((f) => f.startsWith('journal.'))
    .sort();

/** A journal of several segments (no snapshot) as a kill -9 leaves it, and the highest id it issued. */
async function written(options = OPTIONS): Promise<{ store: MemoryStore; maxId: number }> {
  const store = new MemoryStore();
  const { engine, journal } = openEngine(store, options);
  let maxId = 0;
  for (let i = 0; i < 60; i++) {
    maxId = engine.enqueue('q', 0, 0, Buffer.from(`item-${String(i).padStart(3, '0')}-${'x'.repeat(20)}`), T0) as number;
    await settled(journal);
  }
  return { store: store.killed(), maxId };
}

describe('missing segments', () => {
  it('the journal under test has several segments and restarts quietly', async () => {
    const { store } = await written();
    expect(segments(store).length).toBeGreaterThan(4);
    expect(openEngine(store.killed(), OPTIONS).warnings).toEqual([]);
  });

  for (const which of ['first', 'middle', 'newest'] as const) {
    it(`are found when the ${which} one is gone, and ids do not go back`, async () => {
      const { store, maxId } = await written();
      const names = segments(store).filter((f) => store.size(f) > HEADER_BYTES); // segments with records
      const gone = which === 'first' ? names[0] : which === 'newest' ? names[names.length - 1] : names[2];
      store.remove(gone);
      expect(readJournal(store).warnings.join('\n')).toMatch(/missing/);
      const { engine, warnings } = openEngine(store, OPTIONS);
      expect(warnings.join('\n')).toMatch(/missing/);
      expect(engine.enqueue('q', 0, 0, Buffer.from('new'), T0)).toBeGreaterThan(maxId);
    });
  }

  it('are found when the snapshot is gone after it replaced the first segments', async () => {
    const { store } = await written();
    const clock = new ManualClock(T0);
    const first = openEngine(store, { ...OPTIONS, compactMinBytes: 1500, clock });
    // Acks make most of the journal dead; a second later the trigger switches segments and reads.
    expect(drain(first.engine, 'q')).toHaveLength(60);
    await settled(first.journal);
    await clock.advance(1000);
    while (first.journal.figures.compactions === 0) await new Promise((r) => setImmediate(r));
    await first.journal.close();
    const snapshot = store.list().find((f) => f.startsWith('snapshot.'))!;
    expect(segments(store)[0] > 'journal.0000000001').toBe(true);
    store.remove(snapshot);
    expect(openEngine(store.killed(), OPTIONS).warnings.join('\n')).toMatch(/missing/);
  });

  it('a restart without changes on a state too large to snapshot from memory leaves no false gap', async () => {
    let { store } = await written();
    for (let restart = 0; restart < 4; restart++) {
      const { journal, warnings } = openEngine(store, OPTIONS);
      expect(warnings, `restart ${restart}`).toEqual([]);
      await journal.close();
      store = store.killed();
    }
    expect(readJournal(store).warnings).toEqual([]);
  });
});
