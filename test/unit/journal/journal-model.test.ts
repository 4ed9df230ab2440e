/**
 * The journal against the engine it records, over thousands of seeded random operations in the
 * current format (reserved_run and acked_run included): at every crash, what a restart restores must be exactly
 * what the engine held, as a restart sees it (open items back at the head in id order, expired items
 * dropped), with each item's delivery count, and the restart must warn about nothing. The restored
 * engine then goes on, so that runs written after a restart are replayed too; small segments make
 * rotations, snapshots from memory and compactions by reading happen along the way.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../src/journal/memory-store.js';
import type { Holder, QueueEngine } from '../../../src/queue/engine.js';
import { openEngine, settled, T0, type Journaled } from '../../helpers/journaled-engine.js';
import { Random } from '../../helpers/random.js';

const QUEUES = ['a', 'b', 'c'];

/** What a restart must restore from `engine` at `now`: per queue, `id:deliveries` head first, and delayed items. */
function restartView(engine: QueueEngine, now: number): Record<string, string[]> {
  const view: Record<string, string[]> = {};
  for (const name of engine.queueNames().sort()) {
    const open = [...engine.openItems(name)].sort((x, y) => x.id - y.id);
    const live = (i: { expiresAt: number }) => i.expiresAt === 0 || i.expiresAt > now;
    const ready = [...open, ...engine.readyItems(name)].filter(live).map((i) => `${i.id}:${i.deliveries}`);
    const delayed = engine
      .delayedItems(name)
      .filter((d) => live(d.item))
      .map((d) => `${d.item.id}:${d.item.deliveries}@${d.dueAt}`);
    const all = [...ready, ...delayed];
    if (all.length > 0) view[name] = all;
  }
  return view;
}

async function run(seed: number, steps: number, options: { segmentBytes: number; captureMaxItems: number }): Promise<void> {
  const random = new Random(seed);
  let store = new MemoryStore();
  let now = T0;
  // The journal's clock is the engine's time (compactions leave out what expired by then).
  const clock = { now: () => now, setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms), clearTimeout };
  const journalOptions = {
    clock,
    segmentBytes: options.segmentBytes,
    compactMinBytes: 4 * options.segmentBytes,
    captureMaxItems: options.captureMaxItems,
  };
  let j: Journaled = openEngine(store, journalOptions, now, { maxDeliveries: 4 });
  let holders: Holder[] = [0, 1, 2].map(() => j.engine.newHolder());
  let restarts = 0;
  let snapshots = 0;
  for (let step = 0; step < steps; step++) {
    const { engine } = j;
    const queue = QUEUES[random.int(0, QUEUES.length - 1)];
    const holder = holders[random.int(0, holders.length - 1)];
    const op = random.int(0, 99);
    if (op < 30) {
      const ttl = random.chance(0.1) ? now + random.int(1, 500) : 0;
      const delay = random.chance(0.05) ? random.int(1, 300) : 0;
      engine.enqueue(queue, 0, ttl, Buffer.from(`${queue}${step}`), now, delay);
    } else if (op < 60) {
      // Runs of reservations, sometimes of two queues interleaved.
      for (let k = random.int(1, 6); k > 0; k--) engine.reserve(holder, random.chance(0.8) ? queue : QUEUES[0], now);
    } else if (op < 75) {
      // Acks, often several in a row (an acked_run when their ids follow one another).
      for (let k = random.chance(0.5) ? random.int(2, 5) : 1; k > 0; k--) engine.ack(holder, queue);
    } else if (op < 83) {
      engine.release(holder, queue, now, random.chance(0.2) ? random.int(1, 200) : 0);
    } else if (op < 87) {
      engine.closeHolder(holder, now);
      holders[holders.indexOf(holder)] = engine.newHolder();
    } else if (op < 89) {
      engine.flush(queue);
    } else if (op < 95) {
      now += random.int(1, 100);
      engine.tick(now);
    } else if (op < 97) {
      engine.peek(queue, now);
    } else {
      // A crash: the bytes written so far are what the restart reads.
      await settled(j.journal);
      now += random.int(0, 50);
      engine.tick(now);
      await settled(j.journal);
      const expected = restartView(engine, now);
      if (store.list().some((f) => f.startsWith('snapshot.'))) snapshots++;
      const crashed = store.crashed();
      await j.journal.close();
      store = crashed;
      j = openEngine(store, journalOptions, now, { maxDeliveries: 4 });
      expect(j.warnings, `seed ${seed} step ${step}`).toEqual([]);
      expect(restartView(j.engine, now), `seed ${seed} step ${step}`).toEqual(expected);
      holders = [0, 1, 2].map(() => j.engine.newHolder());
      restarts++;
    }
    if (step % 50 === 0) await settled(j.journal);
  }
  expect(restarts).toBeGreaterThan(5);
  expect(snapshots).toBeGreaterThan(0);
  await j.journal.close();
}

describe('journal model', () => {
  it.each([1, 2, 3, 4])('restores what the engine held at every crash (seed %i, snapshots from memory)', async (seed) => {
    await run(seed, 3000, { segmentBytes: 2048, captureMaxItems: 20_000 });
  });

  it.each([5, 6, 7])('restores what the engine held at every crash (seed %i, compactions by reading)', async (seed) => {
    await run(seed, 3000, { segmentBytes: 1024, captureMaxItems: 0 });
  });
});
