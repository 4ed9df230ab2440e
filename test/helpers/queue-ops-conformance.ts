/**
 * The behaviour every implementation of the queue operations must have (src/server/queue-ops/
 * operations.ts), protocol-neutral: outcomes, reservations per connection, waits, limits, refusals
 * and counters. test/unit/server/queue-ops.test.ts runs it against the embedded engine, in memory
 * and with a journal; another store passes it before the sessions may use it. Outcomes are awaited,
 * so an implementation may answer at once or later.
 */
import { describe, expect, it } from 'vitest';
import { parseDeleteKey, parseKey, parseTouchKey } from '../../src/protocol/key.js';
import { DEAD_LETTERED } from '../../src/queue/engine.js';
import type { QueueLimits } from '../../src/queue/limits.js';
import type { Item } from '../../src/queue/types.js';
import { Failure, isPending, type QueueOperations, type Queues } from '../../src/server/queue-ops/operations.js';
import type { ServerCounters } from '../../src/server/stats.js';

export interface OperationsFixture {
  readonly queues: Queues;
  readonly counters: ServerCounters;
  /** Makes the store refuse changes from now on (as a failing disk does), and resolves once it does. */
  refuseChanges(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Where a store may differ from the embedded one, each said in docs/scale-out.md's table: the
 * suite checks each store against what it promises.
 */
export interface StoreTraits {
  /** An item given back (abort, a connection gone) is the head a peek shows at once. */
  readonly peekShowsGivenBack: boolean;
  /** flush removes ready items only; reserved ones stay reserved (else they go too, and their holder's delete still answers DELETED). */
  readonly flushKeepsReserved: boolean;
  /** While changes are refused, items can still be looked at (a failing disk; not an unreachable store). */
  readonly peekWhileRefusing: boolean;
}

/** The embedded engine: every rule of docs/protocol.md. */
export const EMBEDDED_TRAITS: StoreTraits = {
  peekShowsGivenBack: true,
  flushKeepsReserved: true,
  peekWhileRefusing: true,
};

/** The limits every fixture is made with. */
export const CONFORMANCE_LIMITS: QueueLimits = {
  maxOpen: 2,
  maxQueueItems: 3,
  maxQueueBytes: Infinity,
  discardOld: false,
  maxQueues: 3,
  maxDeliveries: Infinity,
};

const T0 = 1_700_000_000_000;
const data = (text: string) => Buffer.from(text);
const textOf = (item: Item | null | Failure) => (item === null || item instanceof Failure ? item : item.data.toString());

export function operationsConformance(
  label: string,
  make: (limits: QueueLimits) => Promise<OperationsFixture>,
  traits = EMBEDDED_TRAITS,
): void {
  describe(`${label}: queue operations conformance`, () => {
    const withQueues = (fn: (f: OperationsFixture, a: QueueOperations, b: QueueOperations) => Promise<void>) => async () => {
      const f = await make(CONFORMANCE_LIMITS);
      const a = f.queues.connect();
      const b = f.queues.connect();
      try {
        await fn(f, a, b);
      } finally {
        a.disconnect(T0);
        b.disconnect(T0);
        await f.close();
      }
    };
    const get = async (ops: QueueOperations, key: string) => textOf(await ops.get(parseKey(key), T0));
    const end = async (ops: QueueOperations, key: string) => ops.end(parseDeleteKey(key), T0);

    it(
      'enqueues with growing ids and reserves in order, one connection at a time; counts sets and gets',
      withQueues(async (f, a, b) => {
        const first = await a.enqueue('q', 0, 0, data('one'), T0);
        const second = await a.enqueue('q', 0, 0, data('two'), T0);
        expect(typeof first).toBe('number');
        expect(second).toBeGreaterThan(first as number);
        expect(await get(a, 'q')).toBe('one');
        expect(await get(b, 'q')).toBe('two');
        expect(await get(b, 'q')).toBe(null);
        expect(await get(a, 'q/peek')).toBe(null);
        expect(f.counters).toMatchObject({ cmdSet: 2, cmdGet: 4, getHits: 2, getMisses: 2 });
      }),
    );

    it(
      'ends a reservation by its holder, or by id from any connection; puts back at the head',
      withQueues(async (_f, a, b) => {
        const id = await a.enqueue('q', 0, 0, data('one'), T0);
        if (typeof id !== 'number') throw new Error(`enqueue declined: ${id.reason}`);
        await a.enqueue('q', 0, 0, data('two'), T0);
        expect(await get(a, 'q')).toBe('one');
        expect(await end(b, 'q')).toBe(false);
        expect(await end(b, 'q/abort')).toBe(false);
        expect(await end(a, 'q/abort')).toBe(true);
        expect(await get(b, 'q/peek')).toBe(traits.peekShowsGivenBack ? 'one' : 'two');
        expect(await get(b, 'q')).toBe('one');
        expect(await end(a, `q/id=${id}`)).toBe(true);
        expect(await end(b, 'q')).toBe(false);
        expect(await get(a, 'q/close/open')).toBe('two');
        expect(await get(a, 'q/close')).toBe(null);
        expect(await get(a, 'q/peek')).toBe(null);
      }),
    );

    it(
      "gives a connection's reservations back in their order when it disconnects",
      withQueues(async (f, a, b) => {
        for (const t of ['one', 'two', 'three']) await a.enqueue('q', 0, 0, data(t), T0);
        expect(await get(a, 'q')).toBe('one');
        expect(await get(a, 'q')).toBe('two');
        a.disconnect(T0);
        expect(await get(b, 'q')).toBe('one');
        const c = f.queues.connect();
        expect(await get(c, 'q')).toBe('two');
        expect(await get(c, 'q')).toBe('three');
        expect(await get(b, 'q')).toBe(null);
        c.disconnect(T0);
      }),
    );

    it(
      'a get with t= is pending until another connection enqueues, then holds the item; counted when it ends',
      withQueues(async (f, a, b) => {
        const waiting = a.get(parseKey('q/t=60000'), T0);
        expect(isPending(waiting)).toBe(true);
        await b.enqueue('q', 0, 0, data('late'), T0);
        expect(textOf(await waiting)).toBe('late');
        expect(await get(b, 'q')).toBe(null);
        expect(await end(a, 'q')).toBe(true);
        expect(f.counters).toMatchObject({ cmdGet: 2, getHits: 1, getMisses: 1 });
      }),
    );

    it(
      'a wait stopped early is answered as none and counted as a miss; what comes later is not taken',
      withQueues(async (f, a, b) => {
        a.stopWaiting(); // none waits: nothing happens
        const waiting = a.get(parseKey('q/t=60000'), T0);
        a.stopWaiting();
        expect(await waiting).toBe(null);
        await b.enqueue('q', 0, 0, data('later'), T0);
        expect(await get(b, 'q/peek')).toBe('later');
        expect(f.counters).toMatchObject({ cmdGet: 2, getHits: 1, getMisses: 1 });
      }),
    );

    it(
      'refuses a reservation past max-open, and a get of several keys as a whole',
      withQueues(async (_f, a, b) => {
        for (const t of ['one', 'two', 'three']) await a.enqueue('q', 0, 0, data(t), T0);
        expect(await get(a, 'q')).toBe('one');
        expect(await get(a, 'q')).toBe('two');
        const busy = await a.get(parseKey('q'), T0);
        expect(busy).toEqual(new Failure('busy', 'too many open reservations on q (max 2): delete or close one first'));
        // Closing by id makes no room: the item could be another connection's.
        expect(await a.get(parseKey('q/close/id=1/open'), T0)).toBeInstanceOf(Failure);
        expect(await get(a, 'q/close/open')).toBe('three');
        expect(b.checkKeys([parseKey('q'), parseKey('q/peek')])).toBe(null);
        expect(a.checkKeys([parseKey('q/close'), parseKey('q'), parseKey('q')])).toMatchObject({ kind: 'busy' });
        expect(await get(b, 'q/peek')).toBe(null);
      }),
    );

    it(
      'refuses an item past the queue limit, and a queue past the queue count',
      withQueues(async (_f, a) => {
        for (const t of ['1', '2', '3']) expect(typeof (await a.enqueue('q', 0, 0, data(t), T0))).toBe('number');
        expect(await a.enqueue('q', 0, 0, data('4'), T0)).toEqual(
          new Failure('full', 'queue q is full (max 3 items): not stored'),
        );
        await a.enqueue('r', 0, 0, data('x'), T0);
        await a.enqueue('s', 0, 0, data('x'), T0);
        expect(await a.enqueue('t', 0, 0, data('x'), T0)).toMatchObject({
          kind: 'full',
          reason: expect.stringMatching(/^too many queues \(max 3\)/) as unknown,
        });
      }),
    );

    it(
      'says what is wrong with a queue name',
      withQueues(async (_f, a) => {
        expect(await a.enqueue('q/open', 0, 0, data('x'), T0)).toMatchObject({
          kind: 'invalid',
          reason: expect.stringMatching(/^set takes only the option delay=<ms>/) as unknown,
        });
        expect(await a.enqueue('q/delay=-1', 0, 0, data('x'), T0)).toEqual(
          new Failure('invalid', 'delay= needs a whole number of milliseconds'),
        );
        expect(await a.enqueue('q/delay=31536000001', 0, 0, data('x'), T0)).toEqual(
          new Failure('invalid', 'delay= is larger than 31536000000 ms'),
        );
        expect(await a.enqueue('n'.repeat(251), 0, 0, data('x'), T0)).toMatchObject({ kind: 'invalid' });
        expect(await a.flush('a b', T0)).toMatchObject({ kind: 'invalid' });
        expect(await a.dropQueue('', T0)).toMatchObject({ kind: 'invalid' });
      }),
    );

    it(
      'flushes a queue, every queue (now or later), and drops a queue',
      withQueues(async (_f, a, b) => {
        for (const t of ['1', '2']) await a.enqueue('q', 0, 0, data(t), T0);
        await a.enqueue('r', 0, 0, data('x'), T0);
        expect(await get(b, 'q')).toBe('1');
        expect(await a.flush('q', T0)).toBe(traits.flushKeepsReserved ? 1 : 2);
        expect(await a.flush('none', T0)).toBe(0);
        expect(await get(a, 'q/peek')).toBe(null);
        // The holder's acknowledgement ends its reservation either way (flushed with it, or kept).
        expect(await end(b, 'q')).toBe(true);
        expect(await a.flushAll(0, T0)).toBe(undefined);
        expect(await get(a, 'r/peek')).toBe(null);
        await a.enqueue('r', 0, 0, data('y'), T0);
        expect(await a.dropQueue('r', T0)).toBe(true);
        expect(await a.dropQueue('r', T0)).toBe(false);
      }),
    );

    const touch = async (ops: QueueOperations, key: string, exptime: number, now = T0) =>
      ops.touch(parseTouchKey(key), exptime, now);
    const idOf = (id: number | Failure) => {
      if (typeof id !== 'number') throw new Error(`enqueue declined: ${id.reason}`);
      return id;
    };

    it(
      'counts deliveries: shown with the deliveries option, kept through a release',
      withQueues(async (_f, a) => {
        await a.enqueue('q', 0, 0, data('x'), T0);
        expect(await a.get(parseKey('q/peek/deliveries'), T0)).toMatchObject({ deliveries: 0 });
        expect(await a.get(parseKey('q/deliveries'), T0)).toMatchObject({ deliveries: 1 });
        expect(await end(a, 'q/abort')).toBe(true);
        expect(await a.get(parseKey('q/deliveries'), T0)).toMatchObject({ deliveries: 2 });
      }),
    );

    it(
      'holds a delayed set out of sight',
      withQueues(async (_f, a, b) => {
        expect(typeof (await a.enqueue('q/delay=60000', 0, 0, data('later'), T0))).toBe('number');
        expect(await get(b, 'q')).toBe(null);
        expect(await get(b, 'q/peek')).toBe(null);
      }),
    );

    // A minute: longer than any test, so the item stays out of sight on a store with real time too.
    it(
      'holds an item released with a delay out of sight, by its holder or by id',
      withQueues(async (_f, a, b) => {
        const first = idOf(await a.enqueue('q', 0, 0, data('one'), T0));
        await a.enqueue('q', 0, 0, data('two'), T0);
        expect(await get(a, 'q')).toBe('one');
        expect(await get(a, 'q')).toBe('two');
        expect(await end(a, 'q/abort/delay=60000')).toBe(true);
        expect(await get(b, 'q/abort/delay=5')).toBe(null);
        expect(await end(b, 'q/abort/delay=5')).toBe(false);
        expect(await b.get(parseKey(`q/abort/id=${first + 1}/delay=60000`), T0)).toBe(null);
        expect(await get(b, 'q/peek')).toBe(null);
        expect(await get(b, 'q')).toBe(null);
      }),
    );

    it(
      'renews a lease by id or for every item the connection holds; refuses a bad exptime',
      withQueues(async (_f, a, b) => {
        const id = idOf(await a.enqueue('q', 0, 0, data('x'), T0));
        expect(await touch(a, `q/id=${id}`, 30)).toBe(false);
        expect(await get(a, 'q/lease=1000')).toBe('x');
        expect(await touch(b, `q/id=${id}`, 30)).toBe(true);
        expect(await touch(b, 'q', 30)).toBe(false);
        expect(await touch(a, 'q/lease=5000', 0)).toBe(true);
        expect(await touch(a, 'q', 0)).toBe(true);
        expect(await touch(a, 'q', -1)).toEqual(new Failure('invalid', 'touch needs an exptime of 0 or more'));
        expect(await touch(a, 'q', 3_000_000)).toEqual(new Failure('invalid', 'touch needs an exptime in the future'));
        expect(await touch(a, 'q', Math.floor(T0 / 1000) + 40 * 86400)).toEqual(
          new Failure('invalid', 'touch lease is longer than 2592000000 ms'),
        );
      }),
    );

    it('moves an item given back after its last delivery to <queue>.dead, with its count; so does a disconnect', async () => {
      const f = await make({ ...CONFORMANCE_LIMITS, maxDeliveries: 2 });
      const a = f.queues.connect();
      try {
        await a.enqueue('jobs', 5, 0, data('poison'), T0);
        expect(await get(a, 'jobs')).toBe('poison');
        expect(await end(a, 'jobs/abort')).toBe(true);
        expect(await get(a, 'jobs')).toBe('poison');
        // The store says where the item went (what the outcome option's reply tells).
        expect(await end(a, 'jobs/abort')).toBe(DEAD_LETTERED);
        expect(await get(a, 'jobs')).toBe(null);
        expect(await a.get(parseKey('jobs.dead/deliveries'), T0)).toMatchObject({ flags: 5, deliveries: 3 });
        await a.enqueue('jobs', 0, 0, data('again'), T0);
        const c = f.queues.connect();
        expect(await get(c, 'jobs')).toBe('again');
        expect(await end(c, 'jobs/abort')).toBe(true);
        expect(await get(c, 'jobs')).toBe('again');
        c.disconnect(T0);
        // A store across the network moves it after the disconnect: a get that waits sees it land.
        expect(await get(a, 'jobs.dead/t=10000')).toBe('again');
        expect(await get(a, 'jobs')).toBe(null);
      } finally {
        a.disconnect(T0);
        await f.close();
      }
    });

    it(
      'refuses every change while the store refuses them, and still shows items',
      withQueues(async (f, a) => {
        await a.enqueue('q', 0, 0, data('kept'), T0);
        await f.refuseChanges();
        const refused = { kind: 'refused', reason: expect.any(String) as unknown };
        expect(await a.enqueue('q', 0, 0, data('x'), T0)).toMatchObject(refused);
        expect(await a.get(parseKey('q'), T0)).toMatchObject(refused);
        expect(await a.get(parseKey('q/close'), T0)).toMatchObject(refused);
        expect(await a.end(parseDeleteKey('q/id=1'), T0)).toMatchObject(refused);
        expect(await a.flush('q', T0)).toMatchObject(refused);
        expect(await a.flushAll(0, T0)).toMatchObject(refused);
        expect(await a.dropQueue('q', T0)).toMatchObject(refused);
        if (traits.peekWhileRefusing) expect(await get(a, 'q/peek')).toBe('kept');
      }),
    );
  });
}
