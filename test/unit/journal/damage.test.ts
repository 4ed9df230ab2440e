/**
 * Damage costs the damaged record, not the rest (docs/durability.md: "What each kind of damage can
 * cost"). A journal of several segments and a snapshot, with every record type, is damaged one record
 * at a time (a flipped byte; a broken length; a broken header) and restarted: what comes back must be
 * the undamaged journal's state less exactly what the damaged record may cost, no acknowledged item may
 * come back unless a warning names it, the original of the damaged file is kept as `<name>.damaged`,
 * and the next restart is quiet and restores the same.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RECORD_NAMES, RecordType } from '../../../src/journal/format.js';
import { MemoryStore } from '../../../src/journal/memory-store.js';
import { readJournal } from '../../../src/journal/reader.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { openEngine, settled, T0, type Journaled } from '../../helpers/journaled-engine.js';

/**
 * What a damaged record of each type can cost (besides where items come back: order), as the tests
 * below check it and as docs/durability.md's table says it (the last test holds them together).
 */
type Cost = 'that item' | 'nothing' | 'the items it removed come back' | 'its item is ready or back in its queue';
const COST: Record<string, Cost> = {
  enqueued: 'that item',
  reserved: 'nothing',
  reserved_run: 'nothing',
  released: 'nothing',
  acked: 'nothing',
  acked_run: 'nothing',
  expired: 'nothing',
  flushed: 'the items it removed come back',
  dropped: 'the items it removed come back',
  next_id: 'nothing',
  snapshot_end: 'nothing',
  flush_all: 'nothing',
  // A lost delay makes its item ready at once; a lost dead-letter move leaves the item in its queue.
  delayed: 'its item is ready or back in its queue',
  dead: 'its item is ready or back in its queue',
  due: 'nothing',
  fanout: 'nothing',
  deliveries: 'nothing',
};

/** The item a lost enqueued record takes with it, as `state` lists it: where it is, or in its dead queue. */
function ownItem(r: RecordAt, intact: string[]): string[] {
  if (intact.includes(r.data)) return [r.data];
  const dead = `${r.queue}.dead:${r.data.slice(r.queue.length + 1)}`;
  return r.data !== '' && intact.includes(dead) ? [dead] : [];
}

/** What a record's loss may move: an item back in its queue (a lost dead move) is gone from the dead queue. */
function movedAway(r: RecordAt, x: string): boolean {
  return r.type === 'dead' && x.startsWith(`${r.queue}.dead:`);
}

/** Small segments, no snapshots from memory: a compaction by reading (once acks made enough dead), a snapshot and several segments. */
const OPTIONS = { segmentBytes: 700, compactMinBytes: 1500, captureMaxItems: 0 };
/** When the damaged journals are restarted: after 'soon' expired. */
const RESTART_AT = T0 + 60_000;

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Every queue's items as `queue:data`, head first; open items come back at the head. */
function state(j: Journaled): string[] {
  return j.engine
    .queueNames()
    .sort()
    .flatMap((q) => [...j.engine.readyItems(q)].map((i) => `${q}:${i.data.toString()}`));
}

interface RecordAt {
  file: string;
  offset: number;
  size: number;
  type: string;
  queue: string;
  id: number;
  /** Data of an enqueued record. */
  data: string;
}

/** Writes the journal under test and returns its store (as a kill -9 leaves it) with its records. */
async function writeJournal(): Promise<{ store: MemoryStore; records: RecordAt[]; acked: Set<string> }> {
  const store = new MemoryStore();
  const j = openEngine(store, OPTIONS, T0, { maxDeliveries: 10 }); // past what the mail items see
  const { engine, journal } = j;
  const worker = engine.newHolder();
  const holder = engine.newHolder();
  const acked = new Set<string>();
  let n = 0;
  const push = (q: string, expiresAt = 0) =>
    engine.enqueue(q, n % 5, expiresAt, Buffer.from(`${q}-${String(n++).padStart(3, '0')}`), T0);
  const ack = (q: string) => {
    const item = engine.reserve(worker, q, T0);
    if (item === null || item === 'too_many_open') throw new Error('nothing to ack');
    engine.ack(worker, q);
    acked.add(`${q}:${item.data.toString()}`);
  };
  /** From v5: acks of items in id order with nothing between them, one acked_run record. */
  const ackRun = (q: string, n: number) => {
    const items = Array.from({ length: n }, () => engine.reserve(worker, q, T0));
    for (const item of items) {
      if (item === null || item === 'too_many_open') throw new Error('nothing to ack');
      engine.ack(worker, q);
      acked.add(`${q}:${item.data.toString()}`);
    }
  };
  const redeliver = (q: string) => {
    engine.reserve(worker, q, T0);
    engine.release(worker, q, T0);
  };
  // Open while the first segments are folded: the snapshot holds it as enqueued + reserved (a per-item record).
  push('held');
  engine.reserve(holder, 'held', T0);
  // Acked jobs make enough of the first segments dead for a compaction by reading to fold them.
  for (let round = 0; round < 12; round++) {
    push('jobs');
    push('jobs');
    push('mail');
    ack('jobs');
    if (round >= 4) ack('jobs'); // four jobs left for the rounds below
    if (round % 3 === 0) redeliver('mail');
    await settled(journal);
  }
  while (journal.figures.compactions === 0) await turn();
  push('ttl', T0 + 1000); // expires before the restart
  push('ttl', T0 + 3_600_000);
  push('flushed');
  push('flushed');
  engine.flush('flushed');
  push('gone');
  engine.dropQueue('gone');
  for (let round = 0; round < 8; round++) {
    push('jobs');
    push('mail');
    if (round % 2 === 0) {
      push('jobs');
      ackRun('jobs', 2);
    }
    ack('jobs');
    if (round % 3 === 0) redeliver('mail');
    ack('mail');
    await settled(journal);
  }
  // Work that fails: a fanout queue and its copy, a delayed item, one that comes due, a dead-letter move.
  engine.peek('fan+out', T0);
  push('fan');
  engine.enqueue('later', 0, 0, Buffer.from('later-1'), T0, 3_600_000);
  engine.enqueue('soon', 0, 0, Buffer.from('soon-1'), T0, 10);
  engine.tick(T0 + 10);
  push('poison');
  for (let i = 0; i < 10; i++) redeliver('poison');
  engine.peek('ttl', T0 + 2000); // the first ttl item expires at the head: an expired record
  engine.reserve(holder, 'jobs', T0); // open at the end: back at the head after a restart
  engine.reserve(holder, 'mail', T0);
  engine.enqueue('jobs', 0, 0, Buffer.from('last'), T0);
  ack('mail'); // the journal's last record is an ack
  await settled(journal);
  const records: RecordAt[] = [];
  readJournal(store, {
    onRecord: (r, f) =>
      records.push({
        file: f.name,
        offset: r.offset,
        size: r.size,
        type: RECORD_NAMES[r.type],
        queue: r.queue,
        id: r.id,
        data: r.type === RecordType.Enqueued ? `${r.queue}:${r.data.toString()}` : '',
      }),
  });
  return { store: store.killed(), records, acked };
}

/** Restarts at RESTART_AT (its snapshots too drop what expired by then, and no more). */
function restart(store: MemoryStore): Journaled {
  return openEngine(store, { ...OPTIONS, clock: new ManualClock(RESTART_AT) }, RESTART_AT);
}

function flipped(store: MemoryStore, file: string, at: number, mask = 0x5a): MemoryStore {
  const copy = store.killed();
  const bytes = copy.read(file, 0, copy.size(file));
  bytes[at] ^= mask;
  copy.put(file, bytes);
  return copy;
}

describe('damage costs the damaged record, not the rest', () => {
  it('the journal under test has a snapshot, several segments and every record type', async () => {
    const { store, records } = await writeJournal();
    const files = new Set(records.map((r) => r.file));
    expect([...files].filter((f) => f.startsWith('snapshot.'))).toHaveLength(1);
    expect([...files].filter((f) => f.startsWith('journal.')).length).toBeGreaterThan(3);
    // deliveries records are written in snapshots only, for items delivered before: the mail items.
    expect(new Set(records.map((r) => r.type))).toEqual(new Set(Object.values(RECORD_NAMES).filter((t) => t !== 'flush_all')));
    expect(records[records.length - 1].type).toBe('acked');
    expect(restart(store).warnings).toEqual([]);
  });

  it('a byte flipped in the middle of any record costs at most what docs/durability.md says', async () => {
    const { store, records, acked } = await writeJournal();
    const intact = state(restart(store.killed()));
    const lastEnding = records.map((r) => r.type).lastIndexOf('acked');
    for (const [index, r] of records.entries()) {
      const damaged = flipped(store, r.file, r.offset + Math.floor(r.size / 2));
      const j = restart(damaged);
      const after = state(j);
      const where = `${r.type} at ${r.file}@${r.offset}`;
      const back = after.filter((x) => !intact.includes(x));
      const lost = intact.filter((x) => !after.includes(x));
      // Nothing back but what the docs say, or the journal's very last ack, which a warning names.
      for (const x of back) {
        expect(
          index === lastEnding ||
            COST[r.type] === 'the items it removed come back' ||
            COST[r.type] === 'its item is ready or back in its queue',
          `${where}: ${x} came back`,
        ).toBe(true);
        if (acked.has(x)) expect(j.warnings.join('\n'), where).toMatch(/WARNING: items? .* may have been acknowledged already/);
      }
      // Nothing lost but the damaged record's own item.
      expect(
        lost.filter((x) => !movedAway(r, x)),
        where,
      ).toEqual(COST[r.type] === 'that item' ? ownItem(r, intact) : []);
      expect(j.warnings.join('\n'), where).toContain(r.file);
      expect(damaged.list(), where).toContain(`${r.file}.damaged`);
      expect(
        damaged
          .read(`${r.file}.damaged`, 0, 1 << 20)
          .equals(flipped(store, r.file, r.offset + Math.floor(r.size / 2)).read(r.file, 0, 1 << 20)),
        where,
      ).toBe(true);
      // The next restart is quiet and restores the same.
      await j.journal.close();
      const again = restart(damaged.killed());
      expect(again.warnings, `${where}: second restart`).toEqual([]);
      expect(state(again), `${where}: second restart`).toEqual(after);
      await again.journal.close();
    }
  });

  it('one bit flipped anywhere in any record costs that record alone: no acknowledged item comes back unnamed', async () => {
    const { store, records, acked } = await writeJournal();
    const intact = state(restart(store.killed()));
    const lastEnding = records.map((r) => r.type).lastIndexOf('acked');
    for (const [index, r] of records.entries()) {
      // The flipped bit walks through the record: sync, crc, length, serial, endings, last_ended, type, body.
      const at = r.offset + ((index * 5) % r.size);
      const where = `${r.type} at ${r.file}@${r.offset}, bit ${index % 8} of byte ${at - r.offset}`;
      const j = restart(flipped(store, r.file, at, 1 << (index % 8)));
      const after = state(j);
      const lost = intact.filter((x) => !after.includes(x));
      expect(
        lost.every((x) => (ownItem(r, intact).includes(x) && COST[r.type] === 'that item') || movedAway(r, x)),
        `${where}: lost ${lost.join(', ')}`,
      ).toBe(true);
      for (const x of after.filter((y) => !intact.includes(y))) {
        expect(
          index === lastEnding ||
            COST[r.type] === 'the items it removed come back' ||
            COST[r.type] === 'its item is ready or back in its queue',
          `${where}: ${x} came back`,
        ).toBe(true);
        if (acked.has(x)) expect(j.warnings.join('\n'), where).toMatch(/WARNING: items? .* may have been acknowledged already/);
      }
      // The sync byte is outside the crc: it only guides a scan, and a flipped one costs nothing.
      if (at !== r.offset) expect(j.warnings.join('\n'), where).toContain(r.file);
      await j.journal.close();
    }
  });

  it('a reserved_run with a bit flipped in any of its fields costs nothing: the run after it is found by id', async () => {
    const { store, records, acked } = await writeJournal();
    const intact = state(restart(store.killed()));
    const runs = records.filter((r) => r.type === 'reserved_run');
    expect(runs.length).toBeGreaterThan(3);
    for (const r of runs.slice(0, 4)) {
      for (let byte = 0; byte < r.size; byte++) {
        const bit = (byte * 3) % 8;
        const where = `reserved_run at ${r.file}@${r.offset}, bit ${bit} of byte ${byte}`;
        const j = restart(flipped(store, r.file, r.offset + byte, 1 << bit));
        const after = state(j);
        expect(
          intact.filter((x) => !after.includes(x)),
          `${where}: lost`,
        ).toEqual([]);
        for (const x of after.filter((y) => !intact.includes(y))) expect(acked.has(x), `${where}: ${x} came back`).toBe(false);
        if (byte > 0) expect(j.warnings.join('\n'), where).toContain(r.file);
        await j.journal.close();
      }
    }
  });

  it('a lost reserved_run is reported by the run after it, whose items are found by id', async () => {
    const store = new MemoryStore();
    const { engine, journal } = openEngine(store, OPTIONS, T0);
    const holder = engine.newHolder();
    for (const data of ['a', 'b', 'c', 'd']) engine.enqueue('q', 0, 0, Buffer.from(data), T0);
    engine.reserve(holder, 'q', T0); // a: the run that is lost below
    engine.enqueue('other', 0, 0, Buffer.from('x'), T0);
    engine.flush('other'); // a record that closes the run
    engine.reserve(holder, 'q', T0); // b and c: a run of two, which no longer starts at the head
    engine.reserve(holder, 'q', T0);
    await settled(journal);
    const runs: RecordAt[] = [];
    readJournal(store, {
      onRecord: (r, f) => {
        if (r.type === RecordType.ReservedRun)
          runs.push({ file: f.name, offset: r.offset, size: r.size, type: '', queue: '', id: 0, data: '' });
      },
    });
    expect(runs).toHaveLength(2);
    const j = restart(flipped(store, runs[0].file, runs[0].offset + runs[0].size - 2));
    expect(j.warnings.join('\n')).toMatch(
      /a reserved_run record did not start at the head of its queue \(q, item \d+\): reserved by id from there/,
    );
    // b and c were open and come back at the head; a was never reserved as far as the journal knows.
    expect(state(j)).toEqual(['q:b', 'q:c', 'q:a', 'q:d']);
    await j.journal.close();
  });

  it('a lost acked_run is found again from the record after it: its items stay gone, and the warning says so', async () => {
    const store = new MemoryStore();
    const { engine, journal } = openEngine(store, OPTIONS, T0);
    const holder = engine.newHolder();
    for (const data of ['a', 'b', 'c', 'd', 'e']) engine.enqueue('q', 0, 0, Buffer.from(data), T0);
    for (let i = 0; i < 4; i++) engine.reserve(holder, 'q', T0);
    engine.ack(holder, 'q'); // a, b, c: the run that is lost below
    engine.ack(holder, 'q');
    engine.ack(holder, 'q');
    engine.enqueue('q', 0, 0, Buffer.from('f'), T0); // the record after it, which names c
    await settled(journal);
    const runs: RecordAt[] = [];
    readJournal(store, {
      onRecord: (r, f) => {
        if (r.type === RecordType.AckedRun)
          runs.push({ file: f.name, offset: r.offset, size: r.size, type: '', queue: '', id: r.id, data: '' });
      },
    });
    expect(runs).toHaveLength(1);
    const j = restart(flipped(store, runs[0].file, runs[0].offset + runs[0].size - 2));
    expect(j.warnings.join('\n')).toMatch(
      new RegExp(`the acks of 3 items up to ${runs[0].id + 2} \\(an acked_run\\) were among them and are applied`),
    );
    expect(j.warnings.join('\n')).not.toMatch(/WARNING/);
    // d was open and comes back at the head; a, b and c stay acknowledged.
    expect(state(j)).toEqual(['q:d', 'q:e', 'q:f']);
    await j.journal.close();
  });

  it('a broken length costs nothing: the reader finds the next record by scanning, and this one whole', async () => {
    const { store, records } = await writeJournal();
    const intact = state(restart(store.killed()));
    for (const r of records) {
      const damaged = store.killed();
      const bytes = damaged.read(r.file, 0, damaged.size(r.file));
      bytes.writeUInt32LE(0x00ffffff, r.offset + 5);
      damaged.put(r.file, bytes);
      const j = restart(damaged);
      expect(state(j), `${r.type} at ${r.file}@${r.offset}`).toEqual(intact);
      expect(j.warnings.join('\n')).toMatch(
        new RegExp(`${r.file}: corrupt record at offset ${r.offset} \\(.*; only its length field was damaged`),
      );
    }
  });

  it('a record whose bytes after the length are wrong costs that record, and the reader says which', async () => {
    const { store, records } = await writeJournal();
    const intact = state(restart(store.killed()));
    for (const r of records.filter((x) => x.type === 'enqueued')) {
      const j = restart(flipped(store, r.file, r.offset + r.size - 1));
      expect(
        intact.filter((x) => !state(j).includes(x)),
        `${r.file}@${r.offset}`,
      ).toEqual(ownItem(r, intact));
      expect(j.warnings.join('\n')).toMatch(/1 record lost \(serial \d+\); none of them ended an item/);
    }
  });

  it('a damaged file header loses none of the records after it', async () => {
    const { store, records } = await writeJournal();
    const intact = state(restart(store.killed()));
    for (const file of new Set(records.map((r) => r.file))) {
      for (const at of [0, 9, 13]) {
        const j = restart(flipped(store, file, at));
        expect(state(j), `${file} header byte ${at}`).toEqual(intact);
        expect(j.warnings.join('\n')).toContain(file);
      }
    }
  });

  it('an item id is never issued twice, damaged or not', async () => {
    const { store, records } = await writeJournal();
    const maxId = Math.max(...records.filter((r) => r.type === 'enqueued').map((r) => r.id));
    for (const r of records) {
      const j = restart(flipped(store, r.file, r.offset + Math.floor(r.size / 2)));
      expect(j.engine.enqueue('q', 0, 0, Buffer.from('new'), RESTART_AT), `${r.type} at ${r.file}@${r.offset}`).toBeGreaterThan(
        maxId,
      );
    }
  });

  it('a version 1 journal (the golden files) is read past damage too: two records in a row must verify', () => {
    const golden = new MemoryStore();
    const dir = path.resolve(__dirname, '../../fixtures/journal/v1');
    for (const f of fs.readdirSync(dir)) golden.put(f, fs.readFileSync(path.join(dir, f)));
    const records: RecordAt[] = [];
    readJournal(golden, {
      onRecord: (r, f) =>
        records.push({
          file: f.name,
          offset: r.offset,
          size: r.size,
          type: RECORD_NAMES[r.type],
          queue: r.queue,
          id: r.id,
          data: r.type === RecordType.Enqueued ? `${r.queue}:${r.data.toString()}` : '',
        }),
    });
    const intact = state(restart(golden.killed()));
    for (const r of records) {
      const j = restart(flipped(golden, r.file, r.offset + Math.floor(r.size / 2)));
      const after = state(j);
      const where = `${r.type} at ${r.file}@${r.offset}`;
      expect(
        intact.filter((x) => !after.includes(x)),
        where,
      ).toEqual(r.type === 'enqueued' && intact.includes(r.data) ? [r.data] : []);
      // No serials in version 1: a lost ack is not found again, and a warning names what may come back.
      const back = after.filter((x) => !intact.includes(x));
      if (back.length > 0) expect(['acked', 'expired', 'flushed', 'dropped'], where).toContain(r.type);
      expect(j.warnings.join('\n'), where).toMatch(/records? lost|the record is whole and used/);
    }
  });

  it('docs/durability.md says for each record type what these tests check it can cost', () => {
    const doc = fs.readFileSync(path.resolve(__dirname, '../../../docs/durability.md'), 'utf8');
    const table = doc.slice(doc.indexOf('## What each kind of damage can cost'));
    for (const [type, cost] of Object.entries(COST)) {
      const row = table.split('\n').find((l) => l.startsWith('| a damaged ') && l.split('|')[1].includes(`\`${type}\``));
      expect(row, type).toBeDefined();
      expect(row!.split('|')[2].trim(), type).toMatch(new RegExp(`^${cost}`));
    }
  });
});
