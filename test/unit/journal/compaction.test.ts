/**
 * Compaction keeps the journal proportional to the live data under churn (a queue that never empties,
 * items held open for long, release cycles), and a crash at any moment of a compaction loses nothing.
 */
import { describe, expect, it } from 'vitest';
import { Compaction } from '../../../src/journal/compactor.js';
import { HEADER_BYTES } from '../../../src/journal/format.js';
import { MemoryStore } from '../../../src/journal/memory-store.js';
import { SEGMENT_PREFIX, segmentName, snapshotName } from '../../../src/journal/names.js';
import { contents, openEngine, settled, T0 } from '../../helpers/journaled-engine.js';

/** Tiny thresholds; a slice (12 KiB) per turn outpaces what the test writes per turn, as 1 MiB does under real load. */
const SMALL = { segmentBytes: 6144, compactMinBytes: 12288, compactSliceBytes: 12288 };

function storeBytes(store: MemoryStore): number {
  return store.list().reduce((sum, name) => sum + store.size(name), 0);
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('compaction', () => {
  it.each([
    ['snapshots taken from memory', SMALL],
    ['snapshots made by reading the journal', { ...SMALL, captureMaxItems: 0 }],
  ])(
    'keeps the directory bounded while a queue that never empties churns, with held and released items (%s)',
    async (_how, options) => {
      const store = new MemoryStore();
      const { engine, journal } = openEngine(store, options);
      const held = engine.newHolder(); // holds two items for the whole run
      const worker = engine.newHolder();
      let n = 0;
      const push = () => engine.enqueue('q', 0, 0, Buffer.from(`item-${String(n++).padStart(6, '0')}-${'x'.repeat(40)}`), T0);
      for (let i = 0; i < 50; i++) push();
      engine.reserve(held, 'q', T0);
      engine.reserve(held, 'q', T0);
      let maxBytes = 0;
      for (let round = 0; round < 400; round++) {
        for (let i = 0; i < 10; i++) {
          push();
          engine.reserve(worker, 'q', T0);
          if (i % 3 === 0) {
            engine.release(worker, 'q', T0); // a redelivery cycle
            engine.reserve(worker, 'q', T0);
          }
          engine.ack(worker, 'q');
        }
        await settled(journal);
        await turn();
        maxBytes = Math.max(maxBytes, storeBytes(store));
      }
      expect(journal.figures.compactions).toBeGreaterThan(5);
      // 50 live items of 53 bytes (~5.5 KiB of records); 6 KiB segments, compaction past 12 KiB.
      expect(contents(engine, 'q')).toHaveLength(48);
      expect(maxBytes).toBeLessThan(48 * 1024);
      const expected = contents(engine, 'q');
      const after = openEngine(store.crashed(), options);
      const restored = contents(after.engine, 'q');
      expect(restored.slice(2)).toEqual(expected);
      expect(restored).toHaveLength(expected.length + 2); // the two held items, back at the head
    },
  );

  it('a crash at any turn of a compaction restores the same state', async () => {
    const store = new MemoryStore();
    const { engine, journal } = openEngine(store, { ...SMALL, compactMinBytes: 1 << 30 });
    for (let i = 0; i < 300; i++) engine.enqueue('q', i, 0, Buffer.from(`item${i}`), T0);
    const h = engine.newHolder();
    for (let i = 0; i < 250; i++) {
      engine.reserve(h, 'q', T0);
      if (i % 5 !== 0) engine.ack(h, 'q');
    }
    await settled(journal);
    await journal.close();
    const expected = contents(openEngine(store.killed(), { compactMinBytes: 1 << 30 }).engine, 'q');
    expect(expected).toHaveLength(100);

    // Reopen with compaction on: startup finds enough dead bytes in the closed segments and compacts
    // them by reading them, a piece per turn.
    const live = store.killed();
    const reopened = openEngine(live, { ...SMALL, captureMaxItems: 0 });
    let crashes = 0;
    while (reopened.journal.figures.compactions === 0) {
      const crashed = live.crashed();
      expect(contents(openEngine(crashed, { compactMinBytes: 1 << 30 }).engine, 'q'), `crash ${crashes}`).toEqual(expected);
      crashes++;
      await turn();
      if (crashes > 1000) throw new Error('compaction did not finish');
    }
    expect(crashes).toBeGreaterThan(3);
    expect(live.list().filter((f) => f.startsWith('snapshot.'))).toHaveLength(1);
    expect(contents(openEngine(live.crashed(), SMALL).engine, 'q')).toEqual(expected);
    expect(reopened.journal.stats()).toContainEqual(['journal_compactions', 1]);
  });

  it('a snapshot taken from the engine at a segment switch is crash-safe at every turn too', async () => {
    const store = new MemoryStore();
    const { engine, journal } = openEngine(store, { ...SMALL, compactMinBytes: 1 << 30 });
    const h = engine.newHolder();
    let n = 0;
    // Write until a segment switch starts a compaction from the engine's state, then stop changing things.
    while (journal.figures.compactions === 0) {
      engine.enqueue('q', n % 7, 0, Buffer.from(`item${n++}-${'w'.repeat(30)}`), T0);
      if (n % 3 === 0) {
        engine.reserve(h, 'q', T0);
        if (n % 2 === 0) engine.ack(h, 'q');
      }
      await settled(journal);
      const expected = contents(engine, 'q');
      const open = engine
        .openItems('q')
        .map((i) => i.data.toString())
        .sort((a, b) => Number(a.slice(4, a.indexOf('-'))) - Number(b.slice(4, b.indexOf('-'))));
      for (let turns = 0; turns < 5; turns++) {
        const restored = contents(openEngine(store.crashed(), { compactMinBytes: 1 << 30 }).engine, 'q');
        expect(restored).toEqual([...open, ...expected]);
        await turn();
      }
      if (n > 2000) throw new Error('no compaction');
    }
    expect(store.list().filter((f) => f.startsWith('snapshot.'))).toHaveLength(1);
  });

  it('startup removes an unfinished snapshot and files a finished one replaced', async () => {
    const store = new MemoryStore();
    const { engine, journal } = openEngine(store, SMALL);
    for (let i = 0; i < 200; i++) engine.enqueue('q', 0, 0, Buffer.from(`item${i}-${'y'.repeat(30)}`), T0);
    await settled(journal);
    while (journal.figures.compactions === 0) await turn();
    await journal.close();
    store.put('snapshot.0000000099.tmp', Buffer.from('half a snapshot'));
    store.put('journal.0000000000', Buffer.from('an obsolete segment'));
    const after = openEngine(store, SMALL);
    expect(contents(after.engine, 'q')).toHaveLength(200);
    expect(store.list()).not.toContain('snapshot.0000000099.tmp');
    expect(store.list()).not.toContain('journal.0000000000');
  });
});

describe('a damaged snapshot', () => {
  it('gives every record but the damaged one, is kept as .damaged, and is replaced by a snapshot at once', async () => {
    const store = new MemoryStore();
    const first = openEngine(store, SMALL);
    for (let i = 0; i < 100; i++)
      first.engine.enqueue('q', 0, 0, Buffer.from(`item${String(i).padStart(3, '0')}-${'z'.repeat(40)}`), T0);
    await settled(first.journal);
    while (first.journal.figures.compactions === 0) await turn();
    await first.journal.close();
    const snap = store.list().find((f) => f.startsWith('snapshot.'))!;
    const bytes = store.read(snap, 0, store.size(snap));
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    store.put(snap, bytes);

    const { engine, journal, warnings } = openEngine(store, SMALL);
    const items = contents(engine, 'q');
    expect(warnings.join('\n')).toMatch(new RegExp(`${snap}: corrupt record at offset \\d+ .*\n.*1 record lost`));
    expect(items).toHaveLength(99);
    expect(store.read(`${snap}.damaged`, 0, bytes.length)).toEqual(bytes);
    while (journal.figures.compactions === 0) await turn();
    expect(store.list()).not.toContain(snap);
    const again = openEngine(store.crashed(), SMALL);
    expect(again.warnings).toEqual([]);
    expect(contents(again.engine, 'q')).toEqual(items);
  });
});

describe('damage found while the server runs', () => {
  it('costs nothing: the compaction that finds it gives way to a snapshot from memory, and the original is kept', async () => {
    const store = new MemoryStore();
    const options = { ...SMALL, captureMaxItems: 0 };
    const { engine, journal, warnings } = openEngine(store, options);
    const h = engine.newHolder();
    let n = 0;
    const cycle = () => {
      engine.enqueue('q', 0, 0, Buffer.from(`item${n++}-${'d'.repeat(40)}`), T0);
      // Ten items stay queued: the rest is dead, and compactions by reading follow.
      if (n > 10) {
        engine.reserve(h, 'q', T0);
        engine.ack(h, 'q');
      }
    };
    // Closed segments, not yet enough to compact; then one of them is damaged on disk.
    while (store.list().filter((f) => f.startsWith('journal.')).length < 3) {
      cycle();
      await settled(journal);
    }
    const victim = store
      .list()
      .filter((f) => f.startsWith('journal.'))
      .sort()[0];
    const bytes = store.read(victim, 0, store.size(victim));
    bytes[HEADER_BYTES + 40] ^= 0xff;
    store.put(victim, bytes);
    for (let round = 0; !warnings.some((w) => w.includes('taken from memory')) || store.list().includes(victim); round++) {
      cycle();
      await settled(journal);
      await turn();
      if (round > 5000) throw new Error(`no heal: ${warnings.join('; ')}`);
    }
    expect(warnings.join('\n')).toContain(`${victim} is damaged at offset`);
    expect(store.read(`${victim}.damaged`, 0, bytes.length)).toEqual(bytes);
    const expected = contents(engine, 'q');
    const after = openEngine(store.crashed(), options);
    expect(after.warnings).toEqual([]);
    expect(contents(after.engine, 'q')).toEqual(expected);
  });
});

describe('restarting on a snapshot alone', () => {
  it('starts a segment the snapshot does not cover, so the next restart reads it', async () => {
    const store = new MemoryStore();
    const first = openEngine(store, SMALL);
    for (let i = 0; i < 100; i++) first.engine.enqueue('q', 0, 0, Buffer.from(`item${i}-${'v'.repeat(40)}`), T0);
    await settled(first.journal);
    while (first.journal.figures.compactions === 0) await turn();
    await first.journal.close();
    // Only the snapshot is left (segments lost or removed by hand).
    for (const f of store.list()) if (f.startsWith('journal.')) store.remove(f);
    const second = openEngine(store, SMALL);
    second.engine.enqueue('q', 0, 0, Buffer.from('after'), T0);
    await settled(second.journal);
    const third = openEngine(store.crashed(), SMALL);
    const items = contents(third.engine, 'q');
    expect(items).toHaveLength(101);
    expect(items[100]).toBe('after');
  });
});

describe('a compaction due at startup', () => {
  it('writes the state startup read, byte for byte what reading the files gives, without reading them again', async () => {
    const reading = { ...SMALL, captureMaxItems: 0 };
    const store = new MemoryStore();
    const first = openEngine(store, { ...reading, compactMinBytes: 1 << 30 }); // no compaction while writing
    const h = first.engine.newHolder();
    for (let i = 0; i < 300; i++) first.engine.enqueue('q', 0, 0, Buffer.from(`item${i}-${'v'.repeat(40)}`), T0);
    // Half of them acked (enough dead bytes for a compaction at startup), some released, some left open.
    for (let i = 0; i < 280; i++) {
      const item = first.engine.reserve(h, 'q', T0);
      if (item === null || item === 'too_many_open') throw new Error('nothing to reserve');
      if (i % 4 === 0) first.engine.release(h, 'q', T0);
      else if (i % 4 !== 1) first.engine.ackById('q', item.id);
    }
    await settled(first.journal);
    await first.journal.close();
    expect(first.journal.figures.compactions).toBe(0);
    const segments = store
      .list()
      .filter((f) => f.startsWith(SEGMENT_PREFIX))
      .map((f) => Number(f.slice(SEGMENT_PREFIX.length)));
    const target = segments[segments.length - 1] + 1;

    // What a compaction reading the same files writes.
    const copy = store.crashed();
    const byReading = await new Compaction(copy, { snapshotSeq: null, segments, targetSeq: target, sliceBytes: 4096, now: T0 })
      .finished;
    expect(byReading.kind).toBe('done');

    let reads = 0;
    const openReader = store.openReader.bind(store);
    store.openReader = (name) => (reads++, openReader(name));
    const second = openEngine(store, reading);
    const restored = contents(second.engine, 'q');
    while (second.journal.figures.compactions === 0) await turn();
    expect(reads).toBe(0);
    expect(store.read(snapshotName(target), 0, store.size(snapshotName(target)))).toEqual(
      copy.read(snapshotName(target), 0, copy.size(snapshotName(target))),
    );
    expect(store.list()).not.toContain(segmentName(segments[0]));
    await second.journal.close();
    expect(contents(openEngine(store.crashed(), reading).engine, 'q')).toEqual(restored);
  });
});
