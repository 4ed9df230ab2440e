/**
 * The engine against a deliberately simple reference model (plain arrays, linear scans, no packing,
 * no heap) over thousands of seeded random operations: results, journal changes, wake-ups, deadlines,
 * ready and open items and stats must agree after every step.
 *
 * Deadlines (lease ends, wait timeouts) are kept distinct: entries due at the same millisecond are
 * processed in an unspecified order, which the model does not pin down. Delayed items may share a due
 * time: they join the tail in the order they were delayed, which both sides promise.
 *
 * The model learns delivery counts and dead-lettering (maxDeliveries 3), delays (set and release),
 * lease renewal (touch) and fanout queues (`a+x`, `a+y` copy `a`).
 */
import { describe, expect, it } from 'vitest';
import { QueueEngine, TOO_MANY_OPEN, type Holder } from '../../../src/queue/engine.js';
import { UNLIMITED } from '../../../src/queue/limits.js';
import type { Item } from '../../../src/queue/types.js';
import { RecordingLog } from '../../helpers/engine.js';
import { MAX_DELIVERIES, MAX_OPEN, MHolder, Model, type MItem } from '../../helpers/queue-model.js';
import { Random } from '../../helpers/random.js';

function summary(item: Item | MItem | null | typeof TOO_MANY_OPEN): string {
  if (item === null || item === TOO_MANY_OPEN) return String(item);
  const data = typeof item.data === 'string' ? item.data : item.data.toString('latin1');
  return `${item.id} ${item.flags} ${item.expiresAt} ${item.enqueuedAt} d${item.deliveries} ${data.length}:${data.slice(0, 40)}`;
}

/** One connection in both worlds. */
interface Pair {
  readonly engine: Holder;
  readonly model: MHolder;
  waiting: boolean;
}

function run(seed: number, steps: number): void {
  const random = new Random(seed);
  const log = new RecordingLog();
  const engine = new QueueEngine({ ...UNLIMITED, maxOpen: MAX_OPEN, maxDeliveries: MAX_DELIVERIES }, log);
  const model = new Model();
  const engineWakes: string[] = [];
  const wakeCounts = new Map<string, number>();
  const names = ['a', 'b', 'c', 'a+x', 'a+y', 'a.dead', 'b.dead'];
  const usedDeadlines = new Set<number>();
  let now = 1_000_000;
  let waiterSeq = 0;
  /** The kinds of change seen, so the run is known to have exercised each rule. */
  const kinds = new Set<string>();

  const newPair = (): Pair => ({ engine: engine.newHolder(), model: new MHolder(), waiting: false });
  const pairs: Pair[] = [newPair(), newPair(), newPair(), newPair()];

  /** A duration from now whose end no other deadline shares. */
  const distinct = (min: number, max: number): number => {
    let ms = random.int(min, max);
    while (usedDeadlines.has(now + ms)) ms++;
    usedDeadlines.add(now + ms);
    return ms;
  };

  const dataOf = (id: number, n: number) => String.fromCharCode(97 + (id % 26)).repeat(n);

  const startWait = (p: Pair, name: string, peek: boolean, leaseMs: number) => {
    const tag = `w${++waiterSeq}`;
    const waitMs = distinct(1, 60);
    p.waiting = true;
    engine.wait(p.engine, name, now, waitMs, peek, leaseMs, (item) => {
      engineWakes.push(`${tag}:${item === null ? 'null' : item.id}`);
      wakeCounts.set(tag, (wakeCounts.get(tag) ?? 0) + 1);
      p.waiting = false;
    });
    model.wait(p.model, name, now, waitMs, peek, leaseMs, tag);
  };

  const openIds = (): Array<[string, number]> =>
    model.queues.size === 0
      ? []
      : [...model.queues.values()].flatMap((q) => q.open.map((r): [string, number] => [q.name, r.item.id]));

  for (let step = 0; step < steps; step++) {
    const where = `seed ${seed} step ${step}`;
    now += random.chance(0.1) ? random.int(0, 40) : random.int(0, 3);
    // The server's timer may fire late, or not yet: tick only sometimes.
    if (random.chance(0.7) && engine.nextDeadline() <= now) {
      engine.tick(now);
      model.tick(now);
    }
    const free = pairs.filter((p) => !p.waiting);
    const p = free.length > 0 ? random.pick(free) : null;
    const name = random.chance(0.7) ? random.pick(names.slice(0, 3)) : random.pick(names);
    const delayMs = random.chance(0.2) ? random.int(1, 60) : 0;
    const op = random.int(0, 99);
    let result: [unknown, unknown] = [null, null];
    if (op < 30) {
      const roll = random.next();
      const expiresAt = roll < 0.8 ? 0 : roll < 0.93 ? now + random.int(1, 50) : now - random.int(0, 3);
      const size = random.chance(0.005) ? 70_000 : random.int(0, 20);
      const flags = random.int(0, 4);
      const id = model.nextId;
      result = [
        engine.enqueue(name, flags, expiresAt, Buffer.from(dataOf(id, size), 'latin1'), now, delayMs),
        model.enqueue(name, flags, expiresAt, dataOf(id, size), now, delayMs),
      ];
    } else if (op < 50 && p !== null) {
      const leaseMs = random.chance(0.3) ? distinct(1, 80) : 0;
      const got = engine.reserve(p.engine, name, now, leaseMs);
      result = [summary(got), summary(model.reserve(p.model, name, now, leaseMs))];
      // A waiter's lease starts when it is served, at a time not known now: a unique fraction of a
      // millisecond keeps its end distinct from every other deadline.
      if (got === null && random.chance(0.5)) startWait(p, name, false, leaseMs === 0 ? 0 : leaseMs + ++waiterSeq / 1e6);
    } else if (op < 55 && p !== null) {
      const got = engine.peek(name, now);
      result = [summary(got), summary(model.peek(name, now))];
      if (got === null && random.chance(0.5)) startWait(p, name, true, 0);
    } else if (op < 67 && p !== null) {
      result = [engine.ack(p.engine, name), model.ack(p.model, name)];
    } else if (op < 73 && p !== null) {
      result = [engine.release(p.engine, name, now, delayMs), model.release(p.model, name, now, delayMs)];
    } else if (op < 80) {
      const open = openIds();
      const [q, id] = open.length > 0 && random.chance(0.8) ? random.pick(open) : [name, random.int(1, model.nextId + 2)];
      const roll = random.next();
      if (roll < 0.55) result = [engine.ackById(q, id), model.ackById(q, id)];
      else if (roll < 0.8) result = [engine.releaseById(q, id, now, delayMs), model.releaseById(q, id, now, delayMs)];
      else if (p !== null) {
        // Renew one item by id, or every item this connection holds on q; sometimes to no lease at all.
        // (Renewing several items gives them one deadline, a tie in unspecified order: one at most here.)
        const byId = random.chance(0.6) || engine.heldCount(p.engine, q) > 1 ? id : -1;
        const leaseMs = random.chance(0.8) ? distinct(1, 80) : 0;
        result = [engine.touch(p.engine, q, byId, now, leaseMs), model.touch(p.model, q, byId, now, leaseMs)];
      }
    } else if (op < 86) {
      const i = random.int(0, pairs.length - 1);
      engine.closeHolder(pairs[i].engine, now);
      model.closeHolder(pairs[i].model, now);
      pairs[i] = newPair();
    } else if (op < 88) {
      result = [engine.flush(name) >= 0, model.flush(name) === undefined];
    } else if (op < 89) {
      const delay = random.chance(0.5) ? 0 : random.int(1, 100);
      engine.flushAll(now, delay);
      model.flushAll(now, delay);
    } else if (op < 90) {
      result = [engine.dropQueue(name), model.dropQueue(name)];
    } else if (op < 95) {
      result = [engine.stats(now), model.stats(now)];
    }

    // One snapshot of each side per step, compared as JSON first (fast), with a readable diff on failure.
    const engineSide = {
      result: result[0],
      changes: log.take(),
      wakes: engineWakes.splice(0),
      nextDeadline: engine.nextDeadline(),
      queues: engine.queueNames().map((q) => ({
        name: q,
        ready: [...engine.readyItems(q)].map(summary),
        open: engine.openItems(q).map((i) => i.id),
        delayed: engine.delayedItems(q).map((d) => `${d.item.id}@${d.dueAt}`),
        held: pairs.map((pair) => engine.heldCount(pair.engine, q)),
      })),
      totalItems: engine.totals().totalItems,
      open: engine.totals().open,
    };
    const modelSide = {
      result: result[1],
      changes: model.log.splice(0),
      wakes: model.wakes.splice(0),
      nextDeadline: model.nextDeadline(),
      queues: [...model.queues.values()].map((q) => ({
        name: q.name,
        ready: q.ready.map(summary),
        open: q.open.map((r) => r.item.id),
        delayed: model.delayedOf(q.name),
        held: pairs.map((pair) => pair.model.held.get(q)?.length ?? 0),
      })),
      totalItems: model.totalEnqueued,
      open: openIds().length,
    };
    if (JSON.stringify(engineSide) !== JSON.stringify(modelSide)) expect(engineSide, `${where}, op ${op}`).toEqual(modelSide);
    for (const line of engineSide.changes) kinds.add(line.slice(0, line.indexOf(' ')));
    for (const [tag, count] of wakeCounts) if (count !== 1) expect(count, `${where}: ${tag} woken once`).toBe(1);
  }

  // Close everything and let every deadline pass: every waiter not cancelled has been woken once.
  for (const pair of pairs) {
    engine.closeHolder(pair.engine, now);
    model.closeHolder(pair.model, now);
  }
  now += 1_000_000;
  engine.tick(now);
  model.tick(now);
  expect(engineWakes).toEqual(model.wakes);
  expect(engine.nextDeadline()).toBe(Infinity);
  expect(engine.stats(now)).toEqual(model.stats(now));
  expect(engine.totals().open).toBe(0);
  expect([...kinds].sort()).toEqual([
    'acked',
    'dead',
    'delayed',
    'dropped',
    'due',
    'enqueued',
    'expired',
    'fanout',
    'flush_all',
    'flushed',
    'released',
    'reserved',
  ]);
}

describe('QueueEngine against a reference model', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`agrees over 5000 random operations (seed ${seed})`, () => run(seed, 5000));
  }
});
