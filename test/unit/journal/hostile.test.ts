/** Hostile and broken journal files: the reader never throws, reports where reading stopped, and startup starts. */
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../../src/journal/crc.js';
import { encodeHeader, RecordEncoder } from '../../../src/journal/encoder.js';
import { FileKind, HEADER_BYTES, RecordType } from '../../../src/journal/format.js';
import { MemoryStore } from '../../../src/journal/memory-store.js';
import { readJournal } from '../../../src/journal/reader.js';
import { contents, openEngine } from '../../helpers/journaled-engine.js';

function segment(seq: number, build: (e: RecordEncoder) => void, kind: FileKind = FileKind.Segment): Buffer {
  const e = new RecordEncoder();
  build(e);
  return Buffer.concat([encodeHeader(kind, seq, 1), e.takeView()]);
}

/** A deterministic byte generator. */
function noise(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  return b;
}

describe('hostile journal files', () => {
  it('garbage named like journal files is reported, not trusted', () => {
    const store = new MemoryStore();
    for (let seed = 1; seed <= 20; seed++) store.put(`journal.${String(seed).padStart(10, '0')}`, noise(seed * 37, seed));
    const read = readJournal(store);
    expect(read.files).toHaveLength(20);
    expect(read.files.every((f) => f.damage !== null && f.records === 0)).toBe(true);
    const { engine, warnings } = openEngine(store);
    expect(engine.queueNames()).toEqual([]);
    expect(warnings.length).toBeGreaterThanOrEqual(20);
  });

  it('an acked_run of a huge count (with a sound checksum) costs the items in its range, no more work than they', () => {
    const store = new MemoryStore();
    let runAt = 0;
    const seg = segment(1, (e) => {
      for (const id of [3, 5, 6, 2 ** 40]) e.enqueued('q', id, 0, 0, 1, Buffer.from(`item ${id}`));
      runAt = HEADER_BYTES + e.length;
      e.acked('q', 5);
      e.acked('q', 6);
    });
    seg.writeUInt32LE(0xffffffff, seg.length - 4); // the run's count, last in the file
    seg.writeUInt32LE(crc32(seg, runAt + 5, seg.length), runAt + 1);
    store.put('journal.0000000001', seg);
    const { engine } = openEngine(store);
    expect(contents(engine, 'q')).toEqual(['item 3', `item ${2 ** 40}`]);
  });

  it('valid records after a good header, then garbage: the records count, the file is kept as it was', () => {
    const store = new MemoryStore();
    const good = segment(1, (e) => e.enqueued('q', 1, 0, 0, 1, Buffer.from('kept')));
    const bad = Buffer.concat([good, noise(500, 7)]);
    store.put('journal.0000000001', bad);
    const { engine, warnings } = openEngine(store);
    expect(contents(engine, 'q')).toEqual(['kept']);
    expect(warnings.join('\n')).toContain(`journal.0000000001: corrupt record at offset ${good.length}`);
    expect(store.read('journal.0000000001.damaged', 0, 1000)).toEqual(bad);
  });

  it('a header whose sequence or kind disagrees with the file name is damage at offset 0', () => {
    const store = new MemoryStore();
    store.put(
      'journal.0000000001',
      segment(7, (e) => e.enqueued('q', 1, 0, 0, 1, Buffer.from('x'))),
    );
    store.put(
      'journal.0000000002',
      segment(2, (e) => e.enqueued('q', 2, 0, 0, 1, Buffer.from('y')), FileKind.Snapshot),
    );
    const read = readJournal(store);
    expect(read.files.map((f) => f.damage?.reason)).toEqual([
      'file header says sequence 7, name says 1',
      'file header says kind 2, name says segment',
    ]);
  });

  it('a record length of 4 GiB, or one past the end, is damage, not an allocation', () => {
    const store = new MemoryStore();
    const seg = segment(1, (e) => e.item(RecordType.Acked, 'q', 1));
    seg.writeUInt32LE(0xffffffff, HEADER_BYTES + 5);
    store.put('journal.0000000001', seg);
    const long = segment(2, (e) => e.item(RecordType.Acked, 'q', 1));
    long.writeUInt32LE(1000, HEADER_BYTES + 5);
    store.put('journal.0000000002', long);
    const read = readJournal(store);
    // The bytes to the end are the whole record with a wrong length: it is used.
    expect(read.files[0].damage).toMatchObject({ kind: 'corrupt', offset: HEADER_BYTES });
    expect(read.files[0].damage?.reason).toMatch(/^impossible record length 4294967295; only its length/);
    expect(read.files[0].records).toBe(1);
    expect(read.files[1].damage).toMatchObject({ kind: 'corrupt', offset: HEADER_BYTES });
    expect(read.files[1].records).toBe(1);
    const garbage = segment(3, (e) => e.item(RecordType.Acked, 'q', 1));
    garbage.writeUInt32LE(1000, HEADER_BYTES + 5);
    garbage[garbage.length - 1] ^= 1;
    store.put('journal.0000000003', garbage);
    expect(readJournal(store).files[2].damage).toMatchObject({ kind: 'torn', offset: HEADER_BYTES });
  });

  it('records for queues and items it never saw are counted and ignored', () => {
    const store = new MemoryStore();
    store.put(
      'journal.0000000001',
      segment(1, (e) => {
        e.item(RecordType.Acked, 'nowhere', 5);
        e.item(RecordType.Reserved, 'nowhere', 6);
        e.item(RecordType.Released, 'nowhere', 7);
        e.queue(RecordType.Flushed, 'nowhere');
        e.queue(RecordType.Dropped, 'nowhere');
        e.enqueued('q', 9, 0, 0, 1, Buffer.from('z'));
      }),
    );
    store.put('MANIFEST', encodeHeader(FileKind.Manifest, 1, 1));
    const read = readJournal(store);
    expect(read.warnings).toEqual([]);
    expect(read.state.anomalies.unknownItems).toBe(3);
    expect(contents(openEngine(store).engine, 'q')).toEqual(['z']);
  });
});
