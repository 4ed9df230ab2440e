/**
 * ReplayState against a plain model of the same rules, on long random sequences of records
 * (ids out of order, re-enqueued ids, thousands of removals that make it compact its columns, runs of
 * reservations at the head and off it).
 */
import { describe, expect, it } from 'vitest';
import { DecodedRecord } from '../../../src/journal/decoder.js';
import { RecordType } from '../../../src/journal/format.js';
import { ReplayState } from '../../../src/journal/replay-state.js';

interface ModelItem {
  id: number;
  open: number;
  key: number;
}

/** The rules of docs/journal-format.md "Replay", written the slow and obvious way. */
class Model {
  items: ModelItem[] = [];
  private tail = 0;
  private head = 0;
  private res = 0;
  enqueue(id: number) {
    this.items = this.items.filter((i) => i.id !== id);
    this.items.push({ id, open: 0, key: ++this.tail });
  }
  find(id: number) {
    return this.items.find((i) => i.id === id);
  }
  remove(id: number) {
    this.items = this.items.filter((i) => i.id !== id);
  }
  reserve(id: number) {
    const i = this.find(id);
    if (i) i.open = ++this.res;
  }
  release(id: number) {
    const i = this.find(id);
    if (i) {
      i.open = 0;
      i.key = -++this.head;
    }
  }
  flush() {
    this.items = this.items.filter((i) => i.open > 0);
  }
  /** Ready items in queue order, head first. */
  ready(): number[] {
    return this.items
      .filter((i) => i.open === 0)
      .sort((a, b) => a.key - b.key)
      .map((i) => i.id);
  }
  /** reserved_run: `first` and the `count` − 1 ready items after it in queue order (the head's when all is well). */
  reserveRun(first: number, count: number) {
    const ready = this.ready();
    for (const id of ready.slice(ready.indexOf(first), ready.indexOf(first) + count)) this.reserve(id);
  }
  order(): number[] {
    const open = this.items.filter((i) => i.open > 0).sort((a, b) => a.id - b.id);
    const ready = this.items.filter((i) => i.open === 0).sort((a, b) => a.key - b.key);
    return [...open, ...ready].map((i) => i.id);
  }
}

function record(type: number, id = 0, count = 0): DecodedRecord {
  return Object.assign(new DecodedRecord(), { type, queue: 'q', id, count, data: Buffer.from(`d${id}`) });
}

/** A small deterministic generator (tests must not depend on Math.random's seed). */
function rng(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
}

describe('ReplayState', () => {
  it.each([1, 2, 3, 4, 5])('agrees with the model on a random journal (seed %i)', (seed) => {
    const rand = rng(seed);
    const state = new ReplayState();
    const model = new Model();
    let nextId = 1;
    let offHeadRuns = 0;
    const apply = (type: number, id: number) => {
      state.apply(record(type, id));
      if (type === RecordType.Enqueued) model.enqueue(id);
      else if (type === RecordType.Reserved) model.reserve(id);
      else if (type === RecordType.Released) model.release(id);
      else if (type === RecordType.Acked || type === RecordType.Expired) model.remove(id);
      else if (type === RecordType.Flushed) model.flush();
    };
    for (let step = 0; step < 20_000; step++) {
      const live = model.items;
      const pick = () => (live.length > 0 && rand() < 0.95 ? live[Math.floor(rand() * live.length)].id : nextId + 5);
      const x = rand();
      if (x < 0.35) apply(RecordType.Enqueued, nextId++);
      else if (x < 0.37 && nextId > 10)
        apply(RecordType.Enqueued, Math.floor(rand() * nextId) + 1); // an id again
      else if (x < 0.55) apply(RecordType.Reserved, pick());
      else if (x < 0.85) apply(RecordType.Acked, pick());
      else if (x < 0.95) apply(RecordType.Released, pick());
      else if (x < 0.999) apply(RecordType.Expired, pick());
      else apply(RecordType.Flushed, 0);
      // From v4: runs of reservations at the head, and now and then one that does not start there.
      const ready = model.ready();
      if (ready.length > 0 && rand() < 0.15) {
        const offHead = rand() < 0.1;
        const first = offHead ? ready[Math.floor(rand() * ready.length)] : ready[0];
        const count = 1 + Math.floor(rand() * 4);
        state.apply(record(RecordType.ReservedRun, first, count));
        model.reserveRun(first, count);
        if (offHead && first !== ready[0]) offHeadRuns++;
      }
    }
    expect(state.anomalies.runsOffHead).toBe(offHeadRuns);
    expect(offHeadRuns).toBeGreaterThan(10);
    const got: number[] = [];
    state.queues.get('q')?.forEach((item) => got.push(item.id));
    expect(got).toEqual(model.order());
    expect(state.totals().items).toBe(model.items.length);
  });
});

describe('ReplayState item data', () => {
  it('is a copy: the buffers records were read in can be dropped or reused once decoded', () => {
    const state = new ReplayState();
    const read = Buffer.from('....first....second....');
    const enqueue = (id: number, start: number, end: number) =>
      state.apply(
        Object.assign(new DecodedRecord(), {
          type: RecordType.Enqueued,
          queue: 'q',
          id,
          source: read,
          dataStart: start,
          dataEnd: end,
        }),
      );
    enqueue(1, 4, 9);
    enqueue(2, 13, 19);
    read.fill(0); // the reader's buffer, reused for the next piece
    const got: string[] = [];
    state.queues.get('q')!.forEach((item) => got.push(item.data.toString()));
    expect(got).toEqual(['first', 'second']);
    for (const item of state.queues.get('q')!.snapshotOrder()) expect(item.item.data.buffer).not.toBe(read.buffer);
  });

  it('keeps every item intact across slabs, large ones included, while acks free slabs', () => {
    const state = new ReplayState();
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    const rec = (type: number, id: number, data?: Buffer) =>
      state.apply(Object.assign(new DecodedRecord(), { type, queue: 'q', id, ...(data ? { data } : {}) }));
    let id = 1;
    for (; id <= 30_000; id++) rec(RecordType.Enqueued, id, Buffer.from(`item-${id}-${'x'.repeat(id % 200)}`));
    rec(RecordType.Enqueued, id++, big);
    for (let a = 1; a <= 29_000; a++) rec(RecordType.Acked, a);
    for (; id <= 40_000; id++) rec(RecordType.Enqueued, id, Buffer.from(`item-${id}-${'x'.repeat(id % 200)}`));
    const got: Buffer[] = [];
    const ids: number[] = [];
    state.queues.get('q')!.forEach((item) => (ids.push(item.id), got.push(item.data)));
    expect(ids).toHaveLength(1000 + 1 + 9_999);
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] === 30_001) expect(got[i].equals(big)).toBe(true);
      else expect(got[i].toString()).toBe(`item-${ids[i]}-${'x'.repeat(ids[i] % 200)}`);
    }
  });
});
