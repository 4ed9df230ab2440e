/**
 * A reference model of the queue engine for test/unit/queue/engine-model.test.ts: what the engine
 * promises, written as plainly as possible (arrays, linear scans, no packing, no heap). It records
 * the journal changes and wake-ups it would make, as lines, for comparison.
 */
import { TOO_MANY_OPEN } from '../../src/queue/engine.js';
import type { EngineQueueStats } from '../../src/queue/types.js';

/** The engine's maxOpen in the model test. */
export const MAX_OPEN = 3;

export interface MItem { readonly id: number; readonly flags: number; readonly expiresAt: number; readonly enqueuedAt: number; readonly data: string }
interface MRes { readonly item: MItem; readonly queue: MQueue; holder: MHolder | null; readonly deadline: number }
interface MWaiter { readonly tag: string; readonly queue: MQueue; readonly holder: MHolder; readonly peek: boolean; readonly leaseMs: number; readonly deadline: number }
export class MHolder {
  readonly held = new Map<MQueue, MRes[]>();
  waiter: MWaiter | null = null;
}
class MQueue {
  ready: MItem[] = [];
  open: MRes[] = [];
  waiters: MWaiter[] = [];
  totalItems = 0; delivered = 0; expiredItems = 0; acked = 0; released = 0;
  constructor(readonly name: string) {}
}

/** The reference: what the engine promises, written as plainly as possible. */
export class Model {
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
    q.delivered++;
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

  /** A queue that nothing but waiting ever used goes with its last waiter. */
  private unlinkWaiter(w: MWaiter): void {
    const q = w.queue;
    q.waiters.splice(q.waiters.indexOf(w), 1);
    if (w.holder.waiter === w) w.holder.waiter = null;
    const unused = q.ready.length === 0 && q.open.length === 0 && q.waiters.length === 0
      && q.totalItems === 0 && q.expiredItems === 0 && q.acked === 0 && q.released === 0;
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

  stats(now: number): EngineQueueStats[] {
    return [...this.queues.values()].map((q) => {
      this.dropExpiredHead(q, now);
      const bytes = (items: MItem[]) => items.reduce((n, i) => n + i.data.length, 0);
      return {
        name: q.name, items: q.ready.length, open: q.open.length,
        bytes: bytes(q.ready) + bytes(q.open.map((r) => r.item)),
        totalItems: q.totalItems, delivered: q.delivered, expiredItems: q.expiredItems, acked: q.acked, released: q.released,
        // The model has no queue limits: nothing is ever discarded or refused.
        discarded: 0, rejected: 0,
        waiters: q.waiters.length, ageMs: q.ready.length === 0 ? 0 : Math.max(0, now - q.ready[0].enqueuedAt),
      };
    });
  }
}
