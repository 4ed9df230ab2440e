/**
 * Delayed sets on JetStream (src/server/jetstream/delays.ts) on a real server, through front ends
 * in this process: an item set with `delay=` through one front end waits out of sight (counted as
 * delayed) and joins the tail of its queue when due, for a reader on another front end; so does an
 * item its holder releases with a delay, keeping its delivery count; a delayed item is
 * moved by a front end that started after it was set, when the one that stored it is gone;
 * flush and delete_queue remove delayed items too; and a queue deleted through one front end is
 * made again, with its delayed stream, by the next set through another.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseDeleteKey, parseKey } from '../../../src/protocol/key.js';
import { DEAD_LETTERED } from '../../../src/queue/engine.js';
import type { Item } from '../../../src/queue/types.js';
import { openJetStream } from '../../../src/server/jetstream/connect.js';
import type { JetStreamStore } from '../../../src/server/jetstream/store.js';
import { SILENT_LOG } from '../../../src/server/log.js';
import { Failure, type QueueOperations } from '../../../src/server/queue-ops/operations.js';
import { ServerCounters } from '../../../src/server/stats.js';
import { eventually } from '../../helpers/eventually.js';
import { testStoreOptions } from '../../helpers/jetstream.js';
import { NatsServer, NO_NATS_SERVER } from '../../helpers/nats-cluster.js';
import { testLimits } from '../../helpers/server.js';

/**
 * The delay of the items a test checks before they are due: long enough that the steps between
 * the set (or release) and the wait for the item end before it, on a loaded machine too.
 */
const DELAY_MS = 4000;

describe.skipIf(NO_NATS_SERVER !== null)(`delayed sets on JetStream${NO_NATS_SERVER ? ` (${NO_NATS_SERVER})` : ''}`, () => {
  let server: NatsServer;
  let prefixes = 0;
  const opened: Array<{ store: JetStreamStore; ops: QueueOperations }> = [];
  beforeAll(async () => {
    server = await NatsServer.start();
  });
  afterEach(async () => {
    for (const { store, ops } of opened.splice(0)) {
      ops.disconnect(Date.now());
      await store.persistence.close();
    }
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** A front end's operations; the front ends of one test share their queues (one prefix). */
  async function frontEnd(prefix: string, maxDeliveries = Infinity): Promise<{ store: JetStreamStore; ops: QueueOperations }> {
    const store = await openJetStream(testStoreOptions(server.url, { prefix }), testLimits({ maxDeliveries }), SILENT_LOG);
    const fe = { store, ops: store.queues(new ServerCounters()).connect() };
    opened.push(fe);
    return fe;
  }

  const text = (item: Item | null | Failure) => (item === null || item instanceof Failure ? item : item.data.toString());
  const get = async (ops: QueueOperations, key: string) => text(await ops.get(parseKey(key), Date.now()));
  const set = async (ops: QueueOperations, key: string, data: string) => {
    const id = await ops.enqueue(key, 0, 0, Buffer.from(data), Date.now());
    if (typeof id !== 'number') throw new Error(`not stored: ${id.reason}`);
  };
  async function figuresOf(store: JetStreamStore, queue: string) {
    const figures = await store.figures(Date.now());
    if (!('queues' in figures)) throw new Error(figures.reason);
    return figures.queues.find((q) => q.name === queue);
  }

  it('keeps a delayed item out of sight, then adds it at the tail when due, for a reader on another front end', async () => {
    const prefix = `d${++prefixes}`;
    const [a, b] = [await frontEnd(prefix), await frontEnd(prefix)];
    const setAt = Date.now();
    // DELAY_MS outlasts the steps up to the wait, however slow a loaded cluster is.
    await set(a.ops, `jobs/delay=${DELAY_MS}`, 'later');
    await set(a.ops, 'jobs', 'now');
    expect(await figuresOf(b.store, 'jobs')).toMatchObject({ items: 1, delayed: 1 });
    expect(await get(b.ops, 'jobs/peek')).toBe('now');
    expect(await get(b.ops, 'jobs/close/open')).toBe('now');
    expect(await get(b.ops, 'jobs/close/open')).toBe(null);
    expect(await get(b.ops, 'jobs/t=20000')).toBe('later');
    expect(Date.now() - setAt).toBeGreaterThanOrEqual(DELAY_MS);
    // Published to the queue, then deleted from the delayed ones: counted in both for that moment.
    await eventually(async () => (await figuresOf(a.store, 'jobs'))?.delayed === 0, 'the moved item no longer delayed');
    expect(await figuresOf(a.store, 'jobs')).toMatchObject({ items: 0, open: 1, delayed: 0 });
  });

  it('keeps an item its holder releases with a delay out of sight, counted as delayed, then at the tail with its count', async () => {
    const prefix = `d${++prefixes}`;
    const [a, b] = [await frontEnd(prefix), await frontEnd(prefix)];
    await set(a.ops, 'jobs', 'retry');
    expect(await get(a.ops, 'jobs')).toBe('retry');
    const releasedAt = Date.now();
    expect(await a.ops.end(parseDeleteKey(`jobs/abort/delay=${DELAY_MS}`), Date.now())).toBe(true);
    await set(a.ops, 'jobs', 'new');
    expect(await figuresOf(b.store, 'jobs')).toMatchObject({ items: 1, open: 0, delayed: 1 });
    expect(await get(b.ops, 'jobs/peek')).toBe('new');
    // No longer held by the connection that released it.
    expect(await a.ops.end(parseDeleteKey('jobs'), Date.now())).toBe(false);
    expect(await get(b.ops, 'jobs/close/open')).toBe('new');
    const back = await b.ops.get(parseKey('jobs/close/open/t=20000/deliveries'), Date.now());
    expect(Date.now() - releasedAt).toBeGreaterThanOrEqual(DELAY_MS);
    expect(back).toMatchObject({ data: Buffer.from('retry'), deliveries: 2 });
    await eventually(async () => (await figuresOf(a.store, 'jobs'))?.delayed === 0, 'the released item no longer delayed');
  });

  it('counts the deliveries before a release with a delay towards --max-deliveries', async () => {
    const a = await frontEnd(`d${++prefixes}`, 2);
    await set(a.ops, 'jobs', 'poison');
    expect(await get(a.ops, 'jobs')).toBe('poison');
    expect(await a.ops.end(parseDeleteKey('jobs/abort/delay=50'), Date.now())).toBe(true);
    expect(await a.ops.get(parseKey('jobs/t=20000/deliveries'), Date.now())).toMatchObject({ deliveries: 2 });
    expect(await a.ops.end(parseDeleteKey('jobs/abort/delay=50'), Date.now())).toBe(DEAD_LETTERED);
    // Two deliveries in jobs, and this reservation from jobs.dead (as the conformance suite counts).
    expect(await a.ops.get(parseKey('jobs.dead/deliveries'), Date.now())).toMatchObject({ deliveries: 3 });
  });

  it('is moved when due by a front end that started after it was set, the one that stored it gone', async () => {
    const prefix = `d${++prefixes}`;
    const a = await frontEnd(prefix);
    await set(a.ops, 'jobs/delay=500', 'orphan');
    a.ops.disconnect(Date.now());
    await a.store.persistence.close();
    opened.splice(opened.indexOf(a), 1);
    const b = await frontEnd(prefix);
    expect(await get(b.ops, 'jobs/t=20000')).toBe('orphan');
  });

  it('removes delayed items with flush and delete_queue; a queue made again delays anew', async () => {
    const prefix = `d${++prefixes}`;
    const [a, b] = [await frontEnd(prefix), await frontEnd(prefix)];
    await set(a.ops, 'flushed/delay=300', 'x');
    await set(a.ops, 'flushed', 'y');
    await set(a.ops, 'dropped/delay=300', 'z');
    expect(await a.ops.flush('flushed', Date.now())).toBe(2);
    expect(await a.ops.dropQueue('dropped', Date.now())).toBe(true);
    expect(await figuresOf(b.store, 'flushed')).toMatchObject({ items: 0, delayed: 0 });
    expect(await figuresOf(b.store, 'dropped')).toBe(undefined);
    // Well past their due time: neither comes.
    const [flushed, dropped] = await Promise.all([get(b.ops, 'flushed/t=2000'), get(a.ops, 'dropped/t=2000')]);
    expect([flushed, dropped]).toEqual([null, null]);
    // Made again: its delayed items come again, through the front end that deleted it too.
    await set(a.ops, 'dropped/delay=300', 'again');
    expect(await get(a.ops, 'dropped/t=20000')).toBe('again');
  });

  it('makes a queue deleted through another front end again on the next set, delayed or not', async () => {
    const prefix = `d${++prefixes}`;
    const [a, b] = [await frontEnd(prefix), await frontEnd(prefix)];
    await set(b.ops, 'remade', 'before');
    // Not due before the queue is deleted: one due meanwhile could be moved into the queue made again.
    await set(b.ops, 'remade/delay=60000', 'before, delayed');
    expect(await a.ops.dropQueue('remade', Date.now())).toBe(true);
    await set(b.ops, 'remade', 'after');
    await set(b.ops, 'remade/delay=50', 'after, delayed');
    expect([await get(a.ops, 'remade/t=20000'), await get(a.ops, 'remade/t=20000')]).toEqual(['after', 'after, delayed']);
  });
});
