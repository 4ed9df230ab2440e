/**
 * The metrics endpoint of a front end on a real JetStream server: a scrape shows the queues as the
 * store counts them, and /readyz says 503 with the store's reason while NATS cannot be reached,
 * and 200 again once it can.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/eventually.js';
import { startJetStreamServer } from '../../helpers/jetstream.js';
import { httpGet, samples, startMetrics, type TestMetrics } from '../../helpers/metrics.js';
import { NatsServer, NO_NATS_SERVER } from '../../helpers/nats-cluster.js';
import { Connections, setText } from '../../helpers/raw-client.js';

let nats: NatsServer | null = null;
let front: { port: number; close(): Promise<void> } | null = null;
let metrics: TestMetrics | null = null;
const conns = new Connections(() => front!.port);

afterEach(async () => {
  conns.closeAll();
  await metrics?.close();
  await front?.close();
  await nats?.stop();
  metrics = null;
  front = null;
  nats = null;
});

describe.skipIf(NO_NATS_SERVER !== null)(`metrics of a front end on JetStream ${NO_NATS_SERVER ?? ''}`, () => {
  it("shows the store's figures, and /readyz follows whether NATS can be reached", async () => {
    nats = await NatsServer.start();
    const started = await startJetStreamServer(nats.url, { prefix: 'metrics' });
    front = started;
    metrics = await startMetrics(started.server, null);
    const c = await conns.connect();
    for (const data of ['a', 'b', 'c']) expect(await c.request(setText('jobs', data))).toBe('STORED\r\n');
    expect(await c.request('get jobs\r\n', 'END\r\n')).toBe('VALUE jobs 0 1\r\na\r\nEND\r\n');

    let seen = new Map<string, number>();
    const figure = (name: string) => seen.get(`${name}{queue="jobs"}`);
    await eventually(
      async () => {
        seen = samples((await httpGet(metrics!.port, '/metrics')).body);
        return (
          figure('rq_queue_ready_items') === 2 &&
          figure('rq_queue_open_items') === 1 &&
          figure('rq_queue_delivered_items_total') === 1
        );
      },
      () => `jobs: 2 ready, 1 open, 1 delivered; seen ${JSON.stringify([...seen].filter(([k]) => k.includes('jobs')))}`,
    );
    expect(seen.get('rq_accepting_changes')).toBe(1);
    expect([...seen.keys()].some((k) => k.startsWith('rq_journal_'))).toBe(false);
    expect(await httpGet(metrics.port, '/readyz')).toMatchObject({ status: 200, body: 'ready\n' });

    await nats.node.kill('SIGKILL');
    let ready = await httpGet(metrics.port, '/readyz');
    await eventually(
      async () => (ready = await httpGet(metrics!.port, '/readyz')).status === 503,
      () => `/readyz 503; it says ${ready.status} ${ready.body}`,
      { deadlineMs: 10_000 },
    );
    expect(ready.body).toMatch(/^not ready: lost the connection to the NATS server .*; reconnecting\n$/);
    expect(await httpGet(metrics.port, '/healthz')).toMatchObject({ status: 200 });

    await nats.node.start(/Server is ready/);
    await eventually(
      async () => (ready = await httpGet(metrics!.port, '/readyz')).status === 200,
      () => `/readyz 200 again; it says ${ready.status} ${ready.body}`,
      { deadlineMs: 20_000, intervalMs: 100 },
    );
  });
});
