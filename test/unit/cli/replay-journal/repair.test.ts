/**
 * `rq replay-journal --repair` leaves a data directory that the server restores whole, restart after
 * restart: the snapshot the repair writes comes before the segment the next startup begins, and the
 * startup's own snapshot from memory replaces it rather than removing it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reportJournal } from '../../../../src/cli/replay-journal/report.js';
import { FileStore } from '../../../../src/journal/file-store.js';
import { contents, openEngine, settled, T0, type Journaled } from '../../../helpers/journaled-engine.js';

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-repair-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Opens the data dir and, when it has a snapshot, waits for the one startup takes from memory to replace it. */
async function restart(): Promise<Journaled> {
  const snapshot = fs.readdirSync(dir).some((f) => f.startsWith('snapshot.'));
  const j = openEngine(new FileStore(dir));
  while (snapshot && j.journal.figures.compactions === 0) await new Promise((r) => setImmediate(r));
  return j;
}

describe('rq replay-journal --repair, then restarts', () => {
  it('keeps every item the repair read', async () => {
    const first = openEngine(new FileStore(dir));
    for (const x of ['a', 'b', 'c', 'd', 'e']) first.engine.enqueue('q', 0, 0, Buffer.from(x), T0);
    await settled(first.journal);
    await first.journal.close();
    // A byte flipped in the middle of the third record ('c').
    const segment = fs.readdirSync(dir).find((f) => f.startsWith('journal.'))!;
    const bytes = fs.readFileSync(path.join(dir, segment));
    const third = 32 + 2 * ((bytes.length - 32) / 5);
    bytes[third + 30] ^= 0x5a;
    fs.writeFileSync(path.join(dir, segment), bytes);

    const report = await reportJournal(dir, T0, { repair: true });
    expect(report.repaired.join('\n')).toMatch(/snapshot\.\d+: written with the 4 items read/);
    for (let n = 0; n < 3; n++) {
      const j = await restart();
      expect(contents(j.engine, 'q'), `restart ${n}`).toEqual(['a', 'b', 'd', 'e']);
      expect(j.warnings, `restart ${n}`).toEqual([]);
      await j.journal.close();
    }
  });
});
