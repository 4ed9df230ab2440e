/** The record codec: every record type round-trips, the checksum is zlib's CRC-32, damage is found. */
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../../src/journal/crc.js';
import { decodeHeader, decodeRecord, DecodedRecord, isHeader, NameCache } from '../../../src/journal/decoder.js';
import { encodeHeader, RecordEncoder } from '../../../src/journal/encoder.js';
import { FileKind, RECORD_NAMES, RecordType } from '../../../src/journal/format.js';

type Case = [string, (e: RecordEncoder) => void, Partial<DecodedRecord>];
const BIG_ID = 2 ** 53 - 1;
const CASES: Case[] = [
  [
    'enqueued',
    (e) => e.enqueued('jobs', 7, 16, 1_700_000_000_000, 1_699_999_999_000, Buffer.from('hello')),
    { type: RecordType.Enqueued, queue: 'jobs', id: 7, flags: 16, expiresAt: 1_700_000_000_000, enqueuedAt: 1_699_999_999_000 },
  ],
  [
    'enqueued, empty data, max flags, huge id',
    (e) => e.enqueued('q', BIG_ID, 0xffffffff, 0, 1, Buffer.alloc(0)),
    { type: RecordType.Enqueued, queue: 'q', id: BIG_ID, flags: 0xffffffff, expiresAt: 0, enqueuedAt: 1 },
  ],
  ['reserved', (e) => e.item(RecordType.Reserved, 'a', 1), { type: RecordType.Reserved, queue: 'a', id: 1 }],
  [
    'acked',
    (e) => e.item(RecordType.Acked, 'a'.repeat(250), 2 ** 40 + 3),
    { type: RecordType.Acked, queue: 'a'.repeat(250), id: 2 ** 40 + 3 },
  ],
  ['released', (e) => e.item(RecordType.Released, 'q\xff', 9), { type: RecordType.Released, queue: 'q\xff', id: 9 }],
  ['expired', (e) => e.item(RecordType.Expired, 'q', 10), { type: RecordType.Expired, queue: 'q', id: 10 }],
  ['flushed', (e) => e.queue(RecordType.Flushed, 'q'), { type: RecordType.Flushed, queue: 'q' }],
  ['dropped', (e) => e.queue(RecordType.Dropped, 'q'), { type: RecordType.Dropped, queue: 'q' }],
  ['next_id', (e) => e.nextId(12345), { type: RecordType.NextId, id: 12345 }],
  [
    'snapshot_end',
    (e) => e.snapshotEnd(0, { serial: 77, endings: 5, lastEndedId: 2 ** 40 }),
    { type: RecordType.SnapshotEnd, id: 0, nextSerial: 77, nextEndings: 5, nextLastEndedId: 2 ** 40 },
  ],
  ['flush_all', (e) => e.flushAll(1_700_000_000_000), { type: RecordType.FlushAll, id: 1_700_000_000_000 }],
  ['reserved_run', (e) => e.reservedHead('jobs', BIG_ID), { type: RecordType.ReservedRun, queue: 'jobs', id: BIG_ID, count: 1 }],
  ['acked, alone in its run', (e) => e.acked('jobs', 5), { type: RecordType.Acked, queue: 'jobs', id: 5 }],
  [
    'acked_run',
    (e) => {
      e.acked('jobs', BIG_ID - 1);
      e.acked('jobs', BIG_ID);
    },
    { type: RecordType.AckedRun, queue: 'jobs', id: BIG_ID - 1, count: 2 },
  ],
];

function decodeAll(buf: Buffer): Array<Partial<DecodedRecord>> {
  const out: Array<Partial<DecodedRecord>> = [];
  const r = new DecodedRecord();
  const names = new NameCache();
  let at = 0;
  while (at < buf.length) {
    const next = decodeRecord(buf, at, buf.length, r, names);
    if (typeof next !== 'number') throw new Error(`${next.kind} at ${next.offset}: ${next.reason}`);
    out.push({ ...r, data: Buffer.from(r.data) });
    at = next;
  }
  return out;
}

describe('record codec', () => {
  it.each(CASES)('%s round-trips', (_name, encode, expected) => {
    const e = new RecordEncoder(16);
    encode(e);
    const [decoded] = decodeAll(e.takeView());
    expect(decoded).toMatchObject(expected);
  });

  it('round-trips every case in one stream, and enqueued data byte for byte', () => {
    const e = new RecordEncoder(16);
    for (const [, encode] of CASES) encode(e);
    const data = Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a]);
    e.enqueued('bin', 99, 0, 0, 5, data);
    const all = decodeAll(e.takeView());
    expect(all.map((r) => r.type)).toEqual([...CASES.map((c) => c[2].type), RecordType.Enqueued]);
    expect(all[all.length - 1].data).toEqual(data);
  });

  it('checksums with CRC-32 as zlib computes it, short and long', () => {
    for (const n of [0, 1, 7, 8, 9, 20, 127, 128, 255, 256, 4096]) {
      const b = Buffer.from(Array.from({ length: n + 3 }, (_, i) => (i * 7919 + n) & 0xff));
      expect(crc32(b, 3, n + 3)).toBe(zlib.crc32(b.subarray(3)));
    }
  });

  it('numbers records and counts the ending ones before each, with the id the newest one ended', () => {
    const e = new RecordEncoder(16, { serial: 10, endings: 4, lastEndedId: 3 });
    e.item(RecordType.Acked, 'q', 7);
    e.queue(RecordType.Flushed, 'q');
    e.enqueued('q', 8, 0, 0, 1, Buffer.from('x'));
    expect(decodeAll(e.takeView()).map((r) => [r.serial, r.endings, r.lastEndedId])).toEqual([
      [10, 4, 3],
      [11, 5, 7],
      [12, 6, 0],
    ]);
    expect(e.position).toEqual({ serial: 13, endings: 6, lastEndedId: 0 });
  });

  it('coalesces head reservations of one queue into one reserved_run, across acks and enqueues of later items', () => {
    const e = new RecordEncoder(16, { serial: 5, endings: 0, lastEndedId: 0 });
    e.reservedHead('a', 3);
    const oneRun = e.length;
    e.reservedHead('a', 4);
    e.reservedHead('a', 5);
    // The bytes a reply waits for cover the run from its first reservation on.
    expect(e.length).toBe(oneRun);
    e.reservedHead('b', 9); // another queue: a new run
    e.item(RecordType.Acked, 'b', 9); // an ack changes no head: the run goes on
    e.enqueued('c', 20, 0, 0, 1, Buffer.from('x')); // nor does an enqueue to another queue
    e.enqueued('b', 21, 0, 0, 1, Buffer.from('y')); // nor one to this queue, for items enqueued before it
    e.reservedHead('b', 10);
    e.reservedHead('b', 21); // enqueued after the run began: a new run
    e.item(RecordType.Released, 'b', 21); // any other record closes the run
    e.reservedHead('b', 21);
    const first = Buffer.from(e.takeView()); // handing the bytes over closes it too
    e.reservedHead('b', 22);
    const records = [...decodeAll(first), ...decodeAll(e.takeView())];
    expect(
      records.map((r) => [RECORD_NAMES[r.type!], r.queue, r.id, r.type === RecordType.ReservedRun ? r.count : '', r.serial]),
    ).toEqual([
      ['reserved_run', 'a', 3, 3, 5],
      ['reserved_run', 'b', 9, 2, 6],
      ['acked', 'b', 9, '', 7],
      ['enqueued', 'c', 20, '', 8],
      ['enqueued', 'b', 21, '', 9],
      ['reserved_run', 'b', 21, 1, 10],
      ['released', 'b', 21, '', 11],
      ['reserved_run', 'b', 21, 1, 12],
      ['reserved_run', 'b', 22, 1, 13],
    ]);
  });

  it('coalesces acks of one queue in id order into one acked_run while nothing is encoded between them', () => {
    const e = new RecordEncoder(16, { serial: 5, endings: 2, lastEndedId: 1 });
    e.acked('a', 3);
    const oneAck = e.length;
    e.acked('a', 4); // the acked record becomes an acked_run: 4 bytes more
    expect(e.length).toBe(oneAck + 4);
    e.acked('a', 5); // then each ack only counts
    expect(e.length).toBe(oneAck + 4);
    e.acked('a', 7); // not the next id: a new record
    e.acked('b', 8); // another queue: a new record
    e.acked('b', 9);
    e.reservedHead('b', 10); // any other record closes the run
    e.acked('b', 10);
    e.reservedHead('b', 11); // a reservation that joins the open reserved_run writes no record
    e.acked('b', 11);
    e.enqueued('c', 30, 0, 0, 1, Buffer.from('x'));
    e.acked('c', 30);
    const first = Buffer.from(e.takeView()); // handing the bytes over closes it too
    e.acked('c', 31);
    const records = [...decodeAll(first), ...decodeAll(e.takeView())];
    expect(
      records.map((r) => [
        RECORD_NAMES[r.type!],
        r.queue,
        r.id,
        r.type === RecordType.AckedRun || r.type === RecordType.ReservedRun ? r.count : '',
        r.serial,
        r.endings,
        r.lastEndedId,
      ]),
    ).toEqual([
      ['acked_run', 'a', 3, 3, 5, 2, 1],
      ['acked', 'a', 7, '', 6, 5, 5],
      ['acked_run', 'b', 8, 2, 7, 6, 7],
      ['reserved_run', 'b', 10, 2, 8, 8, 9],
      ['acked_run', 'b', 10, 2, 9, 8, 9],
      ['enqueued', 'c', 30, '', 10, 10, 11],
      ['acked', 'c', 30, '', 11, 10, 11],
      ['acked', 'c', 31, '', 12, 11, 30],
    ]);
    // An acked_run counts as the acks it holds.
    expect(e.position).toEqual({ serial: 13, endings: 12, lastEndedId: 31 });
  });

  it('calls an acked_run or reserved_run of no items corrupt', () => {
    const runs: Array<[string, (e: RecordEncoder) => void]> = [
      ['empty reserved run', (e) => e.reservedHead('q', 1)],
      ['empty acked run', (e) => [1, 2].forEach((id) => e.acked('q', id))],
    ];
    for (const [reason, encode] of runs) {
      const e = new RecordEncoder();
      encode(e);
      const bad = Buffer.from(e.takeView());
      bad.writeUInt32LE(0, bad.length - 4); // the count
      bad.writeUInt32LE(crc32(bad, 5, bad.length), 1);
      expect(decodeRecord(bad, 0, bad.length, new DecodedRecord(), new NameCache())).toEqual({
        offset: 0,
        kind: 'corrupt',
        reason,
      });
    }
  });

  it('finds a flipped byte anywhere in a record but its sync byte (which only helps a reader find records after damage)', () => {
    const e = new RecordEncoder();
    e.enqueued('jobs', 1, 0, 0, 0, Buffer.from('payload'));
    const good = Buffer.from(e.takeView());
    for (let i = 1; i < good.length; i++) {
      const bad = Buffer.from(good);
      bad[i] ^= 0x40;
      const next = decodeRecord(bad, 0, bad.length, new DecodedRecord(), new NameCache());
      expect(typeof next, `byte ${i}`).not.toBe('number');
    }
  });

  it('calls a cut record torn and says where', () => {
    const e = new RecordEncoder();
    e.item(RecordType.Acked, 'q', 5);
    const whole = e.takeView();
    for (let cut = 0; cut < whole.length; cut++) {
      const next = decodeRecord(whole, 0, cut, new DecodedRecord(), new NameCache());
      expect(next).toMatchObject({ kind: 'torn', offset: 0 });
    }
  });

  it('encodes the example of docs/journal-format.md byte for byte', () => {
    const e = new RecordEncoder(64, { serial: 42, endings: 3, lastEndedId: 5 });
    e.item(RecordType.Acked, 'jobs', 7);
    expect(e.takeView().toString('hex')).toBe('a57f2d70f31e0000002a00000003000000050000000000000003046a6f62730700000000000000');
  });

  it('refuses to encode a queue name the format cannot hold', () => {
    expect(() => new RecordEncoder().item(RecordType.Acked, 'x'.repeat(251), 1)).toThrow(RangeError);
    expect(() => new RecordEncoder().queue(RecordType.Flushed, '')).toThrow(RangeError);
  });
});

describe('file header', () => {
  it('round-trips and rejects other files', () => {
    expect(decodeHeader(encodeHeader(FileKind.Snapshot, 42, 2 ** 40, 9))).toEqual({
      version: 5,
      kind: FileKind.Snapshot,
      seq: 42,
      nextId: 2 ** 40,
      nextSerial: 9,
      bytes: 32,
    });
    const problem = (h: ReturnType<typeof decodeHeader>) => (isHeader(h) ? null : h.problem);
    expect(problem(decodeHeader(Buffer.from('PK\x03\x04 not a journal at all')))).toMatch(/bad magic/);
    expect(problem(decodeHeader(encodeHeader(FileKind.Segment, 1, 1).subarray(0, 10)))).toMatch(/cut short/);
    const flipped = encodeHeader(FileKind.Segment, 1, 1);
    flipped[13] ^= 1;
    expect(decodeHeader(flipped)).toEqual({ problem: 'file header checksum mismatch', unsupported: false });
  });

  it('calls a sound header of a version it does not read unsupported, so that the file is left alone', () => {
    const future = encodeHeader(FileKind.Segment, 1, 1);
    future.writeUInt16LE(6, 8);
    future.writeUInt32LE(crc32(future, 0, 28), 28);
    expect(decodeHeader(future)).toEqual({
      problem: 'journal format version 6 is not supported (this rq reads 1 and 2 and 3 and 4 and 5)',
      unsupported: true,
    });
  });
});
