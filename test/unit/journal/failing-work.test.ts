/**
 * Every state of work that fails survives a restart exactly: delivery counts, delayed items and
 * their due times, dead-letter moves, fanout queues; straight from the log, and through snapshots
 * made both ways (from memory and by reading the journal), which a long-delayed or dead item must
 * not make grow.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../src/journal/memory-store.js';
import { QueueEngine } from '../../../src/queue/engine.js';
import { UNLIMITED } from '../../../src/queue/limits.js';
import { Journal, type JournalOptions } from '../../../src/journal/journal.js';
import type { JournalStore } from '../../../src/journal/store.js';
import { settled, T0 } from '../../helpers/journaled-engine.js';

const SMALL = { segmentBytes: 4096, compactMinBytes: 8192, compactSliceBytes: 8192 };

function open(store: JournalStore, options: Partial<JournalOptions> = {}, now = T0) {
  const journal = new Journal(store, { fsync: { kind: 'always' }, warn: () => {}, ...options });
  const engine = new QueueEngine({ ...UNLIMITED, maxOpen: 100, maxDeliveries: 2 }, journal);
  journal.restore(engine, now);
  return { engine, journal };
}

/** Everything a restart must bring back, as plain values (an empty queue is not restored, unless a fanout queue). */
function state(engine: QueueEngine, now: number) {
  return engine
    .queueNames()
    .filter((q) => q !== 'churn')
    .sort()
    .map((q) => ({
      q,
      fanout: engine.isFanout(q),
      ready: [...engine.readyItems(q)].map((i) => `${i.data.toString()}:${i.flags}:d${i.deliveries}`),
      delayed: engine.delayedItems(q).map((d) => `${d.item.data.toString()}@${d.dueAt - now}:d${d.item.deliveries}`),
      stats: engine.stats(now).find((s) => s.name === q)!.headDeliveries,
    }));
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('work that fails, across restarts', () => {
  it.each([
    ['from the log', { compactMinBytes: 1 << 30 }],
    ['from a snapshot taken from memory', {}],
    ['from a snapshot made by reading the journal', { captureMaxItems: 0 }],
  ])('restores counts, delays, dead items and fanout queues exactly (%s)', async (_how, options) => {
    const store = new MemoryStore();
    const { engine, journal } = open(store, { ...SMALL, ...options });
    const h = engine.newHolder();
    expect(engine.peek('jobs+audit', T0)).toBeNull(); // a fanout queue, empty but existing
    engine.enqueue('jobs', 1, 0, Buffer.from('retry'), T0);
    engine.enqueue('jobs', 2, 0, Buffer.from('poison'), T0);
    engine.enqueue('jobs', 3, 0, Buffer.from('later'), T0, 60_000);
    engine.enqueue('jobs', 4, 0, Buffer.from('due-soon'), T0, 10);
    engine.enqueue('jobs', 5, 0, Buffer.from('tail'), T0);
    engine.reserve(h, 'jobs', T0); // retry
    engine.release(h, 'jobs', T0, 30_000); // back in 30 s, delivered once
    engine.reserve(h, 'jobs', T0); // poison
    engine.release(h, 'jobs', T0);
    engine.reserve(h, 'jobs', T0);
    engine.release(h, 'jobs', T0); // second delivery given back: to jobs.dead
    engine.tick(T0 + 20); // due-soon joins the tail after 'tail'
    // Churn that makes segments to compact: fanout copies and plain items that come and go.
    for (let i = 0; i < 300; i++) {
      engine.enqueue('churn', 0, 0, Buffer.from(`c${i}-${'x'.repeat(60)}`), T0 + 20);
      engine.reserve(h, 'churn', T0 + 20);
      engine.ack(h, 'churn');
      await settled(journal);
      await turn();
    }
    if (!('compactMinBytes' in options)) expect(journal.figures.compactions).toBeGreaterThan(0);
    const before = state(engine, T0 + 20);
    expect(before.find((s) => s.q === 'jobs.dead')?.ready).toEqual(['poison:2:d2']);
    expect(before.find((s) => s.q === 'jobs')?.ready).toEqual(['tail:5:d0', 'due-soon:4:d0']);
    const after = open(store.crashed(), options, T0 + 20);
    expect(state(after.engine, T0 + 20)).toEqual(before);
    // The restored fanout queue still receives copies; the restored delays still come due.
    after.engine.enqueue('jobs', 0, 0, Buffer.from('copied'), T0 + 20);
    expect([...after.engine.readyItems('jobs+audit')].map((i) => i.data.toString())).toContain('copied');
    after.engine.tick(T0 + 60_000);
    expect([...after.engine.readyItems('jobs')].map((i) => `${i.data.toString()}:d${i.deliveries}`)).toEqual([
      'tail:d0',
      'due-soon:d0',
      'copied:d0',
      'retry:d1',
      'later:d0',
    ]);
  });
});
