/**
 * Once a client has seen STORED, the next get (or peek) finds the item, and a delete of the item it
 * got answers DELETED (docs/scale-out.md: semantics), on a real three-node cluster with replicated
 * (R3) streams. There a queue's consumer may have its leader on another server than its stream's
 * (two queues in three do) and see a new item a moment after the stream acknowledged it, and a
 * delete races JetStream's own removal of the item it ends. So every test runs many rounds of set,
 * get and delete on several queues at once (the load widens those moments): on new queues and on
 * queues in use, through the text and the binary protocol, and through a second front end. Every
 * round that goes wrong is reported.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OP, STATUS } from '../../../src/protocol/binary/constants.js';
import { BinaryClient, setExtras } from '../../helpers/binary-client.js';
import { startJetStreamServer } from '../../helpers/jetstream.js';
import { CLUSTER_START_MS, NatsCluster, NO_NATS_SERVER } from '../../helpers/nats-cluster.js';
import { Connections, RawClient, setCommand } from '../../helpers/raw-client.js';

/** Queues worked on at once: with two in three having their leaders apart, some always do. */
const QUEUES = 8;
/** Set-then-get rounds on each queue in use. */
const ROUNDS = 40;
/** How long a get that waits may wait for an item (a consumer far behind takes seconds). */
const WAIT_MS = 10_000;
const REPLY_DEADLINE_MS = WAIT_MS + 5_000;

/** One client's set, get and acknowledgement, in one protocol. */
interface QueueClient {
  /** Sets `data`; resolves once it was answered STORED. */
  set(queue: string, data: string): Promise<void>;
  /** Gets from `key` (a queue, maybe with options): the data, or null for none. */
  get(key: string): Promise<string | null>;
  /** Acknowledges the connection's reservation on the queue: true for DELETED, false for NOT_FOUND. */
  ack(queue: string): Promise<boolean>;
}

function textClient(c: RawClient): QueueClient {
  return {
    async set(queue, data) {
      expect(await c.request(setCommand(queue, data))).toBe('STORED\r\n');
    },
    async get(key) {
      c.send(`get ${key}\r\n`);
      const reply = await c.readUntil('END\r\n', REPLY_DEADLINE_MS);
      return reply === 'END\r\n' ? null : reply.split('\r\n')[1];
    },
    async ack(queue) {
      const reply = await c.request(`delete ${queue}\r\n`);
      expect(reply).toMatch(/^(DELETED|NOT_FOUND)\r\n$/);
      return reply === 'DELETED\r\n';
    },
  };
}

function binaryClient(c: BinaryClient): QueueClient {
  const answer = async (fields: Parameters<BinaryClient['send']>[0], expected: number[]) => {
    c.send(fields);
    const reply = await c.read(REPLY_DEADLINE_MS);
    expect(expected).toContain(reply.status);
    return reply;
  };
  return {
    async set(queue, data) {
      await answer({ opcode: OP.SET, key: queue, extras: setExtras(), value: data }, [STATUS.SUCCESS]);
    },
    async get(key) {
      const reply = await answer({ opcode: OP.GET, key }, [STATUS.SUCCESS, STATUS.KEY_NOT_FOUND]);
      return reply.status === STATUS.SUCCESS ? reply.value.toString('latin1') : null;
    },
    async ack(queue) {
      return (await answer({ opcode: OP.DELETE, key: queue }, [STATUS.SUCCESS, STATUS.KEY_NOT_FOUND])).status === STATUS.SUCCESS;
    },
  };
}

/** How a round looks for the item: a peek first, and the get key (the queue, maybe with options). */
interface Look {
  readonly peek?: boolean;
  readonly getKey?: (queue: string) => string;
}

/**
 * `n` rounds on `queue`: `setter` sets an item, `getter` gets it and acknowledges it. Returns what
 * went wrong, round by round: a peek or a get that found nothing (the item is then taken with a
 * get that waits), an acknowledgement answered NOT_FOUND.
 */
async function rounds(setter: QueueClient, getter: QueueClient, queue: string, n: number, look: Look): Promise<string[]> {
  const wrong: string[] = [];
  for (let i = 0; i < n; i++) {
    const data = `${queue}-${i}`;
    await setter.set(queue, data);
    if (look.peek && (await getter.get(`${queue}/peek`)) === null) wrong.push(`${data}: peek showed none`);
    const got = await getter.get(look.getKey?.(queue) ?? queue);
    if (got === null) wrong.push(`${data}: none`);
    expect(got ?? (await getter.get(`${queue}/t=${WAIT_MS}`))).toBe(data);
    if (!(await getter.ack(queue))) wrong.push(`${data}: NOT_FOUND`);
  }
  return wrong;
}

type Clients = () => Promise<[setter: QueueClient, getter: QueueClient]>;

/** rounds on QUEUES queues at once, each with clients of its own; everything that went wrong. */
async function onQueues(name: (i: number) => string, n: number, clients: Clients, look: Look = {}): Promise<string[]> {
  const each = await Promise.all(
    Array.from({ length: QUEUES }, async (_, i) => {
      const [setter, getter] = await clients();
      return rounds(setter, getter, name(i), n, look);
    }),
  );
  return each.flat();
}

describe.skipIf(NO_NATS_SERVER !== null)(
  `set, get and delete on JetStream R3${NO_NATS_SERVER ? ` (${NO_NATS_SERVER})` : ''}`,
  { timeout: 90_000 },
  () => {
    let cluster: NatsCluster;
    let made = 0;
    const servers: Array<{ port: number; close(): Promise<void> }> = [];
    const conns = new Connections(() => {
      throw new Error('each connection names its port');
    });

    beforeAll(async () => {
      cluster = await NatsCluster.start();
    }, CLUSTER_START_MS);
    afterEach(async () => {
      conns.closeAll();
      await Promise.all(servers.splice(0).map((s) => s.close()));
    });
    afterAll(async () => {
      await cluster?.stop();
    });

    /** `n` front ends sharing their queues (a prefix of the test's own). */
    async function frontEnds(n: number): Promise<number[]> {
      const prefix = `v${++made}`;
      const ports: number[] = [];
      for (let i = 0; i < n; i++) {
        const s = await startJetStreamServer(cluster.urls, { replicas: 3, prefix });
        servers.push(s);
        ports.push(s.port);
      }
      return ports;
    }

    const text = async (port: number) => textClient(conns.add(await RawClient.connect(port)));
    const binary = async (port: number) => binaryClient(conns.add(await BinaryClient.connect(port)));

    /** One connection that sets and gets. */
    const alone =
      (connect: () => Promise<QueueClient>): Clients =>
      async () => {
        const c = await connect();
        return [c, c];
      };

    it('acknowledges every item it holds: DELETED, never NOT_FOUND', async () => {
      const [port] = await frontEnds(1);
      // Gets that wait: only the acknowledgements are under test here.
      expect(
        await onQueues(
          (i) => `jobs${i}`,
          4 * ROUNDS,
          alone(() => text(port)),
          { getKey: (q) => `${q}/t=${WAIT_MS}` },
        ),
      ).toEqual([]);
    });

    it('text: finds the item on a new queue and on one in use', async () => {
      const [port] = await frontEnds(1);
      expect(
        await onQueues(
          (i) => `new${i}`,
          1,
          alone(() => text(port)),
        ),
      ).toEqual([]);
      expect(
        await onQueues(
          (i) => `jobs${i}`,
          ROUNDS,
          alone(() => text(port)),
        ),
      ).toEqual([]);
    });

    it('binary: finds the item on a new queue and on one in use', async () => {
      const [port] = await frontEnds(1);
      expect(
        await onQueues(
          (i) => `new${i}`,
          1,
          alone(() => binary(port)),
        ),
      ).toEqual([]);
      expect(
        await onQueues(
          (i) => `jobs${i}`,
          ROUNDS,
          alone(() => binary(port)),
        ),
      ).toEqual([]);
    });

    it('finds the item through a second front end, right after the first answered STORED', async () => {
      const [a, b] = await frontEnds(2);
      const apart: Clients = async () => [await text(a), await text(b)];
      // b has looked for the new queues before they were made: it must not go by that.
      const looker = await text(b);
      for (let i = 0; i < QUEUES; i++) expect(await looker.get(`new${i}`)).toBeNull();
      expect(await onQueues((i) => `new${i}`, 1, apart)).toEqual([]);
      expect(await onQueues((i) => `jobs${i}`, ROUNDS, apart)).toEqual([]);
    });

    it('shows the item to a peek right after STORED', async () => {
      const [port] = await frontEnds(1);
      expect(
        await onQueues(
          (i) => `jobs${i}`,
          ROUNDS,
          alone(() => text(port)),
          { peek: true },
        ),
      ).toEqual([]);
    });
  },
);
