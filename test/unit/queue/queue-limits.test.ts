/** Per-queue item and byte limits in the engine: refuse by default, or discard the oldest ready items. */
import { describe, expect, it } from 'vitest';
import { QUEUE_FULL, QueueEngine, TOO_MANY_QUEUES } from '../../../src/queue/engine.js';
import { UNLIMITED } from '../../../src/queue/limits.js';
import type { ChangeLog } from '../../../src/queue/types.js';
import { T0, text } from '../../helpers/engine.js';

/** A ChangeLog that keeps every change as a line, to check what a journal would be told. */
function recorder(): { log: ChangeLog; lines: string[] } {
  const lines: string[] = [];
  const log: ChangeLog = {
    enqueued: (q, id) => lines.push(`enqueued ${q} ${id}`),
    reserved: (q, id) => lines.push(`reserved ${q} ${id}`),
    acked: (q, id) => lines.push(`acked ${q} ${id}`),
    released: (q, id) => lines.push(`released ${q} ${id}`),
    expired: (q, id) => lines.push(`expired ${q} ${id}`),
    flushed: (q) => lines.push(`flushed ${q}`),
    dropped: (q) => lines.push(`dropped ${q}`),
    nextId: () => {},
    flushAll: (at) => lines.push(`flush_all ${at}`),
    delayed: (q, id) => lines.push(`delayed ${q} ${id}`),
    due: (q, id) => lines.push(`due ${q} ${id}`),
    dead: (q, id) => lines.push(`dead ${q} ${id}`),
    fanout: (q) => lines.push(`fanout ${q}`),
  };
  return { log, lines };
}

const data = (s: string) => Buffer.from(s);

function drain(engine: QueueEngine, name: string): string[] {
  const h = engine.newHolder();
  const out: string[] = [];
  for (;;) {
    const item = engine.reserve(h, name, T0);
    if (item === null || item === 'too_many_open') break;
    out.push(item.data.toString());
    engine.ack(h, name);
  }
  return out;
}

describe('max queue items', () => {
  it('refuses the item past the limit and leaves the queue as it was', () => {
    const e = new QueueEngine({ ...UNLIMITED, maxOpen: 10, maxQueueItems: 2 });
    expect(e.enqueue('q', 0, 0, data('a'), T0)).toBe(1);
    expect(e.enqueue('q', 0, 0, data('b'), T0)).toBe(2);
    expect(e.enqueue('q', 0, 0, data('c'), T0)).toBe(QUEUE_FULL);
    const stats = e.stats(T0)[0];
    expect(stats).toMatchObject({ items: 2, rejected: 1, discarded: 0, totalItems: 2 });
    expect(drain(e, 'q')).toEqual(['a', 'b']);
    // Room again once items are acknowledged; the refused set used no id.
    expect(e.enqueue('q', 0, 0, data('d'), T0)).toBe(3);
  });

  it('counts open items: a release can always go back', () => {
    const e = new QueueEngine({ ...UNLIMITED, maxOpen: 10, maxQueueItems: 2 });
    const h = e.newHolder();
    e.enqueue('q', 0, 0, data('a'), T0);
    e.enqueue('q', 0, 0, data('b'), T0);
    e.reserve(h, 'q', T0);
    expect(e.enqueue('q', 0, 0, data('c'), T0)).toBe(QUEUE_FULL);
    expect(e.release(h, 'q', T0)).toBe(true);
    expect(drain(e, 'q')).toEqual(['a', 'b']);
  });

  it('other queues are not affected', () => {
    const e = new QueueEngine({ ...UNLIMITED, maxOpen: 10, maxQueueItems: 1 });
    e.enqueue('q', 0, 0, data('a'), T0);
    expect(e.enqueue('q', 0, 0, data('b'), T0)).toBe(QUEUE_FULL);
    expect(e.enqueue('r', 0, 0, data('b'), T0)).not.toBe(QUEUE_FULL);
  });

  it('expired items at the head make room before anything is refused', () => {
    const { log, lines } = recorder();
    const e = new QueueEngine({ ...UNLIMITED, maxOpen: 10, maxQueueItems: 2 }, log);
    e.enqueue('q', 0, T0 + 10, data('short-lived'), T0);
    e.enqueue('q', 0, 0, data('b'), T0);
    expect(e.enqueue('q', 0, 0, data('c'), T0 + 20)).toBe(3);
    expect(lines).toContain('expired q 1');
    expect(drain(e, 'q')).toEqual(['b', 'c']);
  });
});

describe('max queue bytes', () => {
  it('refuses an item that would pass the byte limit, counting open bytes', () => {
    const e = new QueueEngine({ ...UNLIMITED, maxOpen: 10, maxQueueBytes: 10 });
    const h = e.newHolder();
    expect(e.enqueue('q', 0, 0, data('12345'), T0)).toBe(1);
    e.reserve(h, 'q', T0);
    expect(e.enqueue('q', 0, 0, data('12345'), T0)).toBe(2);
    expect(e.enqueue('q', 0, 0, data('1'), T0)).toBe(QUEUE_FULL);
    e.ack(h, 'q');
    expect(e.enqueue('q', 0, 0, data('1'), T0)).toBe(3);
  });
});

describe('discard old', () => {
  it('drops the oldest ready items to make room, recording each as expired', () => {
    const { log, lines } = recorder();
    const e = new QueueEngine({ ...UNLIMITED, maxOpen: 10, maxQueueItems: 3, discardOld: true }, log);
    for (const s of ['a', 'b', 'c', 'd', 'e']) expect(e.enqueue('q', 0, 0, data(s), T0)).not.toBe(QUEUE_FULL);
    expect(lines.filter((l) => l.startsWith('expired'))).toEqual(['expired q 1', 'expired q 2']);
    expect(e.stats(T0)[0]).toMatchObject({ items: 3, discarded: 2, rejected: 0 });
    expect(drain(e, 'q')).toEqual(['c', 'd', 'e']);
  });

  it('drops as many small items as a large one needs', () => {
    const e = new QueueEngine({ ...UNLIMITED, maxOpen: 10, maxQueueBytes: 6, discardOld: true });
    for (const s of ['aa', 'bb', 'cc']) e.enqueue('q', 0, 0, data(s), T0);
    expect(e.enqueue('q', 0, 0, data('dddd'), T0)).not.toBe(QUEUE_FULL);
    expect(drain(e, 'q')).toEqual(['cc', 'dddd']);
  });

  it('never drops open items: refuses, and drops nothing, when they alone leave no room', () => {
    const { log, lines } = recorder();
    const e = new QueueEngine({ ...UNLIMITED, maxOpen: 10, maxQueueItems: 2, discardOld: true }, log);
    const h = e.newHolder();
    e.enqueue('q', 0, 0, data('a'), T0);
    e.enqueue('q', 0, 0, data('b'), T0);
    e.reserve(h, 'q', T0);
    e.reserve(h, 'q', T0);
    expect(e.enqueue('q', 0, 0, data('c'), T0)).toBe(QUEUE_FULL);
    expect(lines.some((l) => l.startsWith('expired'))).toBe(false);
    expect(e.stats(T0)[0]).toMatchObject({ open: 2, rejected: 1, discarded: 0 });
  });

  it('refuses an item larger than the byte limit without dropping anything', () => {
    const e = new QueueEngine({ ...UNLIMITED, maxOpen: 10, maxQueueBytes: 4, discardOld: true });
    e.enqueue('q', 0, 0, data('ab'), T0);
    expect(e.enqueue('q', 0, 0, data('12345'), T0)).toBe(QUEUE_FULL);
    expect(drain(e, 'q')).toEqual(['ab']);
  });

  it('drops a released item at the head like any other ready item', () => {
    const e = new QueueEngine({ ...UNLIMITED, maxOpen: 10, maxQueueItems: 2, discardOld: true });
    const h = e.newHolder();
    e.enqueue('q', 0, 0, data('a'), T0);
    e.enqueue('q', 0, 0, data('b'), T0);
    e.reserve(h, 'q', T0);
    e.release(h, 'q', T0);
    e.enqueue('q', 0, 0, data('c'), T0);
    expect(drain(e, 'q')).toEqual(['b', 'c']);
  });
});

describe('max queues', () => {
  it('refuses an item for a new queue once the limit is reached; existing queues take items', () => {
    const e = new QueueEngine({ ...UNLIMITED, maxOpen: 10, maxQueues: 2 });
    e.enqueue('a', 0, 0, data('1'), T0);
    e.enqueue('b', 0, 0, data('1'), T0);
    expect(e.enqueue('c', 0, 0, data('1'), T0)).toBe(TOO_MANY_QUEUES);
    expect(e.queueNames()).toEqual(['a', 'b']);
    expect(e.enqueue('a', 0, 0, data('2'), T0)).not.toBe(TOO_MANY_QUEUES);
    expect(e.dropQueue('b')).toBe(true);
    expect(e.enqueue('c', 0, 0, data('1'), T0)).not.toBe(TOO_MANY_QUEUES);
  });

  it('a wait on a new queue past the limit is answered at once, as an empty queue, and creates nothing', () => {
    const e = new QueueEngine({ ...UNLIMITED, maxOpen: 10, maxQueues: 1 });
    e.enqueue('a', 0, 0, data('1'), T0);
    const woken: unknown[] = [];
    e.wait(e.newHolder(), 'new', T0, 10_000, false, 0, (item) => woken.push(item));
    expect(woken).toEqual([null]);
    expect(e.queueNames()).toEqual(['a']);
    expect(e.nextDeadline()).toBe(Infinity);
  });
});

describe('a queue that only waiters used', () => {
  it('goes away with its last waiter (timed out, cancelled or closed), so it never counts toward maxQueues', () => {
    const e = new QueueEngine({ ...UNLIMITED, maxOpen: 10, maxQueues: 2 });
    e.enqueue('a', 0, 0, data('1'), T0);
    const woken: unknown[] = [];
    const h1 = e.newHolder();
    const h2 = e.newHolder();
    e.wait(h1, 'new', T0, 1000, false, 0, (item) => woken.push(item));
    e.wait(h2, 'new', T0, 2000, true, 0, (item) => woken.push(item));
    expect(e.queueNames()).toEqual(['a', 'new']);
    e.tick(T0 + 1000);
    expect(woken).toEqual([null]);
    expect(e.queueNames()).toEqual(['a', 'new']); // a waiter is left
    e.closeHolder(h2, T0 + 1500);
    expect(e.queueNames()).toEqual(['a']);
    expect(e.enqueue('b', 0, 0, data('1'), T0)).not.toBe(TOO_MANY_QUEUES);
    const h3 = e.newHolder();
    const w = e.wait(h3, 'gone', T0, 1000, false, 0, (item) => woken.push(item));
    expect(woken).toEqual([null, null]); // no room for a third queue: answered at once
    e.cancelWait(w);
    expect(e.queueNames()).toEqual(['a', 'b']);
  });

  it('stays once it has held an item, and a queue created by a set stays empty', () => {
    const e = new QueueEngine({ ...UNLIMITED, maxOpen: 10 });
    const h = e.newHolder();
    e.wait(h, 'q', T0, 1000, false, 0, () => {});
    e.enqueue('q', 0, 0, data('1'), T0);
    expect(e.ack(h, 'q')).toBe(true);
    e.wait(h, 'q', T0, 1000, false, 0, () => {});
    e.tick(T0 + 1000);
    expect(e.queueNames()).toEqual(['q']);
    e.enqueue('s', 0, 0, data('1'), T0);
    e.reserve(h, 's', T0);
    e.ack(h, 's');
    e.wait(h, 's', T0, 1000, false, 0, () => {});
    e.tick(T0 + 1000);
    expect(e.queueNames()).toEqual(['q', 's']);
  });
});

describe('endWaits (the server is stopping)', () => {
  it('wakes every blocked reader with null, and each new one at once', () => {
    const e = new QueueEngine({ ...UNLIMITED, maxOpen: 10 });
    const woken: string[] = [];
    e.wait(e.newHolder(), 'a', T0, 10_000, false, 0, (item) => woken.push(`a:${text(item)}`));
    e.wait(e.newHolder(), 'b', T0, 10_000, true, 0, (item) => woken.push(`b:${text(item)}`));
    e.endWaits();
    expect(woken).toEqual(['a:null', 'b:null']);
    e.wait(e.newHolder(), 'a', T0, 10_000, false, 0, (item) => woken.push(`late:${text(item)}`));
    expect(woken).toEqual(['a:null', 'b:null', 'late:null']);
    expect(e.stats(T0)).toEqual([]); // queues only waiters used went with them
    // An item enqueued now stays ready for the next start; nobody takes it.
    e.enqueue('a', 0, 0, data('x'), T0);
    expect(e.stats(T0)[0]).toMatchObject({ items: 1, open: 0 });
  });
});

describe('the deadline heap stays proportional to live waits and leases', () => {
  it('waits served at once and leases acknowledged early leave no pile of entries behind', () => {
    const e = new QueueEngine({ ...UNLIMITED, maxOpen: 10 });
    const h = e.newHolder();
    for (let i = 0; i < 100_000; i++) {
      // A worker's blocking get, served by the next enqueue long before its one-minute deadline...
      e.wait(h, 'q', T0, 60_000, false, 0, () => {});
      e.enqueue('q', 0, 0, data('x'), T0);
      e.ack(h, 'q');
      // ...and a leased reservation acknowledged at once.
      e.enqueue('q', 0, 0, data('y'), T0);
      e.reserve(h, 'q', T0, 3_600_000);
      e.ack(h, 'q');
    }
    expect(e.deadlineEntries).toBeLessThan(5000);
    const live = e.newHolder();
    e.wait(live, 'r', T0, 5000, false, 0, () => {});
    expect(e.nextDeadline()).toBe(T0 + 5000);
  });
});
