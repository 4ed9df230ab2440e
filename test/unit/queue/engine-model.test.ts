/**
 * The engine against a deliberately simple reference model (plain arrays, linear scans, no packing,
 * no heap) over thousands of seeded random operations: results, journal changes, wake-ups, deadlines,
 * ready and open items and stats must agree after every step.
 *
 * Deadlines (lease ends, wait timeouts) are kept distinct: entries due at the same millisecond are
 * processed in an unspecified order, which the model does not pin down.
 */
import { describe, expect, it } from 'vitest';
import { QueueEngine, TOO_MANY_OPEN, type Holder } from '../../../src/queue/engine.js';
import type { Item, QueueStats } from '../../../src/queue/types.js';
import { RecordingLog } from '../../helpers/engine.js';
import { Random } from '../../helpers/random.js';

const MAX_OPEN = 3;

interface MItem { readonly id: number; readonly flags: number; readonly expiresAt: number; readonly enqueuedAt: number; readonly data: string }
interface MRes { readonly item: MItem; readonly queue: MQueue; holder: MHolder | null; readonly deadline: number }
interface MWaiter { readonly tag: string; readonly queue: MQueue; readonly holder: MHolder; readonly peek: boolean; readonly leaseMs: number; readonly deadline: number }
class MHolder {
  readonly held = new Map<MQueue, MRes[]>();
  waiter: MWaiter | null = null;
}
class MQueue {
  ready: MItem[] = [];
  open: MRes[] = [];
  waiters: MWaiter[] = [];
  totalItems = 0; expiredItems = 0; acked = 0; released = 0;
  constructor(readonly name: string) {}
}

/** The reference: what the engine promises, written as plainly as possible. */
class Model {
  readonly queues = new Map<string, MQueue>();
  readonly log: string[] = [];
  readonly wakes: string[] = [];
  nextId = 1;
  totalEnqueued = 0;
  flushAllAt = Infinity;

  private queueFor(name: string): MQueue {
    let q = this.queues.get(name);
    if (q === undefined) this.queues.set(name, (q = new MQueue(name)));
    return q;
  }

  private live(item: MItem, now: number): boolean {
    return item.expiresAt === 0 || item.expiresAt > now;
  }

  private takeHead(q: MQueue, now: number): MItem | null {
    while (q.ready.length > 0) {
      const item = q.ready.shift()!;
      if (this.live(item, now)) return item;
      q.expiredItems++;
      this.log.push(`expired ${q.name} ${item.id}`);
    }
    return null;
  }

  private dropExpiredHead(q: MQueue, now: number): void {
    while (q.ready.length > 0 && !this.live(q.ready[0], now)) {
      const item = q.ready.shift()!;
      q.expiredItems++;
      this.log.push(`expired ${q.name} ${item.id}`);
    }
  }

  private open(q: MQueue, h: MHolder, item: MItem, deadline: number): void {
    const r: MRes = { item, queue: q, holder: h, deadline };
    q.open.push(r);
    if (!h.held.has(q)) h.held.set(q, []);
    h.held.get(q)!.push(r);
    this.log.push(`reserved ${q.name} ${item.id}`);
  }

  private finish(r: MRes): void {
    r.queue.open.splice(r.queue.open.indexOf(r), 1);
    const h = r.holder;
    if (h !== null) {
      const list = h.held.get(r.queue)!;
      list.splice(list.indexOf(r), 1);
      if (list.length === 0) h.held.delete(r.queue);
      r.holder = null;
    }
  }

  private putBack(r: MRes): void {
    if (!r.queue.open.includes(r)) return;
    this.finish(r);
    r.queue.ready.unshift(r.item);
    r.queue.released++;
    this.log.push(`released ${r.queue.name} ${r.item.id}`);
  }

  private unlinkWaiter(w: MWaiter): void {
    w.queue.waiters.splice(w.queue.waiters.indexOf(w), 1);
    if (w.holder.waiter === w) w.holder.waiter = null;
  }

  private serveWaiters(q: MQueue, now: number): void {
    while (q.waiters.length > 0) {
      const w = q.waiters[0];
      let item: MItem | null;
      if (w.peek) {
        this.dropExpiredHead(q, now);
        item = q.ready[0] ?? null;
      } else {
        item = this.takeHead(q, now);
        if (item !== null) this.open(q, w.holder, item, w.leaseMs > 0 ? now + w.leaseMs : Infinity);
      }
      if (item === null) return;
      this.unlinkWaiter(w);
      this.wakes.push(`${w.tag}:${item.id}`);
    }
  }

  enqueue(name: string, flags: number, expiresAt: number, data: string, now: number): number {
    const q = this.queueFor(name);
    const id = this.nextId++;
    q.totalItems++;
    this.totalEnqueued++;
    if (expiresAt !== 0 && expiresAt <= now) {
      q.expiredItems++;
      return id;
    }
    this.log.push(`enqueued ${name} ${id} ${flags} ${expiresAt} ${now} ${data}`);
    q.ready.push({ id, flags, expiresAt, enqueuedAt: now, data });
    this.serveWaiters(q, now);
    return id;
  }

  reserve(h: MHolder, name: string, now: number, leaseMs: number): MItem | null | typeof TOO_MANY_OPEN {
    const q = this.queues.get(name);
    if (q === undefined) return null;
    if ((h.held.get(q)?.length ?? 0) >= MAX_OPEN) return TOO_MANY_OPEN;
    const item = this.takeHead(q, now);
    if (item !== null) this.open(q, h, item, leaseMs > 0 ? now + leaseMs : Infinity);
    return item;
  }

  peek(name: string, now: number): MItem | null {
    const q = this.queues.get(name);
    if (q === undefined) return null;
    this.dropExpiredHead(q, now);
    return q.ready[0] ?? null;
  }

  ack(h: MHolder, name: string): boolean {
    const q = this.queues.get(name);
    const r = q === undefined ? undefined : h.held.get(q)?.[0];
    if (r === undefined) return false;
    this.finish(r);
    r.queue.acked++;
    this.log.push(`acked ${name} ${r.item.id}`);
    return true;
  }

  ackById(name: string, id: number): boolean {
    const r = this.queues.get(name)?.open.find((o) => o.item.id === id);
    if (r === undefined) return false;
    this.finish(r);
    r.queue.acked++;
    this.log.push(`acked ${name} ${id}`);
    return true;
  }

  release(h: MHolder, name: string, now: number): boolean {
    const q = this.queues.get(name);
    const r = q === undefined ? undefined : h.held.get(q)?.[0];
    if (r === undefined) return false;
    this.putBack(r);
    this.serveWaiters(r.queue, now);
    return true;
  }

  releaseById(name: string, id: number, now: number): boolean {
    const r = this.queues.get(name)?.open.find((o) => o.item.id === id);
    if (r === undefined) return false;
    this.putBack(r);
    this.serveWaiters(r.queue, now);
    return true;
  }

  wait(h: MHolder, name: string, now: number, waitMs: number, peek: boolean, leaseMs: number, tag: string): void {
    const q = this.queueFor(name);
    const w: MWaiter = { tag, queue: q, holder: h, peek, leaseMs, deadline: now + waitMs };
    q.waiters.push(w);
    h.waiter = w;
  }

  closeHolder(h: MHolder, now: number): void {
    if (h.waiter !== null) this.unlinkWaiter(h.waiter);
    const touched: MQueue[] = [];
    for (const [q, list] of [...h.held]) {
      for (const r of [...list].sort((x, y) => y.item.id - x.item.id)) {
        if (r.deadline === Infinity) this.putBack(r);
        else r.holder = null;
      }
      touched.push(q);
    }
    h.held.clear();
    for (const q of touched) this.serveWaiters(q, now);
  }

  flush(name: string): void {
    const q = this.queues.get(name);
    if (q === undefined) return;
    q.ready = [];
    this.log.push(`flushed ${name}`);
  }

  flushAll(now: number, delayMs: number): void {
    if (delayMs > 0) {
      this.flushAllAt = now + delayMs;
      return;
    }
    this.flushAllAt = Infinity;
    for (const name of this.queues.keys()) this.flush(name);
  }

  dropQueue(name: string): boolean {
    const q = this.queues.get(name);
    if (q === undefined) return false;
    for (const r of q.open) r.holder?.held.delete(q);
    for (const w of [...q.waiters]) {
      this.unlinkWaiter(w);
      this.wakes.push(`${w.tag}:null`);
    }
    this.queues.delete(name);
    this.log.push(`dropped ${name}`);
    return true;
  }

  private dueEntries(): Array<MRes | MWaiter> {
    const out: Array<MRes | MWaiter> = [];
    for (const q of this.queues.values()) {
      for (const r of q.open) if (r.deadline !== Infinity) out.push(r);
      out.push(...q.waiters);
    }
    return out;
  }

  nextDeadline(): number {
    return Math.min(this.flushAllAt, ...this.dueEntries().map((e) => e.deadline));
  }

  tick(now: number): void {
    if (this.flushAllAt <= now) this.flushAll(now, 0);
    for (;;) {
      const due = this.dueEntries().filter((e) => e.deadline <= now).sort((a, b) => a.deadline - b.deadline);
      if (due.length === 0) return;
      const e = due[0];
      if ('tag' in e) {
        this.unlinkWaiter(e);
        this.wakes.push(`${e.tag}:null`);
      } else {
        this.putBack(e);
        this.serveWaiters(e.queue, now);
      }
    }
  }

  stats(now: number): QueueStats[] {
    return [...this.queues.values()].map((q) => {
      this.dropExpiredHead(q, now);
      const bytes = (items: MItem[]) => items.reduce((n, i) => n + i.data.length, 0);
      return {
        name: q.name, items: q.ready.length, open: q.open.length,
        bytes: bytes(q.ready) + bytes(q.open.map((r) => r.item)),
        totalItems: q.totalItems, expiredItems: q.expiredItems, acked: q.acked, released: q.released,
        waiters: q.waiters.length, ageMs: q.ready.length === 0 ? 0 : Math.max(0, now - q.ready[0].enqueuedAt),
      };
    });
  }
}

function summary(item: Item | MItem | null | typeof TOO_MANY_OPEN): string {
  if (item === null || item === TOO_MANY_OPEN) return String(item);
  const data = typeof item.data === 'string' ? item.data : item.data.toString('latin1');
  return `${item.id} ${item.flags} ${item.expiresAt} ${item.enqueuedAt} ${data.length}:${data.slice(0, 40)}`;
}

/** One connection in both worlds. */
interface Pair { readonly engine: Holder; readonly model: MHolder; waiting: boolean }

function run(seed: number, steps: number): void {
  const random = new Random(seed);
  const log = new RecordingLog();
  const engine = new QueueEngine({ maxOpen: MAX_OPEN, changes: log });
  const model = new Model();
  const engineWakes: string[] = [];
  const wakeCounts = new Map<string, number>();
  const names = ['a', 'b', 'c'];
  const usedDeadlines = new Set<number>();
  let now = 1_000_000;
  let waiterSeq = 0;

  const newPair = (): Pair => ({ engine: engine.openHolder(), model: new MHolder(), waiting: false });
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
    model.queues.size === 0 ? [] : [...model.queues.values()].flatMap((q) => q.open.map((r): [string, number] => [q.name, r.item.id]));

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
    const name = random.pick(names);
    const op = random.int(0, 99);
    let result: [unknown, unknown] = [null, null];
    if (op < 30) {
      const roll = random.next();
      const expiresAt = roll < 0.8 ? 0 : roll < 0.93 ? now + random.int(1, 50) : now - random.int(0, 3);
      const size = random.chance(0.005) ? 70_000 : random.int(0, 20);
      const flags = random.int(0, 4);
      const id = model.nextId;
      result = [engine.enqueue(name, flags, expiresAt, Buffer.from(dataOf(id, size), 'latin1'), now), model.enqueue(name, flags, expiresAt, dataOf(id, size), now)];
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
      result = [engine.release(p.engine, name, now), model.release(p.model, name, now)];
    } else if (op < 80) {
      const open = openIds();
      const [q, id] = open.length > 0 && random.chance(0.8) ? random.pick(open) : [name, random.int(1, model.nextId + 2)];
      result = random.chance(0.7)
        ? [engine.ackById(q, id), model.ackById(q, id)]
        : [engine.releaseById(q, id, now), model.releaseById(q, id, now)];
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
        held: pairs.map((pair) => pair.model.held.get(q)?.length ?? 0),
      })),
      totalItems: model.totalEnqueued,
      open: openIds().length,
    };
    if (JSON.stringify(engineSide) !== JSON.stringify(modelSide)) expect(engineSide, `${where}, op ${op}`).toEqual(modelSide);
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
}

describe('QueueEngine against a reference model', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`agrees over 5000 random operations (seed ${seed})`, () => run(seed, 5000));
  }
});
