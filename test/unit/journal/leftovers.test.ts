/**
 * Files a previous run can leave in a data directory (a segment prepared and never used, one cut
 * short while it was being created, a numbered gap, unfinished snapshots and manifests) never stop a
 * restart: journal files are created with an exclusive create (O_EXCL), so the segment and snapshot
 * numbers a startup chooses must be free. Real files (FileStore), as `rq serve` uses them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeHeader } from '../../../src/journal/encoder.js';
import { FileStore } from '../../../src/journal/file-store.js';
import { FileKind } from '../../../src/journal/format.js';
import { segmentName, snapshotName } from '../../../src/journal/names.js';
import { contents, openEngine, settled, T0 } from '../../helpers/journaled-engine.js';

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-leftovers-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const newest = () =>
  Math.max(
    ...fs
      .readdirSync(dir)
      .filter((f) => /^journal\.\d{10}$/.test(f))
      .map((f) => Number(f.slice(8))),
  );
const put = (name: string, bytes: Buffer) => fs.writeFileSync(path.join(dir, name), bytes);

/** What a previous run may have left, added to a closed journal whose newest segment is `n`. */
const LEFTOVERS: Record<string, (n: number) => void> = {
  'a segment prepared ahead and never used': (n) => put(segmentName(n + 1), encodeHeader(FileKind.Segment, n + 1, 1 << 21, 0)),
  'a segment created and not yet written (empty)': (n) => put(segmentName(n + 1), Buffer.alloc(0)),
  'a segment cut short inside its header': (n) =>
    put(segmentName(n + 1), encodeHeader(FileKind.Segment, n + 1, 1 << 21, 0).subarray(0, 11)),
  'an empty segment after a gap in the numbers': (n) =>
    put(segmentName(n + 3), encodeHeader(FileKind.Segment, n + 3, 1 << 21, 0)),
  'an unfinished snapshot of the next number': (n) => put(snapshotName(n + 1) + '.tmp', Buffer.from('partial')),
  'an unfinished manifest': () => put('MANIFEST.tmp', Buffer.from('partial')),
  'an unfinished copy of a damaged file': (n) => put(segmentName(n) + '.damaged.tmp', Buffer.from('partial')),
};

describe('a restart after files a previous run left', () => {
  for (const [what, leave] of Object.entries(LEFTOVERS)) {
    it(`${what}: starts, restores every item, and the next restart is quiet`, async () => {
      // Several segments and a state too large to snapshot from memory: the leftovers meet closed segments.
      const options = { segmentBytes: 300, captureMaxItems: 0, compactMinBytes: 1 << 30 };
      const first = openEngine(new FileStore(dir), options);
      let maxId = 0;
      // Until the journal has moved to a third segment: it moves once the next one is prepared, in
      // the background, so how many records that takes varies.
      let n = 0;
      while (n < 12 || (newest() <= 2 && n < 1000)) {
        maxId = first.engine.enqueue('q', 0, 0, Buffer.from(`item-${n++}`), T0) as number;
        await settled(first.journal);
      }
      await first.journal.close();
      expect(newest()).toBeGreaterThan(2);
      leave(newest());

      const second = openEngine(new FileStore(dir), options);
      expect(contents(second.engine, 'q')).toEqual(Array.from({ length: n }, (_, i) => `item-${i}`));
      expect(second.engine.enqueue('q', 0, 0, Buffer.from('after'), T0)).toBeGreaterThan(maxId);
      await settled(second.journal);
      await second.journal.close();

      const third = openEngine(new FileStore(dir), options);
      expect(third.warnings).toEqual([]);
      expect(contents(third.engine, 'q')).toEqual([...Array.from({ length: n }, (_, i) => `item-${i}`), 'after']);
      await third.journal.close();
      expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    });
  }
});
