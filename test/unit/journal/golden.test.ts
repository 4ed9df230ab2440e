/**
 * Golden journal files (test/fixtures/journal/v<N>/): a data directory written by each format
 * version, with a snapshot and segments holding every record type of that version. Whatever the
 * format becomes, rq must still read these and restore exactly v<N>.expected.json. Regenerate only for
 * a new format version, into a new directory: RQ_WRITE_GOLDEN=v<N> npx vitest run test/unit/journal/golden.test.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStore } from '../../../src/journal/file-store.js';
import { readJournal } from '../../../src/journal/reader.js';
import { openEngine, settled, T0 } from '../../helpers/journaled-engine.js';

const FIXTURES = path.resolve(__dirname, '../../fixtures/journal');
/** When the fixture is opened: after 'soon' expired, before 'later' does. */
const OPEN_AT = T0 + 10_000;

/** The record types each version has. */
const TYPES: Record<string, number[]> = {
  v1: [1, 2, 3, 4, 5, 6, 7, 8, 9],
  v2: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  v3: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  v4: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
  v5: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
};

interface Expected {
  nextIdAtLeast: number;
  /** A delayed flush_all still to come (from v2). */
  flushAllDue?: number;
  queues: Record<string, Array<{ id: number; flags: number; expiresAt: number; enqueuedAt: number; data: string }>>;
  /** From v3: each queue's delivery counts (ready items, head first), delayed items and fanout queues. */
  deliveries?: Record<string, number[]>;
  delayed?: Record<string, Array<{ id: number; dueAt: number; deliveries: number }>>;
  fanouts?: string[];
}

function restoredState(dir: string) {
  const { engine, journal } = openEngine(new FileStore(dir), {}, OPEN_AT);
  const queues: Expected['queues'] = {};
  const deliveries: Record<string, number[]> = {};
  const delayed: NonNullable<Expected['delayed']> = {};
  for (const name of engine.queueNames().sort()) {
    queues[name] = [...engine.readyItems(name)].map((i) => ({
      id: i.id,
      flags: i.flags,
      expiresAt: i.expiresAt,
      enqueuedAt: i.enqueuedAt,
      data: i.data.toString('base64'),
    }));
    deliveries[name] = [...engine.readyItems(name)].map((i) => i.deliveries);
    delayed[name] = engine.delayedItems(name).map((d) => ({ id: d.item.id, dueAt: d.dueAt, deliveries: d.item.deliveries }));
  }
  const fanouts = engine
    .queueNames()
    .filter((q) => engine.isFanout(q))
    .sort();
  return { queues, deliveries, delayed, fanouts, nextId: engine.nextId, flushAllDue: engine.flushAllDue, journal };
}

async function writeGolden(dir: string): Promise<void> {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const { engine, journal } = openEngine(new FileStore(dir), { segmentBytes: 512, compactMinBytes: 1024 }, T0, {
    maxDeliveries: 2,
  });
  const h = engine.newHolder();
  const w = engine.newHolder();
  for (let i = 0; i < 30; i++) engine.enqueue('jobs', i, 0, Buffer.from(`job ${i} ${'.'.repeat(i)}`), T0 + i);
  for (let i = 0; i < 20; i++) {
    engine.reserve(w, 'jobs', T0);
    engine.ack(w, 'jobs');
  }
  engine.enqueue('bin', 0xffffffff, 0, Buffer.from([0, 1, 2, 0x0d, 0x0a, 0xff]), T0);
  engine.enqueue('ttl', 0, T0 + 5000, Buffer.from('soon'), T0);
  engine.enqueue('ttl', 0, T0 + 3_600_000, Buffer.from('later'), T0);
  engine.enqueue('ttl', 0, T0 + 4000, Buffer.from('sooner'), T0);
  engine.enqueue('gone', 0, 0, Buffer.from('dropped with its queue'), T0);
  engine.enqueue('flushed', 0, 0, Buffer.from('flushed away'), T0);
  // From v3: in the snapshot, an item delivered before (a deliveries record), a delayed item, a fanout queue.
  engine.reserve(w, 'jobs', T0);
  engine.release(w, 'jobs', T0);
  engine.enqueue('later', 0, 0, Buffer.from('in a day'), T0, 86_400_000);
  engine.peek('fan+out', T0);
  // From v4: open while the snapshot is taken, so the snapshot holds a per-item reserved record.
  engine.enqueue('held', 0, 0, Buffer.from('open in the snapshot'), T0);
  engine.reserve(h, 'held', T0);
  await settled(journal);
  while (journal.figures.compactions === 0) await new Promise((r) => setImmediate(r));
  // After the snapshot, so that the segments hold every record type.
  engine.dropQueue('gone');
  engine.flush('flushed');
  engine.peek('ttl', T0 + 5500); // 'soon' expires at the head: an expired record ('sooner' expires in the queue)
  engine.reserve(h, 'jobs', T0); // open at the end: back at the head
  engine.reserve(h, 'jobs', T0); // from v4: one reserved_run of two
  engine.reserve(w, 'jobs', T0);
  engine.release(w, 'jobs', T0); // released: at the head
  engine.reserve(w, 'jobs', T0);
  engine.ack(w, 'jobs');
  engine.enqueue('jobs', 8, 0, Buffer.from('after an ack'), T0 + 100);
  engine.reserve(w, 'jobs', T0);
  engine.reserve(w, 'jobs', T0);
  engine.ack(w, 'jobs'); // from v5: two acks in a row of items in id order, one acked_run
  engine.ack(w, 'jobs');
  engine.enqueue('jobs', 7, 0, Buffer.from('last'), T0 + 100);
  // From v3, in the segments: a delayed set, a release with a delay, one that comes due, a dead-letter move.
  engine.enqueue('fan', 0, 0, Buffer.from('copied'), T0);
  engine.enqueue('soon', 0, 0, Buffer.from('due'), T0, 10);
  engine.reserve(w, 'jobs', T0);
  engine.release(w, 'jobs', T0, 3_600_000);
  engine.enqueue('poison', 0, 0, Buffer.from('poison'), T0);
  for (let i = 0; i < 2; i++) {
    engine.reserve(w, 'poison', T0);
    engine.release(w, 'poison', T0);
  }
  engine.tick(T0 + 10);
  engine.flushAll(T0, 60_000); // replaced by the next one
  engine.flushAll(T0, 86_400_000); // still to come when the fixture is opened
  engine.tick(T0);
  await settled(journal);
  await journal.close();
  // Closed: a compaction running is cancelled (its .tmp removed); the segments stay as written.
}

describe('golden journal files', () => {
  const target = process.env.RQ_WRITE_GOLDEN;
  it.runIf(target !== undefined)('writes a golden data directory', async () => {
    const dir = path.join(FIXTURES, target!);
    await writeGolden(dir);
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-golden-'));
    fs.cpSync(dir, copy, { recursive: true });
    const { queues, nextId, flushAllDue, deliveries, delayed, fanouts, journal } = restoredState(copy);
    await journal.close();
    const expected: Expected = { nextIdAtLeast: nextId, flushAllDue, queues, deliveries, delayed, fanouts };
    fs.writeFileSync(path.join(FIXTURES, `${target}.expected.json`), JSON.stringify(expected, null, 2) + '\n');
  });

  for (const version of fs.readdirSync(FIXTURES).filter((f) => /^v\d+$/.test(f))) {
    it(`restores ${version} exactly`, async () => {
      const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, `${version}.expected.json`), 'utf8')) as Expected;
      const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-golden-'));
      try {
        fs.cpSync(path.join(FIXTURES, version), copy, { recursive: true });
        const types = new Set<number>();
        const read = readJournal(new FileStore(copy), { onRecord: (r) => types.add(r.type) });
        expect(read.warnings).toEqual([]);
        expect([...types].sort((a, b) => a - b)).toEqual(TYPES[version]);
        expect(read.files.some((f) => f.kind === 'snapshot')).toBe(true);
        const { queues, nextId, flushAllDue, deliveries, delayed, fanouts, journal } = restoredState(copy);
        await journal.close();
        expect(queues).toEqual(expected.queues);
        if (expected.deliveries !== undefined)
          expect({ deliveries, delayed, fanouts }).toEqual({
            deliveries: expected.deliveries,
            delayed: expected.delayed,
            fanouts: expected.fanouts,
          });
        expect(nextId).toBeGreaterThanOrEqual(expected.nextIdAtLeast);
        expect(flushAllDue).toBe(expected.flushAllDue ?? 0);
      } finally {
        fs.rmSync(copy, { recursive: true, force: true });
      }
    });
  }
});
