/**
 * What the JetStream store asks JetStream, counted from the API requests seen on a real server:
 * a queue that many connections need at once is looked up and made once (catalog.ts), every
 * connection waiting for that one instead of each asking (making a consumer again drops the pulls
 * waiting on it); a set, get and delete cost a publish, a pull and a delete, nothing more; and
 * `stats` reads a queue with nothing open in one request (figures.ts); a queue stays known through
 * its stream's leader elections, and is looked up again once its stream is deleted; a set that
 * nothing takes for a moment (no stream leader) is sent again, without a lookup.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDeleteKey, parseKey } from '../../../src/protocol/key.js';
import { openJetStream } from '../../../src/server/jetstream/connect.js';
import type { JetStreamStore } from '../../../src/server/jetstream/store.js';
import { SILENT_LOG } from '../../../src/server/log.js';
import { ServerCounters } from '../../../src/server/stats.js';
import { eventually } from '../../helpers/eventually.js';
import { testStoreOptions } from '../../helpers/jetstream.js';
import { NatsServer, NO_NATS_SERVER } from '../../helpers/nats-cluster.js';
import { testLimits } from '../../helpers/server.js';

const CONNECTIONS = 50;

describe.skipIf(NO_NATS_SERVER !== null)(`JetStream API requests${NO_NATS_SERVER ? ` (${NO_NATS_SERVER})` : ''}`, () => {
  let server: NatsServer;
  let spy: NatsConnection;
  let store: JetStreamStore;
  beforeAll(async () => {
    server = await NatsServer.start();
    spy = await connect({ servers: server.url });
    store = await openJetStream(testStoreOptions(server.url), testLimits(), SILENT_LOG);
  });
  afterAll(async () => {
    await store?.persistence.close();
    await spy?.close();
    await server?.stop();
  });

  /** Counts the JetStream API requests from now on, by kind (`STREAM.CREATE`, `CONSUMER.INFO`, …), until `stop`. */
  async function countRequests(): Promise<{ seen: Map<string, number>; stop: () => Promise<void> }> {
    const seen = new Map<string, number>();
    const sub = spy.subscribe('$JS.API.>', {
      callback: (_err, msg) => {
        const kind = msg.subject.split('.').slice(2, 4).join('.');
        seen.set(kind, (seen.get(kind) ?? 0) + 1);
      },
    });
    await spy.flush();
    return {
      seen,
      stop: async () => {
        await spy.flush();
        sub.unsubscribe();
      },
    };
  }

  it('makes a new queue once for fifty connections that wait on it at once, and serves them all', async () => {
    const { seen, stop } = await countRequests();
    const counters = new ServerCounters();
    const queues = store.queues(counters);
    const conns = Array.from({ length: CONNECTIONS }, () => queues.connect());
    try {
      const gets = conns.map(async (ops) => ops.get(parseKey('jobs/t=30000'), Date.now()));
      const producer = queues.connect();
      for (let i = 0; i < CONNECTIONS; i++)
        expect(typeof (await producer.enqueue('jobs', 0, 0, Buffer.from(`${i}`), Date.now()))).toBe('number');
      producer.disconnect(Date.now());
      const items = await Promise.all(gets);
      expect(
        items
          .map((item) => (item === null || !('data' in item) ? item : Number(item.data.toString())))
          .sort((x, y) => Number(x) - Number(y)),
      ).toEqual(Array.from({ length: CONNECTIONS }, (_, i) => i));
      await stop();
      expect(seen.get('STREAM.CREATE')).toBe(1);
      expect(seen.get('STREAM.INFO')).toBe(1);
      expect(seen.get('CONSUMER.CREATE') ?? seen.get('CONSUMER.DURABLE')).toBe(1);
    } finally {
      for (const ops of conns) ops.disconnect(Date.now());
    }
  });

  it('reads the figures of a queue with nothing open in one request, and the head of one in use in two', async () => {
    const ops = store.queues(new ServerCounters()).connect();
    try {
      for (const q of ['idle', 'busy']) for (const t of ['1', '2']) await ops.enqueue(q, 0, 0, Buffer.from(t), Date.now());
      expect(await ops.get(parseKey('busy'), Date.now())).toMatchObject({ data: Buffer.from('1') });
      const { seen, stop } = await countRequests();
      const figures = await store.figures(Date.now());
      await stop();
      if (!('queues' in figures)) throw new Error(figures.reason);
      const byName = new Map(figures.queues.map((q) => [q.name, q]));
      expect(byName.get('idle')).toMatchObject({ items: 2, open: 0 });
      expect(byName.get('busy')).toMatchObject({ items: 1, open: 1 });
      expect(byName.get('idle')!.ageMs).toBeGreaterThanOrEqual(0);
      // One consumer info per queue; the head of the busy one only is read (a direct get).
      expect(seen.get('CONSUMER.INFO')).toBe(3);
      expect(seen.get('DIRECT.GET')).toBe(1);
    } finally {
      ops.disconnect(Date.now());
    }
  });

  it('costs a cycle (set, get, delete) one pull and one delete, besides the publish', async () => {
    const ops = store.queues(new ServerCounters()).connect();
    try {
      await ops.enqueue('cycle', 0, 0, Buffer.from('made'), Date.now());
      expect(await ops.get(parseKey('cycle'), Date.now())).toMatchObject({ data: Buffer.from('made') });
      expect(await ops.end(parseDeleteKey('cycle'), Date.now())).toBe(true);
      let plain = 0;
      for (let i = 0; i < 10; i++) {
        const { seen, stop } = await countRequests();
        expect(typeof (await ops.enqueue('cycle', 0, 0, Buffer.from(`${i}`), Date.now()))).toBe('number');
        expect(await ops.get(parseKey('cycle'), Date.now())).toMatchObject({ data: Buffer.from(`${i}`) });
        expect(await ops.end(parseDeleteKey('cycle'), Date.now())).toBe(true);
        await stop();
        // A pull answered "no message" just after the publish (the consumer not yet at the new
        // item: a loaded machine) is followed by a look at the stream and a pull again.
        if (seen.has('STREAM.INFO')) continue;
        expect(Object.fromEntries(seen)).toEqual({ 'CONSUMER.MSG': 1, 'STREAM.MSG': 1 });
        plain++;
      }
      expect(plain).toBeGreaterThanOrEqual(5);
    } finally {
      ops.disconnect(Date.now());
    }
  });

  it("keeps knowing a queue through its stream's leader elections, and asks again once it is deleted", async () => {
    const ops = store.queues(new ServerCounters()).connect();
    /** A stream advisory as nats-server sends it, seen by the store before this resolves. */
    const advisory = async (event: string) => {
      spy.publish(`$JS.EVENT.ADVISORY.STREAM.${event}.rq_elected`, '{}');
      await spy.flush();
      await store.nc.flush();
    };
    try {
      expect(typeof (await ops.enqueue('elected', 0, 0, Buffer.from('first'), Date.now()))).toBe('number');
      const { seen, stop } = await countRequests();
      // Asking again in the middle of an election would fail the set that the publish alone carries through.
      await advisory('LEADER_ELECTED');
      await advisory('QUORUM_LOST');
      expect(typeof (await ops.enqueue('elected', 0, 0, Buffer.from('second'), Date.now()))).toBe('number');
      await advisory('DELETED');
      expect(typeof (await ops.enqueue('elected', 0, 0, Buffer.from('third'), Date.now()))).toBe('number');
      await stop();
      expect(seen.get('STREAM.INFO')).toBe(1);
    } finally {
      ops.disconnect(Date.now());
    }
  });

  it('sends a set again while nothing takes its subject (no stream leader), without looking the queue up', async () => {
    const ops = store.queues(new ServerCounters()).connect();
    const jsm = await jetstreamManager(spy);
    try {
      expect(typeof (await ops.enqueue('leaderless', 0, 0, Buffer.from('first'), Date.now()))).toBe('number');
      const { subjects } = (await jsm.streams.info('rq_leaderless')).config;
      // As while a leader is elected: nothing takes the queue's subject (its stream listens elsewhere).
      await jsm.streams.update('rq_leaderless', { subjects: ['elsewhere'] });
      const { seen, stop } = await countRequests();
      const sent = store.nc.stats().outMsgs;
      const set = ops.enqueue('leaderless', 0, 0, Buffer.from('second'), Date.now());
      await eventually(() => store.nc.stats().outMsgs >= sent + 4, 'four messages from the front end');
      await stop();
      await jsm.streams.update('rq_leaderless', { subjects });
      expect(typeof (await set)).toBe('number');
      expect(Object.fromEntries(seen)).toEqual({});
    } finally {
      ops.disconnect(Date.now());
    }
  });
});
