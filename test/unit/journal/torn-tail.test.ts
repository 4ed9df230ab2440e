/**
 * Torn and corrupt tails, on real files: cut the journal at every byte offset of its last records and
 * flip every byte of them. A cut (an interrupted write) costs the record cut short: startup restores
 * every complete record before it, says which file and offset, cuts the file there, and starts. A
 * flipped byte costs the record it is in and nothing after it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../../src/journal/file-store.js';
import { segmentName } from '../../../src/journal/names.js';
import { readJournal } from '../../../src/journal/reader.js';
import { contents, openEngine, settled, T0 } from '../../helpers/journaled-engine.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-torn-'));
const SEGMENT = segmentName(1);
let original: Buffer;
let manifest: Buffer;
/** Start offsets of every record of the segment, and its size. */
let starts: number[];

beforeAll(async () => {
  const dir = path.join(root, 'original');
  fs.mkdirSync(dir);
  const { engine, journal } = openEngine(new FileStore(dir));
  for (let i = 0; i < 10; i++) {
    engine.enqueue('q', 0, 0, Buffer.from(`item${i}`), T0);
    await settled(journal);
  }
  const h = engine.newHolder();
  engine.reserve(h, 'q', T0);
  await settled(journal);
  engine.ack(h, 'q');
  await settled(journal);
  await journal.close();
  original = fs.readFileSync(path.join(dir, SEGMENT));
  manifest = fs.readFileSync(path.join(dir, 'MANIFEST'));
  starts = [];
  readJournal(new FileStore(dir), { onRecord: (r, f) => f.name === SEGMENT && starts.push(r.offset) });
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let case_ = 0;
function restart(segment: Buffer) {
  const dir = path.join(root, `case${case_++}`);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, SEGMENT), segment);
  fs.writeFileSync(path.join(dir, 'MANIFEST'), manifest);
  const opened = openEngine(new FileStore(dir));
  const state = contents(opened.engine, 'q');
  const file = path.join(dir, SEGMENT);
  const cutTo = fs.existsSync(file) ? fs.statSync(file).size : -1;
  return { state, warnings: opened.warnings, cutTo, dir, close: () => opened.journal.close() };
}

/** What a restart must restore when every record before `firstBad` (an index into starts) is intact. */
function expectedBefore(firstBad: number): string[] {
  // Records: enqueued item0..item9, reserved item0, acked item0.
  const items = Array.from({ length: Math.min(10, firstBad) }, (_, i) => `item${i}`);
  return firstBad >= 12 ? items.slice(1) : items;
}

/** What a restart must restore when record `bad` alone is lost. */
function expectedWithout(bad: number): string[] {
  const all = Array.from({ length: 10 }, (_, i) => `item${i}`);
  if (bad === 11) return all; // the journal's last record, item0's ack: item0 comes back (and a warning says so)
  return all.filter((_, i) => i !== 0 && i !== bad); // item0 is acked; an enqueued record lost costs its item
}

describe('torn tails', () => {
  it('the journal under test has the records the cases assume', () => {
    expect(starts).toHaveLength(12);
    expect(restart(original).state).toEqual(expectedBefore(12));
  });

  it('recovers every complete record when cut at any offset of the last four records', async () => {
    for (let cut = starts[8]; cut < original.length; cut++) {
      const firstBad = starts.filter((s) => s < cut).length - (starts.includes(cut) ? 0 : 1);
      const r = restart(original.subarray(0, cut));
      expect(r.state, `cut at ${cut}`).toEqual(expectedBefore(firstBad));
      if (!starts.includes(cut)) {
        expect(r.warnings.join('\n')).toContain(`${SEGMENT}: torn record at offset ${starts[firstBad]}`);
        expect(r.cutTo).toBe(starts[firstBad]);
      } else {
        expect(r.warnings).toEqual([]);
      }
      await r.close();
    }
  });

  it('loses only the record a flipped byte is in, names its offset, and keeps the original', async () => {
    for (let at = starts[8]; at < original.length; at++) {
      const bad = Buffer.from(original);
      bad[at] ^= 0x10;
      const record = starts.filter((s) => s <= at).length - 1;
      const r = restart(bad);
      const warnings = r.warnings.join('\n');
      if (at === starts[record] || (at >= starts[record] + 5 && at < starts[record] + 9)) {
        // The sync byte only helps a reader find records after damage; with a damaged length the
        // reader finds the next record by scanning, and this one whole between: nothing is lost.
        expect(r.state, `byte ${at} flipped`).toEqual(expectedBefore(12));
        await r.close();
        continue;
      }
      expect(r.state, `byte ${at} flipped`).toEqual(expectedWithout(record));
      expect(warnings).toMatch(new RegExp(`${SEGMENT}: corrupt record at offset ${starts[record]}`));
      expect(fs.readFileSync(path.join(r.dir, `${SEGMENT}.damaged`))).toEqual(bad);
      if (record === 11)
        expect(warnings).toMatch(/item 1 was open before the loss and is restored: .* may have been acknowledged already/);
      await r.close();
    }
  });

  it('a cut header leaves an empty journal (the file is removed), with a warning', async () => {
    const r = restart(original.subarray(0, 7));
    expect(r.state).toEqual([]);
    expect(r.cutTo).toBe(-1);
    expect(r.warnings.join('\n')).toContain(`${SEGMENT}: torn record at offset 0`);
    await r.close();
  });
});
