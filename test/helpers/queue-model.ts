/**
 * A reference model of the queue engine for test/unit/queue/engine-model.test.ts: what the engine
 * promises, written as plainly as possible (arrays, linear scans, no packing, no heap). It records
 * the journal changes and wake-ups it would make, as lines, for comparison.
 */
import { DEAD_LETTERED, TOO_MANY_OPEN } from '../../src/queue/engine.js';
import type { EngineQueueStats } from '../../src/queue/types.js';

/** The engine's maxOpen in the model test. */
export const MAX_OPEN = 3;
/** The engine's maxDeliveries in the model test. */
export const MAX_DELIVERIES = 3;

export interface MItem {
  readonly id: number;
  readonly flags: number;
  readonly expiresAt: number;
  readonly enqueuedAt: number;
  readonly data: string;
  deliveries: number;
}
interface MRes {
  readonly item: MItem;
  readonly queue: MQueue;
  holder: MHolder | null;
  readonly deadline: number;
}
interface MDelayed {
  readonly item: MItem;
  readonly due: number;
  readonly seq: number;
}
interface MWaiter {
  readonly tag: string;
  readonly queue: MQueue;
  readonly holder: MHolder;
  readonly peek: boolean;
  readonly leaseMs: number;
  readonly deadline: number;
}
export class MHolder {
  readonly held = new Map<MQueue, MRes[]>();
  waiter: MWaiter | null = null;
}
class MQueue {
  ready: MItem[] = [];
  open: MRes[] = [];
  waiters: MWaiter[] = [];
  delayed: MDelayed[] = [];
  totalItems = 0;
  delivered = 0;
  expiredItems = 0;
  acked = 0;
  released = 0;
  dead = 0;
  fanout = false;
  constructor(readonly name: string) {}
}

/** `<base>+<name>`, not ending in `.dead`: a fanout queue of base. */
function fanoutBaseOf(name: string): string | null {
  const plus = name.indexOf('+');
  return plus <= 0 || plus === name.length - 1 || name.endsWith('.dead') ? null : name.slice(0, plus);
}

/** The reference: what the engine promises, written as plainly as possible. */
export class Model {
  readonly queues = new Map<string, MQueue>();
  readonly log: string[] = [];
  readonly wakes: string[] = [];
  nextId = 1;
  totalEnqueued = 0;
  flushAllAt = Infinity;
  private delaySeq = 0;

  /** A fanout queue made by its first use, or undefined for a name that is not one. */
  private newFanout(name: string): MQueue | undefined {
    if (fanoutBaseOf(name) === null) return undefined;
    const q = this.queueFor(name);
    q.fanout = true;
    this.log.push(`fanout ${name}`);
    return q;
  }

  private exhausted(q: MQueue, item: MItem): boolean {
    return item.deliveries >= MAX_DELIVERIES && !q.name.endsWith('.dead');
  }

  private moveToDead(q: MQueue, item: MItem, now: number): void {
    const dq = this.queueFor(`${q.name}.dead`);
    q.dead++;
    this.log.push(`dead ${q.name} ${item.id}`);
    dq.ready.push(item);
    dq.totalItems++;
    this.serveWaiters(dq, now);
  }

  private delay(q: MQueue, item: MItem, due: number): void {
    q.delayed.push({ item, due, seq: ++this.delaySeq });
    this.log.push(`delayed ${q.name} ${item.id} ${due}`);
  }

  private queueFor(name: string): MQueue {
    let q = this.queues.get(name);
    if (q === undefined) this.queues.set(name, (q = new MQueue(name)));
    return q;
  }

  private live(item: MItem, now: number): boolean {
    return item.expiresAt === 0 || item.expiresAt > now;
  }

  private takeHead(q: MQueue, now: number): MItem | null {
    this.dropExpiredHead(q, now);
    return q.ready.shift() ?? null;
  }

  /** Drops expired head items and moves exhausted ones to the dead queue. */
  private dropExpiredHead(q: MQueue, now: number): void {
    while (q.ready.length > 0 && (!this.live(q.ready[0], now) || this.exhausted(q, q.ready[0]))) {
      const item = q.ready.shift()!;
      if (!this.live(item, now)) {
        q.expiredItems++;
        this.log.push(`expired ${q.name} ${item.id}`);
      } else {
        this.moveToDead(q, item, now);
      }
    }
  }

  private open(q: MQueue, h: MHolder, item: MItem, deadline: number): void {
    const r: MRes = { item, queue: q, holder: h, deadline };
    q.open.push(r);
    q.delivered++;
    item.deliveries++;
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

  /** True when the item went to the dead queue. */
  private putBack(r: MRes, now: number, delayMs = 0): boolean {
    if (!r.queue.open.includes(r)) return false;
    this.finish(r);
    if (this.exhausted(r.queue, r.item)) {
      this.moveToDead(r.queue, r.item, now);
      return true;
    }
    r.queue.released++;
    if (delayMs > 0) {
      this.delay(r.queue, r.item, now + delayMs);
      return false;
    }
    r.queue.ready.unshift(r.item);
    this.log.push(`released ${r.queue.name} ${r.item.id}`);
    return false;
  }

  /** A queue that nothing but waiting ever used goes with its last waiter. */
  private unlinkWaiter(w: MWaiter): void {
    const q = w.queue;
    q.waiters.splice(q.waiters.indexOf(w), 1);
    if (w.holder.waiter === w) w.holder.waiter = null;
    const unused =
      q.ready.length === 0 &&
      q.open.length === 0 &&
      q.waiters.length === 0 &&
      q.delayed.length === 0 &&
      q.totalItems === 0 &&
      q.expiredItems === 0 &&
      q.acked === 0 &&
      q.released === 0 &&
      q.dead === 0 &&
      !q.fanout;
    if (unused && this.queues.get(q.name) === q) this.queues.delete(q.name);
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

  enqueue(name: string, flags: number, expiresAt: number, data: string, now: number, delayMs = 0): number {
    const q = this.queues.get(name) ?? this.newFanout(name) ?? this.queueFor(name);
    const id = this.store(q, flags, expiresAt, data, now, delayMs);
    for (const f of [...this.queues.values()]) {
      if (f.fanout && fanoutBaseOf(f.name) === name) this.store(f, flags, expiresAt, data, now, delayMs);
    }
    return id;
  }

  private store(q: MQueue, flags: number, expiresAt: number, data: string, now: number, delayMs: number): number {
    const id = this.nextId++;
    q.totalItems++;
    this.totalEnqueued++;
    if (expiresAt !== 0 && expiresAt <= now) {
      q.expiredItems++;
      return id;
    }
    this.log.push(`enqueued ${q.name} ${id} ${flags} ${expiresAt} ${now} ${data}`);
    const item: MItem = { id, flags, expiresAt, enqueuedAt: now, data, deliveries: 0 };
    if (delayMs > 0) {
      this.delay(q, item, now + delayMs);
      return id;
    }
    q.ready.push(item);
    this.serveWaiters(q, now);
    return id;
  }

  touch(h: MHolder, name: string, id: number, now: number, leaseMs: number): boolean {
    const q = this.queues.get(name);
    if (q === undefined) return false;
    const targets = id > 0 ? q.open.filter((r) => r.item.id === id) : [...(h.held.get(q) ?? [])];
    if (targets.length === 0) return false;
    const deadline = leaseMs > 0 ? now + leaseMs : Infinity;
    for (const r of targets) {
      const renewed: MRes = { item: r.item, queue: q, holder: r.holder, deadline };
      q.open[q.open.indexOf(r)] = renewed;
      const list = r.holder?.held.get(q);
      if (list !== undefined) list[list.indexOf(r)] = renewed;
      if (deadline === Infinity && renewed.holder === null) this.putBack(renewed, now);
    }
    this.serveWaiters(q, now);
    return true;
  }

  reserve(h: MHolder, name: string, now: number, leaseMs: number): MItem | null | typeof TOO_MANY_OPEN {
    const q = this.queues.get(name) ?? this.newFanout(name);
    if (q === undefined) return null;
    if ((h.held.get(q)?.length ?? 0) >= MAX_OPEN) return TOO_MANY_OPEN;
    const item = this.takeHead(q, now);
    if (item !== null) this.open(q, h, item, leaseMs > 0 ? now + leaseMs : Infinity);
    return item;
  }

  peek(name: string, now: number): MItem | null {
    const q = this.queues.get(name) ?? this.newFanout(name);
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

  release(h: MHolder, name: string, now: number, delayMs = 0): boolean | typeof DEAD_LETTERED {
    const q = this.queues.get(name);
    const r = q === undefined ? undefined : h.held.get(q)?.[0];
    if (r === undefined) return false;
    const dead = this.putBack(r, now, delayMs);
    this.serveWaiters(r.queue, now);
    return dead ? DEAD_LETTERED : true;
  }

  releaseById(name: string, id: number, now: number, delayMs = 0): boolean | typeof DEAD_LETTERED {
    const r = this.queues.get(name)?.open.find((o) => o.item.id === id);
    if (r === undefined) return false;
    const dead = this.putBack(r, now, delayMs);
    this.serveWaiters(r.queue, now);
    return dead ? DEAD_LETTERED : true;
  }

  wait(h: MHolder, name: string, now: number, waitMs: number, peek: boolean, leaseMs: number, tag: string): void {
    const q = this.queues.get(name) ?? this.newFanout(name) ?? this.queueFor(name);
    const w: MWaiter = { tag, queue: q, holder: h, peek, leaseMs, deadline: now + waitMs };
    q.waiters.push(w);
    h.waiter = w;
  }

  closeHolder(h: MHolder, now: number): void {
    if (h.waiter !== null) this.unlinkWaiter(h.waiter);
    const touched: MQueue[] = [];
    for (const [q, list] of [...h.held]) {
      for (const r of [...list].sort((x, y) => y.item.id - x.item.id)) {
        if (r.deadline === Infinity) this.putBack(r, now);
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
    q.delayed = [];
    this.log.push(`flushed ${name}`);
  }

  flushAll(now: number, delayMs: number): void {
    if (delayMs > 0) {
      this.flushAllAt = now + delayMs;
      this.log.push(`flush_all ${this.flushAllAt}`);
      return;
    }
    if (this.flushAllAt !== Infinity) this.log.push('flush_all 0');
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
    const dues = [...this.queues.values()].flatMap((q) => q.delayed.map((d) => d.due));
    return Math.min(this.flushAllAt, ...this.dueEntries().map((e) => e.deadline), ...dues);
  }

  /** Every delayed item of `name` as `<id>@<due>`, in the order they will join the tail. */
  delayedOf(name: string): string[] {
    const q = this.queues.get(name);
    return q === undefined
      ? []
      : [...q.delayed].sort((a, b) => a.due - b.due || a.seq - b.seq).map((d) => `${d.item.id}@${d.due}`);
  }

  tick(now: number): void {
    if (this.flushAllAt <= now) this.flushAll(now, 0);
    const due = [...this.queues.values()]
      .flatMap((q) => q.delayed.filter((d) => d.due <= now).map((d) => ({ q, d })))
      .sort((a, b) => a.d.due - b.d.due || a.d.seq - b.d.seq);
    const touched: MQueue[] = [];
    for (const { q, d } of due) {
      q.delayed.splice(q.delayed.indexOf(d), 1);
      q.ready.push(d.item);
      this.log.push(`due ${q.name} ${d.item.id}`);
      if (!touched.includes(q)) touched.push(q);
    }
    for (const q of touched) this.serveWaiters(q, now);
    for (;;) {
      const due = this.dueEntries()
        .filter((e) => e.deadline <= now)
        .sort((a, b) => a.deadline - b.deadline);
      if (due.length === 0) return;
      const e = due[0];
      if ('tag' in e) {
        this.unlinkWaiter(e);
        this.wakes.push(`${e.tag}:null`);
      } else {
        this.putBack(e, now);
        this.serveWaiters(e.queue, now);
      }
    }
  }

  stats(now: number): EngineQueueStats[] {
    for (const q of [...this.queues.values()]) this.dropExpiredHead(q, now);
    return [...this.queues.values()].map((q) => {
      const bytes = (items: MItem[]) => items.reduce((n, i) => n + i.data.length, 0);
      return {
        name: q.name,
        items: q.ready.length,
        open: q.open.length,
        bytes: bytes(q.ready) + bytes(q.open.map((r) => r.item)) + bytes(q.delayed.map((d) => d.item)),
        totalItems: q.totalItems,
        delivered: q.delivered,
        expiredItems: q.expiredItems,
        acked: q.acked,
        released: q.released,
        // The model has no queue limits: nothing is ever discarded or refused.
        discarded: 0,
        rejected: 0,
        waiters: q.waiters.length,
        ageMs: q.ready.length === 0 ? 0 : Math.max(0, now - q.ready[0].enqueuedAt),
        delayed: q.delayed.length,
        dead: q.dead,
        headDeliveries: q.ready[0]?.deliveries ?? 0,
      };
    });
  }
}
