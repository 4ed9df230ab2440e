/**
 * The compaction trigger weighs dead bytes (docs/journal-format.md, Compaction): a push of items
 * nobody took yet compacts nothing, however many segments it closes (nor does a restart on it),
 * and once acks make enough of the journal dead a compaction follows, even when the acks themselves
 * write too little to close a segment, and the directory shrinks back to about the live size.
 * Real files (FileStore), as `rq serve` uses them; the trigger's timer on a manual clock.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStore } from '../../../src/journal/file-store.js';
import { SEGMENT_PREFIX, SNAPSHOT_PREFIX } from '../../../src/journal/names.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { contents, openEngine, settled, T0, type Journaled } from '../../helpers/journaled-engine.js';

/** 16 KiB segments, compaction past 32 KiB dead; `reading`: no snapshot from memory, whatever the state's size. */
const SMALL = { segmentBytes: 16 * 1024, compactMinBytes: 32 * 1024 };
const READING = { ...SMALL, captureMaxItems: 0 };
const ITEMS = 2000;
/** An `enqueued` record of one of these items in queue `q`: 55 bytes and the name, then the data. */
const RECORD_BYTES = 55 + 1 + 64;

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-trigger-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const files = (prefix: string) => fs.readdirSync(dir).filter((f) => f.startsWith(prefix) && !f.includes('.tmp'));
/** The directory's bytes (a file the journal removes between listing and stat counts nothing). */
const dirBytes = () =>
  fs.readdirSync(dir).reduce((sum, f) => sum + (fs.statSync(path.join(dir, f), { throwIfNoEntry: false })?.size ?? 0), 0);
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Pushes ITEMS items of 64 bytes to `q`, 20 per turn, each batch durable before the next. */
async function push({ engine, journal }: Journaled): Promise<void> {
  for (let i = 0; i < ITEMS; i++) {
    engine.enqueue('q', 0, 0, Buffer.from(`item-${String(i).padStart(6, '0')}`.padEnd(64, '.')), T0);
    if (i % 20 === 19) await settled(journal);
  }
  await settled(journal);
}

/** Acks the first `n` items of `q` (reserved and acknowledged in order: a few records, no segment switch). */
async function ackFirst({ engine, journal }: Journaled, n: number): Promise<void> {
  const h = engine.newHolder();
  for (let i = 0; i < n; i++) {
    const item = engine.reserve(h, 'q', T0);
    if (item === null || item === 'too_many_open') throw new Error('nothing to reserve');
    engine.ackById('q', item.id);
  }
  await settled(journal);
}

/** Waits (turn by turn, `clock` 100 ms further each, up to 10 s) until `done()`. */
async function until(clock: ManualClock, what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await turn();
    await clock.advance(100);
  }
}

describe('the compaction trigger', () => {
  it('starts no compaction by reading during a push, nor at a restart on what it wrote', async () => {
    const clock = new ManualClock(T0);
    const j = openEngine(new FileStore(dir), { ...READING, clock });
    await push(j);
    await clock.advance(1000); // the trigger weighs the journal again a second after the last write
    for (let i = 0; i < 20; i++) await turn();
    expect(files(SEGMENT_PREFIX).length).toBeGreaterThan(8);
    expect(j.journal.figures.compactions).toBe(0);
    expect(files(SNAPSHOT_PREFIX)).toEqual([]);
    // Nothing is dead: the files hold the items' records, headers and a few next_id records.
    expect(dirBytes()).toBeLessThan(ITEMS * RECORD_BYTES * 1.1);
    await j.journal.close();

    const again = openEngine(new FileStore(dir), { ...READING, clock });
    for (let i = 0; i < 20; i++) await turn();
    expect(again.journal.figures.compactions).toBe(0);
    expect(contents(again.engine, 'q')).toHaveLength(ITEMS);
    await again.journal.close();
  });

  it.each([
    ['taken from memory', SMALL],
    ['made by reading', READING],
  ])(
    'compacts once every item is acked, though the acks close no segment, and the directory shrinks (snapshot %s)',
    async (_how, options) => {
      const clock = new ManualClock(T0);
      const j = openEngine(new FileStore(dir), { ...options, clock });
      await push(j);
      const pushed = dirBytes();
      const compactions = j.journal.figures.compactions;
      await ackFirst(j, ITEMS);
      await until(clock, 'the directory shrinks', () => j.journal.figures.compactions > compactions && dirBytes() < 1024);
      expect(pushed).toBeGreaterThan(ITEMS * RECORD_BYTES);
      expect(files(SNAPSHOT_PREFIX)).toHaveLength(1);
      await j.journal.close();
      const again = openEngine(new FileStore(dir), options);
      expect(again.warnings).toEqual([]);
      expect(contents(again.engine, 'q')).toEqual([]);
      await again.journal.close();
    },
  );

  it('compacts by reading once three quarters are acked, down to about the live size', async () => {
    const clock = new ManualClock(T0);
    const j = openEngine(new FileStore(dir), { ...READING, clock });
    await push(j);
    expect(j.journal.figures.compactions).toBe(0);
    await ackFirst(j, (ITEMS * 3) / 4);
    const live = (ITEMS / 4) * RECORD_BYTES;
    await until(clock, 'a compaction', () => j.journal.figures.compactions > 0);
    await until(clock, 'the replaced files are removed', () => dirBytes() < live * 1.2);
    const expected = contents(j.engine, 'q');
    expect(expected).toHaveLength(ITEMS / 4);
    await j.journal.close();
    expect(contents(openEngine(new FileStore(dir), READING).engine, 'q')).toEqual(expected);
  });
});
