/**
 * The promise of rq on JetStream under failure: producers and consumers run through two front
 * ends while the queue's stream leader is killed with SIGKILL and restarted, and then the new
 * leader. Nothing STORED is lost, nothing DELETED comes back, every item delivered is one a
 * producer sent, the front ends answer SERVER_ERROR (never a false STORED) meanwhile, and they
 * recover by themselves. Bounded in items and time.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_START_MS, NatsCluster, NO_NATS_SERVER, type NatsNode } from '../helpers/nats-cluster.js';
import { RawClient, setCommand } from '../helpers/raw-client.js';
import { spawnRq, type RqServeProcess } from '../helpers/rq-process.js';

const ACK_WAIT_S = 2;
const PREFIX = 'failover';
const QUEUE = 'jobs';
/**
 * Each producer stops once this many of its items are STORED, whatever the failures have reached.
 * Its SERVER_ERRORs do not count: a front end that answers them at once would otherwise use up a
 * producer's items within one election, and the test would see no recovery.
 */
const MAX_STORED_PER_PRODUCER = 1500;
/** A reply may take the store's time limit (5 s) during an election, and more on a loaded machine. */
const REPLY_DEADLINE_MS = 30_000;

/** How long each of the five phases may take to store its next items before the test says "no recovery". */
const PROGRESS_LIMIT_MS = 60_000;
/**
 * Above the five phases' limits together, plus the draining: a stuck phase then fails with "no recovery"
 * and the front ends' logs, not with vitest's bare timeout.
 */
const TEST_LIMIT_MS = 5 * PROGRESS_LIMIT_MS + 120_000;

describe.skipIf(NO_NATS_SERVER !== null)(`JetStream failover${NO_NATS_SERVER ? ` (${NO_NATS_SERVER})` : ''}`, () => {
  let cluster: NatsCluster;
  const fronts: RqServeProcess[] = [];
  const clients: RawClient[] = [];

  beforeAll(async () => {
    cluster = await NatsCluster.start();
    for (let i = 0; i < 2; i++) {
      fronts.push(await spawnRq(['--store', cluster.urls, '--store-prefix', PREFIX, '--store-ack-wait', String(ACK_WAIT_S)]));
    }
  }, CLUSTER_START_MS + 20_000);
  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all(fronts.map((f) => f.kill('SIGKILL')));
    await cluster?.stop();
  });

  async function client(front: RqServeProcess): Promise<RawClient> {
    const c = await RawClient.connect(front.port);
    clients.push(c);
    return c;
  }

  /** What each front end logged (the end of it) and whether it still runs: for a failure's message. */
  function frontEndsSay(): string {
    return fronts
      .map(
        (f, i) =>
          `front end ${i} (${f.child.exitCode === null && f.child.signalCode === null ? 'running' : `exited ${f.child.exitCode ?? f.child.signalCode}`}), stderr ends:\n${f.stderr().slice(-3000)}`,
      )
      .join('\n');
  }

  /** The node leading the queue's stream now. */
  async function streamLeader(): Promise<NatsNode> {
    const nc = await connect({ servers: cluster.nodes.filter((n) => n.running).map((n) => n.url) });
    try {
      const jsm = await jetstreamManager(nc, { timeout: 10_000 });
      for (;;) {
        const info = await jsm.streams.info(`${PREFIX}_${QUEUE}`);
        const leader = info.cluster?.leader;
        if (leader !== undefined && leader !== '') return cluster.node(leader);
      }
    } finally {
      await nc.close();
    }
  }

  it('loses nothing STORED and brings back nothing DELETED while stream leaders die', { timeout: TEST_LIMIT_MS }, async () => {
    const stored = new Set<string>();
    /** Sets answered SERVER_ERROR: stored or not, either is allowed. */
    const unsure = new Set<string>();
    /**
     * Each item answered DELETED, with the step at which DELETED was read (a count of this test's
     * sends and reads, in the order it made them). A get sent after that step must not return the
     * item: that is rq's promise. A get sent before it may: when electing the consumer's leader
     * takes longer than the ack wait (a loaded machine), the holder's `+WPI` reaches no leader and
     * JetStream delivers the item to the other consumer while the first still holds it
     * (docs/scale-out.md, "Semantics side by side"); that get overlaps the delete, and the item's
     * VALUE may be read after its DELETED.
     */
    const deleted = new Map<string, number>();
    let step = 0;
    const check = (data: string, id: string, sentAt: number) => {
      const at = deleted.get(data);
      if (at !== undefined && at < sentAt) violations.push(`${data} (id ${id}) came back after DELETED`);
    };
    const received: string[] = [];
    const violations: string[] = [];
    let producing = true;

    /** Per producer: its SERVER_ERRORs, and the last one's words (shown when the front ends do not recover). */
    const failures = [0, 1].map(() => ({ count: 0, last: '' }));
    const produce = async (p: number) => {
      const c = await client(fronts[p % 2]);
      for (let i = 0, mine = 0; producing && mine < MAX_STORED_PER_PRODUCER; i++) {
        const data = `p${p}-${i}`;
        c.send(setCommand(QUEUE, data));
        const reply = await c.readLine(REPLY_DEADLINE_MS);
        if (reply === 'STORED') {
          stored.add(data);
          mine++;
        } else if (reply.startsWith('SERVER_ERROR ')) {
          unsure.add(data);
          failures[p].count++;
          failures[p].last = reply;
        } else violations.push(`set ${data}: ${reply}`);
      }
    };

    /** Takes items until `until()` holds and a wait finds nothing; acknowledges each. */
    const consume = async (k: number, until: () => boolean) => {
      const c = await client(fronts[(k + 1) % 2]);
      for (;;) {
        const sentAt = ++step;
        c.send(`gets ${QUEUE}/t=1000\r\n`);
        const line = await c.readLine(REPLY_DEADLINE_MS);
        if (line === 'END') {
          if (until()) return;
          continue;
        }
        if (line.startsWith('SERVER_ERROR ')) continue;
        const m = /^VALUE \S+ 0 (\d+) (\d+)$/.exec(line);
        if (m === null) {
          violations.push(`get: ${line}`);
          return;
        }
        const data = (await c.readBytes(Number(m[1]) + 2, REPLY_DEADLINE_MS)).toString('latin1', 0, Number(m[1]));
        expect(await c.readLine(REPLY_DEADLINE_MS)).toBe('END');
        received.push(data);
        check(data, m[2], sentAt);
        // By id: a plain `delete` acknowledges the oldest item the connection holds, which after a
        // delete answered SERVER_ERROR is the one before, not the one just received.
        c.send(`delete ${QUEUE}/id=${m[2]}\r\n`);
        const ack = await c.readLine(REPLY_DEADLINE_MS);
        if (ack === 'DELETED') deleted.set(data, ++step);
        else if (!ack.startsWith('SERVER_ERROR ') && ack !== 'NOT_FOUND') violations.push(`delete ${data}: ${ack}`);
      }
    };

    /** Resolves once `more` further items are STORED: the front ends work again. */
    const progress = async (more: number) => {
      const target = stored.size + more;
      const deadline = Date.now() + PROGRESS_LIMIT_MS;
      while (stored.size < target) {
        if (Date.now() > deadline) {
          const failed = failures.map((f, p) => `producer ${p}: ${f.count} SERVER_ERROR, the last "${f.last}"`);
          throw new Error(
            `no recovery: ${stored.size} of ${target} stored; ${failed.join('; ')}; ${violations.join('; ')}\n${frontEndsSay()}`,
          );
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    };

    // A client whose connection a front end closes is a failure to report, with the front ends' logs.
    const reported = (work: Promise<void>, who: string) =>
      work.catch((err: Error) => {
        violations.push(`${who}: ${err.message}`);
      });
    const producers = [0, 1].map((p) => reported(produce(p), `producer ${p}`));
    const consumers = [0, 1].map((k) =>
      reported(
        consume(k, () => !producing),
        `consumer ${k}`,
      ),
    );
    await progress(50);
    for (let round = 0; round < 2; round++) {
      const leader = await streamLeader();
      await leader.kill('SIGKILL');
      await progress(30);
      await cluster.restart(leader);
      await progress(30);
    }
    producing = false;
    await Promise.all(producers);
    await Promise.all(consumers);
    // What a failed acknowledgement left reserved comes back after the ack wait: take it all.
    const last = await client(fronts[0]);
    for (;;) {
      const sentAt = ++step;
      last.send(`gets ${QUEUE}/t=${ACK_WAIT_S * 2000}\r\n`);
      const line = await last.readLine(REPLY_DEADLINE_MS);
      if (line === 'END') break;
      if (line.startsWith('SERVER_ERROR ')) continue;
      const [, size, id] = /^VALUE \S+ 0 (\d+) (\d+)$/.exec(line)!;
      const n = Number(size);
      const data = (await last.readBytes(n + 2, REPLY_DEADLINE_MS)).toString('latin1', 0, n);
      await last.readLine(REPLY_DEADLINE_MS);
      received.push(data);
      check(data, id, sentAt);
      last.send(`delete ${QUEUE}/id=${id}\r\n`);
      if ((await last.readLine(REPLY_DEADLINE_MS)) === 'DELETED') deleted.set(data, ++step);
    }

    // Checked now: a consumer may take an item before its producer has read STORED.
    for (const data of received) if (!stored.has(data) && !unsure.has(data)) violations.push(`${data} was never sent`);
    expect(violations).toEqual([]);
    const got = new Set(received);
    const lost = [...stored].filter((d) => !got.has(d));
    expect(lost).toEqual([]);
    expect(stored.size).toBeGreaterThan(100);
  });
});
