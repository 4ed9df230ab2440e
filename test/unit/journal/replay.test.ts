/** Replay: what a restart restores, against the memory store (process and machine crashes simulated). */
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../src/journal/memory-store.js';
import { contents, openEngine, settled, T0 } from '../../helpers/journaled-engine.js';
import { enqueuedId } from '../../helpers/engine.js';
import { ManualClock } from '../../helpers/manual-clock.js';

const b = (s: string) => Buffer.from(s);

describe('replay', () => {
  it('restores unacknowledged items in order; acknowledged ones stay gone', async () => {
    const store = new MemoryStore();
    const { engine, journal } = openEngine(store);
    for (const s of ['a', 'b', 'c', 'd']) engine.enqueue('q', 0, 0, b(s), T0);
    engine.enqueue('other', 3, 0, b('x'), T0);
    const h = engine.newHolder();
    engine.reserve(h, 'q', T0);
    expect(engine.ack(h, 'q')).toBe(true);
    await settled(journal);
    const after = openEngine(store.crashed());
    expect(contents(after.engine, 'q')).toEqual(['b', 'c', 'd']);
    expect([...after.engine.readyItems('other')][0]).toMatchObject({ flags: 3, data: b('x') });
  });

  it('puts items that were reserved back at the head, in their queue (id) order, ahead of released ones', async () => {
    const store = new MemoryStore();
    const { engine, journal } = openEngine(store);
    for (const s of ['a', 'b', 'c', 'd', 'e']) engine.enqueue('q', 0, 0, b(s), T0);
    const h1 = engine.newHolder();
    const h2 = engine.newHolder();
    engine.reserve(h1, 'q', T0); // a
    engine.reserve(h2, 'q', T0); // b
    engine.reserve(h1, 'q', T0); // c
    engine.release(h2, 'q', T0); // b back at the head: b d e
    engine.release(h1, 'q', T0); // a back at the head: a b d e
    engine.reserve(h1, 'q', T0); // a again: h1 holds c, a (in that order)
    await settled(journal);
    expect(contents(engine, 'q')).toEqual(['b', 'd', 'e']);
    const after = openEngine(store.crashed());
    expect(contents(after.engine, 'q')).toEqual(['a', 'c', 'b', 'd', 'e']);
    // The same order as when the connection closes without a crash.
    engine.closeHolder(h1, T0);
    expect(contents(engine, 'q')).toEqual(['a', 'c', 'b', 'd', 'e']);
  });

  it('drops items that expired while the server was down', async () => {
    const store = new MemoryStore();
    const { engine, journal } = openEngine(store);
    engine.enqueue('q', 0, T0 + 1000, b('short'), T0);
    engine.enqueue('q', 0, 0, b('forever'), T0);
    engine.enqueue('q', 0, T0 + 60_000, b('long'), T0);
    await settled(journal);
    const after = openEngine(store.crashed(), {}, T0 + 5000);
    expect(contents(after.engine, 'q')).toEqual(['forever', 'long']);
  });

  it('keeps ids increasing across restarts, even when every item was acknowledged and compacted away', async () => {
    let store = new MemoryStore();
    let { engine, journal } = openEngine(store);
    const h = engine.newHolder();
    let last = 0;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 5; i++) last = enqueuedId(engine.enqueue('q', 0, 0, b('x'), T0));
      for (let i = 0; i < 5; i++) {
        engine.reserve(h, 'q', T0);
        engine.ack(h, 'q');
      }
      await settled(journal);
      store = store.crashed();
      ({ engine, journal } = openEngine(store));
      expect(engine.nextId).toBeGreaterThan(last);
    }
  });

  it('never issues an id again after a restart, even one a set of an already expired item took', async () => {
    const store = new MemoryStore();
    const { engine, journal } = openEngine(store);
    engine.enqueue('q', 0, 0, b('kept'), T0);
    const expiredId = engine.enqueue('q', 0, T0 - 1, b('expired on arrival'), T0);
    await settled(journal);
    const after = openEngine(store.crashed());
    expect(after.engine.enqueue('q', 0, 0, b('next'), T0)).toBeGreaterThan(expiredId as number);
  });

  it('keeps a delayed flush_all across a restart before it fires, and fires it after', async () => {
    const store = new MemoryStore();
    const { engine, journal } = openEngine(store);
    engine.enqueue('q', 0, 0, b('before'), T0);
    engine.flushAll(T0, 10_000);
    await settled(journal);
    const restarted = store.crashed();
    const first = openEngine(restarted, {}, T0 + 4000);
    while (first.journal.figures.compactions === 0) await new Promise((resolve) => setImmediate(resolve));
    // The first restart replaced the files that held it with a snapshot: it is in the snapshot.
    const early = openEngine(restarted.crashed(), {}, T0 + 5000);
    expect(contents(early.engine, 'q')).toEqual(['before']);
    expect(early.engine.nextDeadline()).toBe(T0 + 10_000);
    early.engine.tick(T0 + 10_000);
    expect(contents(early.engine, 'q')).toEqual([]);
    await settled(early.journal);
    expect(contents(openEngine(store.crashed(), {}, T0 + 11_000).engine, 'q')).toEqual([]);
  });

  it('fires a delayed flush_all at startup when it fell due while the server was down', async () => {
    const store = new MemoryStore();
    const { engine, journal } = openEngine(store);
    engine.enqueue('q', 0, 0, b('before'), T0);
    engine.flushAll(T0, 10_000);
    await settled(journal);
    const late = openEngine(store.crashed(), {}, T0 + 20_000);
    late.engine.tick(T0 + 20_000);
    expect(contents(late.engine, 'q')).toEqual([]);
  });

  it('replays flush and queue removal', async () => {
    const store = new MemoryStore();
    const { engine, journal } = openEngine(store);
    for (const s of ['a', 'b', 'c']) engine.enqueue('q', 0, 0, b(s), T0);
    engine.enqueue('gone', 0, 0, b('z'), T0);
    const h = engine.newHolder();
    engine.reserve(h, 'q', T0); // a stays open through the flush
    engine.flush('q');
    engine.enqueue('q', 0, 0, b('d'), T0);
    engine.dropQueue('gone');
    await settled(journal);
    const after = openEngine(store.crashed());
    expect(contents(after.engine, 'q')).toEqual(['a', 'd']);
    expect(after.engine.queueNames()).not.toContain('gone');
  });

  it('a process crash keeps what was written even with --fsync never; a machine crash keeps what was synced', async () => {
    const store = new MemoryStore();
    const { engine, journal } = openEngine(store, { fsync: { kind: 'never' } });
    engine.enqueue('q', 0, 0, b('a'), T0);
    await settled(journal);
    expect(contents(openEngine(store.killed()).engine, 'q')).toEqual(['a']);
    expect(contents(openEngine(store.crashed()).engine, 'q')).toEqual([]);
  });

  it('with --fsync always nothing is durable before its fsync, and everything is after', async () => {
    const store = new MemoryStore();
    const { engine, journal } = openEngine(store);
    engine.enqueue('q', 0, 0, b('a'), T0);
    expect(journal.durable).toBeLessThan(journal.appended);
    const syncs = store.syncs;
    await settled(journal);
    expect(store.syncs).toBe(syncs + 1);
    expect(contents(openEngine(store.crashed()).engine, 'q')).toEqual(['a']);
  });

  it('group commit: changes made during an fsync ride on the next one', async () => {
    const store = new MemoryStore();
    const { engine, journal } = openEngine(store);
    const syncs = store.syncs;
    store.holdSyncs = true;
    let durableTurns = 0;
    for (let turn = 0; turn < 5; turn++) {
      for (let i = 0; i < 100; i++) engine.enqueue('q', 0, 0, b(`${turn}.${i}`), T0);
      journal.whenDurable(journal.appended, () => durableTurns++);
      await new Promise((resolve) => setImmediate(resolve));
    }
    // One fsync is in flight (turn 0); turns 1-4 wait for it to end, then go out in one write and
    // ride on the next fsync.
    expect(store.heldSyncCount).toBe(1);
    const writes = store.writes;
    expect(store.releaseSyncs()).toBe(1);
    expect(store.writes - writes).toBe(1);
    expect(durableTurns).toBe(1);
    expect(store.heldSyncCount).toBe(1);
    store.holdSyncs = false;
    expect(store.releaseSyncs()).toBe(1);
    expect(durableTurns).toBe(5);
    expect(store.syncs - syncs).toBe(2);
    expect(contents(openEngine(store.crashed()).engine, 'q')).toHaveLength(500);
  });

  it('a clean close makes everything durable', async () => {
    const store = new MemoryStore();
    const { engine, journal } = openEngine(store, { fsync: { kind: 'interval', ms: 60_000 } });
    engine.enqueue('q', 0, 0, b('a'), T0);
    expect(await journal.close()).toBe(true);
    expect(contents(openEngine(store.crashed()).engine, 'q')).toEqual(['a']);
  });
});

describe('restarts', () => {
  it('do not pile up empty segments, and ids still keep increasing', async () => {
    let store = new MemoryStore();
    let { engine, journal } = openEngine(store);
    const last = enqueuedId(engine.enqueue('q', 0, 0, b('x'), T0));
    const h = engine.newHolder();
    engine.reserve(h, 'q', T0);
    engine.ack(h, 'q');
    await settled(journal);
    for (let i = 0; i < 5; i++) {
      await journal.close();
      store = store.killed();
      ({ engine, journal } = openEngine(store));
    }
    expect(store.list().filter((f) => f.startsWith('journal.'))).toHaveLength(2);
    expect(engine.nextId).toBeGreaterThan(last);
  });
});

describe('--fsync <ms>', () => {
  it('replies once written, and an fsync follows within the interval', async () => {
    const store = new MemoryStore();
    const clock = new ManualClock(T0);
    const { engine, journal } = openEngine(store, { fsync: { kind: 'interval', ms: 10 }, clock });
    const syncs = store.syncs;
    engine.enqueue('q', 0, 0, b('a'), T0);
    await settled(journal); // written, not yet synced
    expect(store.syncs).toBe(syncs);
    expect(contents(openEngine(store.killed()).engine, 'q')).toEqual(['a']);
    await clock.advance(10); // the fsync starts within the interval, and completes on the thread pool
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.syncs).toBe(syncs + 1);
    expect(contents(openEngine(store.crashed()).engine, 'q')).toEqual(['a']);
  });
});

describe('segments', () => {
  it('a disk that refuses the next segment leaves the journal writing on in the current one', async () => {
    const store = new MemoryStore();
    const { engine, journal, warnings } = openEngine(store, { segmentBytes: 512, retryMs: 60_000 });
    const create = store.create.bind(store);
    store.create = (name: string) => {
      if (name !== 'journal.0000000001') throw Object.assign(new Error('ENOSPC: no space'), { code: 'ENOSPC' });
      return create(name);
    };
    for (let i = 0; i < 50; i++) {
      engine.enqueue('q', 0, 0, b(`item ${i} ${'x'.repeat(30)}`), T0);
      await settled(journal);
    }
    expect(warnings.filter((w) => w.includes('cannot prepare segment 2'))).toHaveLength(1);
    expect(store.size('journal.0000000001')).toBeGreaterThan(2000);
    store.create = create;
    expect(contents(openEngine(store.crashed()).engine, 'q')).toHaveLength(50);
  });
});
