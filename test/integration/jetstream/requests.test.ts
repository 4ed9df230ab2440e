/**
 * The front end's own requests to JetStream (src/server/jetstream/requests.ts) on a real server:
 * the answers of requests sent in one turn each reach their sender, and a failure is the error
 * nats.js would throw, which api-errors.ts tells apart: JetStream's error, no responders (no
 * stream takes the subject), no answer in time.
 */
import { jetstreamManager, RetentionPolicy } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNoMessage, isNoStream, isTimeout } from '../../../src/server/jetstream/api-errors.js';
import { reasonOf } from '../../../src/server/jetstream/reasons.js';
import { Requests } from '../../../src/server/jetstream/requests.js';
import { Turns } from '../../../src/server/jetstream/turns.js';
import { NatsServer, NO_NATS_SERVER } from '../../helpers/nats-cluster.js';

describe.skipIf(NO_NATS_SERVER !== null)(`JetStream requests${NO_NATS_SERVER ? ` (${NO_NATS_SERVER})` : ''}`, () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let requests: Requests;
  beforeAll(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    requests = new Requests(nc, new Turns());
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'R', subjects: ['r.>'], retention: RetentionPolicy.Workqueue });
  });
  afterAll(async () => {
    requests?.close();
    await nc?.close();
    await server?.stop();
  });

  /** What a request ended with: its answer, or the error it was rejected with. */
  const outcome = <T>(p: Promise<T>) =>
    p.then(
      (answer) => ({ answer }),
      (err: unknown) => ({ err }),
    );

  it('gives each of the requests of one turn its own answer', async () => {
    const acks = await Promise.all(
      Array.from({ length: 20 }, (_, i) => requests.json<{ seq: number }>(`r.${i}`, String(i), 5_000)),
    );
    expect(acks.map((a) => a.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const deleted = await Promise.all(
      acks.map(async (a) => requests.json<{ success: boolean }>('$JS.API.STREAM.MSG.DELETE.R', `{"seq":${a.seq}}`, 5_000)),
    );
    expect(deleted.every((d) => d.success)).toBe(true);
  });

  it("fails as nats.js does: JetStream's error, no responders, no answer in time", async () => {
    const { seq } = await requests.json<{ seq: number }>('r.gone', 'x', 5_000);
    const remove = () => requests.json('$JS.API.STREAM.MSG.DELETE.R', `{"seq":${seq}}`, 5_000);
    await remove();
    const missing = await outcome(remove());
    expect(isNoMessage((missing as { err: unknown }).err)).toBe(true);

    const nobody = await outcome(requests.json('nothing.listens.here', 'x', 5_000));
    expect(isNoStream((nobody as { err: unknown }).err)).toBe(true);
    expect(reasonOf((nobody as { err: unknown }).err, 'storing')).toBe(
      'storing: no JetStream server answered (a leader election, or the queue was deleted)',
    );

    const silent = nc.subscribe('silent.service', { callback: () => {} });
    await nc.flush();
    const startedAt = Date.now();
    const late = await outcome(requests.json('silent.service', 'x', 200));
    silent.unsubscribe();
    expect(isTimeout((late as { err: unknown }).err)).toBe(true);
    expect(reasonOf((late as { err: unknown }).err, 'storing')).toBe('storing: no answer from JetStream in time');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(200);
  });
});
