/**
 * A connection's pull inbox (src/server/jetstream/pulls.ts) on a real JetStream server. JetStream
 * keeps a waiting pull until it expires, even after its requester has moved on; an item it then
 * delivers is no answer to the connection's next pull, from another queue, and is given back. The
 * gets that do not wait go as one pull per turn and queue (batch-pulls.ts), all answered through
 * one subscription (token-inbox.ts).
 */
import net from 'node:net';
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy } from '@nats-io/jetstream';
import { connect, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryOf } from '../../../src/server/jetstream/items.js';
import { CONSUMER_NAME } from '../../../src/server/jetstream/names.js';
import { Pulls, type PullResult } from '../../../src/server/jetstream/pulls.js';
import { Failure } from '../../../src/server/queue-ops/operations.js';
import { NatsServer, NO_NATS_SERVER } from '../../helpers/nats-cluster.js';

/** Long enough that JetStream still holds a pull when the test delivers to it. */
const PULL_WAIT_MS = 20_000;

describe.skipIf(NO_NATS_SERVER !== null)(`pull inbox${NO_NATS_SERVER ? ` (${NO_NATS_SERVER})` : ''}`, () => {
  let server: NatsServer;
  let nc: NatsConnection;
  beforeAll(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });

  /** A work-queue stream with rq's consumer: what a pull is sent to. */
  async function queue(name: string): Promise<{ stream: string; subject: string; nextSubject: string }> {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name, subjects: [`q.${name}`], retention: RetentionPolicy.Workqueue });
    await jsm.consumers.add(name, { durable_name: CONSUMER_NAME, ack_policy: AckPolicy.Explicit });
    return { stream: name, subject: `q.${name}`, nextSubject: `$JS.API.CONSUMER.MSG.NEXT.${name}.${CONSUMER_NAME}` };
  }

  /** What a pull ended with, as text. */
  const text = (m: PullResult) => (m === null ? 'none' : m instanceof Failure ? m.reason : m.string());

  it("answers a pull only with an item of its queue: another queue's late item is given back", async () => {
    const [a, b] = [await queue('A'), await queue('B')];
    const js = jetstream(nc);
    let given!: (m: Msg) => void;
    const givenBack = new Promise<Msg>((resolve) => (given = resolve));
    const inbox = new Pulls(nc, 5_000, (m) => given(m)).inbox();

    // A get on A gives up on its pull (a stopped wait); JetStream keeps the pull. The connection then pulls from B.
    const onA = inbox.pull(a, PULL_WAIT_MS);
    await nc.flush();
    onA.cancel();
    expect(await onA.result).toBeNull();
    const onB = inbox.pull(b, PULL_WAIT_MS);
    await nc.flush();

    // An item of A goes to the pull on A: no answer to the pull on B; given back.
    await js.publish(a.subject, 'of A');
    const first = await Promise.race([
      givenBack.then((m) => `given back: ${m.string()}`),
      onB.result.then((m) => `answered B: ${text(m)}`),
    ]);
    expect(first).toBe('given back: of A');
    expect(deliveryOf((await givenBack).reply!)?.stream).toBe('A');
    await js.publish(b.subject, 'of B');
    expect(text(await onB.result)).toBe('of B');
    inbox.close();
  });

  it('sends the gets of one turn on one queue as one pull, and answers them in order: items, then none', async () => {
    const c = await queue('C');
    const js = jetstream(nc);
    for (const data of ['one', 'two', 'three']) await js.publish(c.subject, data);
    const pulls: string[] = [];
    const spy = nc.subscribe(c.nextSubject, {
      callback: (_err, m) => {
        pulls.push(m.string());
      },
    });
    const given: Msg[] = [];
    const store = new Pulls(nc, 5_000, (m) => given.push(m));
    const inboxes = Array.from({ length: 5 }, () => store.inbox());
    const results = await Promise.all(inboxes.map(async (inbox) => text(await inbox.pull(c, 0).result)));
    expect(results).toEqual(['one', 'two', 'three', 'none', 'none']);
    expect(pulls.map((p) => JSON.parse(p) as unknown)).toEqual([{ batch: 5, no_wait: true }]);
    expect(given).toEqual([]);
    spy.unsubscribe();
    for (const inbox of inboxes) inbox.close();
  });

  it('hands the message of a get that gave up to the next get of its batch, or gives it back', async () => {
    const d = await queue('D');
    const js = jetstream(nc);
    for (const data of ['first', 'second']) await js.publish(d.subject, data);
    let given!: (m: Msg) => void;
    const givenBack = new Promise<Msg>((resolve) => (given = resolve));
    const store = new Pulls(nc, 5_000, (m) => given(m));
    const [a, b] = [store.inbox(), store.inbox()];
    const gone = a.pull(d, 0);
    const next = b.pull(d, 0);
    // The batch of two goes out at the end of this turn; its answer cannot come before the next one.
    await new Promise((resolve) => setImmediate(resolve));
    gone.cancel();
    expect(await gone.result).toBeNull();
    expect(text(await next.result)).toBe('first');
    expect((await givenBack).string()).toBe('second');
    a.close();
    b.close();
  });

  it('answers the batches of many turns, on two queues, through one subscription: one SUB, no UNSUB', async () => {
    const [e, f] = [await queue('E'), await queue('F')];
    const js = jetstream(nc);
    for (let i = 0; i < 10; i++) {
      await js.publish(e.subject, `e${i}`);
      await js.publish(f.subject, `f${i}`);
    }
    // The front end's NATS connection goes through a relay that keeps what it sends.
    let sent = '';
    const relay = net.createServer((client) => {
      const upstream = net.connect(server.node.port, '127.0.0.1');
      client.on('data', (d: Buffer) => {
        sent += d.toString('latin1');
        upstream.write(d);
      });
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const front = await connect({ servers: `127.0.0.1:${(relay.address() as net.AddressInfo).port}` });
    const given: Msg[] = [];
    const pulls = new Pulls(front, 5_000, (m) => given.push(m));
    const inboxes = [pulls.inbox(), pulls.inbox()];
    const got: string[] = [];
    for (let turn = 0; turn < 5; turn++) {
      const results = await Promise.all(inboxes.flatMap((inbox) => [e, f].map((q) => inbox.pull(q, 0).result)));
      got.push(...results.map(text));
    }
    expect(got.filter((g) => g.startsWith('e'))).toEqual(Array.from({ length: 10 }, (_, i) => `e${i}`));
    expect(got.filter((g) => g.startsWith('f'))).toEqual(Array.from({ length: 10 }, (_, i) => `f${i}`));
    expect(given).toEqual([]);
    await front.flush();
    expect(sent.match(/^SUB /gm)?.length).toBe(1);
    expect(sent.match(/^UNSUB /gm)).toBeNull();
    for (const inbox of inboxes) inbox.close();
    await front.close();
    await new Promise((resolve) => relay.close(resolve));
  });
});
