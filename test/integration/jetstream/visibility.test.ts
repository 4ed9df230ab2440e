/**
 * A delete of the item a client got answers DELETED (docs/scale-out.md: semantics), on a real
 * three-node cluster with replicated (R3) streams, where a delete races JetStream's own removal of
 * the item it ends. So the test runs many rounds of set, get and delete on several queues at once
 * (the load makes the race likely); every round that goes wrong is reported.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startJetStreamServer } from '../../helpers/jetstream.js';
import { NatsCluster, NO_NATS_SERVER } from '../../helpers/nats-cluster.js';
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

/** How a round looks for the item: the get key (the queue, maybe with options). */
interface Look {
  readonly getKey?: (queue: string) => string;
}

/**
 * `n` rounds on `queue`: `setter` sets an item, `getter` gets it and acknowledges it. Returns what
 * went wrong, round by round: a get that found nothing (the item is then taken with a get that
 * waits), an acknowledgement answered NOT_FOUND.
 */
async function rounds(setter: QueueClient, getter: QueueClient, queue: string, n: number, look: Look): Promise<string[]> {
  const wrong: string[] = [];
  for (let i = 0; i < n; i++) {
    const data = `${queue}-${i}`;
    await setter.set(queue, data);
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
  const each = await Promise.all(Array.from({ length: QUEUES }, async (_, i) => {
    const [setter, getter] = await clients();
    return rounds(setter, getter, name(i), n, look);
  }));
  return each.flat();
}

describe.skipIf(NO_NATS_SERVER !== null)(`set, get and delete on JetStream R3${NO_NATS_SERVER ? ` (${NO_NATS_SERVER})` : ''}`, { timeout: 90_000 }, () => {
  let cluster: NatsCluster;
  let made = 0;
  const servers: Array<{ port: number; close(): Promise<void> }> = [];
  const conns = new Connections(() => {
    throw new Error('each connection names its port');
  });

  beforeAll(async () => {
    cluster = await NatsCluster.start();
  });
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

  /** One connection that sets and gets. */
  const alone = (connect: () => Promise<QueueClient>): Clients => async () => {
    const c = await connect();
    return [c, c];
  };

  it('acknowledges every item it holds: DELETED, never NOT_FOUND', async () => {
    const [port] = await frontEnds(1);
    // Gets that wait: only the acknowledgements are under test here.
    expect(await onQueues((i) => `jobs${i}`, 4 * ROUNDS, alone(() => text(port)), { getKey: (q) => `${q}/t=${WAIT_MS}` })).toEqual([]);
  });
});
