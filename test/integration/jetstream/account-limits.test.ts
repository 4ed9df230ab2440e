/**
 * --max-queues is checked by each front end, which counts the streams before making one, so front
 * ends making queues at the same moment can pass it; the NATS account's JetStream `max_streams` is
 * the exact bound across all of them (docs/scale-out.md). A set past it is refused as too many
 * queues, stores nothing, and the queues that exist keep working. A front end that cannot count the
 * streams answers SERVER_ERROR, as for any request JetStream does not answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKey } from '../../../src/protocol/key.js';
import { openJetStream } from '../../../src/server/jetstream/connect.js';
import type { JetStreamStore } from '../../../src/server/jetstream/store.js';
import { SILENT_LOG } from '../../../src/server/log.js';
import { Failure } from '../../../src/server/queue-ops/operations.js';
import { ServerCounters } from '../../../src/server/stats.js';
import { testStoreOptions } from '../../helpers/jetstream.js';
import { NatsServer, NO_NATS_SERVER } from '../../helpers/nats-cluster.js';
import { testLimits } from '../../helpers/server.js';

const ACCOUNT = `accounts { RQ: { jetstream: { max_streams: 2 }, users: [{ user: rq, password: rq }] } }`;

describe.skipIf(NO_NATS_SERVER !== null)(`the account's max_streams${NO_NATS_SERVER ? ` (${NO_NATS_SERVER})` : ''}`, () => {
  let server: NatsServer;
  const stores: JetStreamStore[] = [];
  beforeAll(async () => {
    server = await NatsServer.start({ extraConfig: ACCOUNT });
    for (let i = 0; i < 2; i++)
      stores.push(await openJetStream(testStoreOptions(server.url, { user: 'rq', password: 'rq' }), testLimits(), SILENT_LOG));
  });
  afterAll(async () => {
    for (const s of stores) await s.persistence.close();
    await server?.stop();
  });

  it('refuses a queue past it through any front end, as too many queues, and stores nothing', async () => {
    const [a, b] = stores.map((s) => s.queues(new ServerCounters()).connect());
    try {
      expect(typeof (await a.enqueue('one', 0, 0, Buffer.from('1'), Date.now()))).toBe('number');
      expect(typeof (await b.enqueue('two', 0, 0, Buffer.from('2'), Date.now()))).toBe('number');
      for (const ops of [a, b]) {
        expect(await ops.enqueue('three', 0, 0, Buffer.from('3'), Date.now())).toEqual(
          new Failure(
            'full',
            "too many queues (the NATS account's JetStream max_streams): not stored; delete_queue the ones no longer used",
          ),
        );
      }
      expect(await a.get(parseKey('three'), Date.now())).toBe(null);
      expect(await a.get(parseKey('two'), Date.now())).toMatchObject({ data: Buffer.from('2') });
    } finally {
      a.disconnect(Date.now());
      b.disconnect(Date.now());
    }
  });

  it('--max-queues: a new queue whose streams cannot be counted is a store failure, not a broken operation', async () => {
    // A user that may not list stream names: the count before making a queue fails.
    const denied = await NatsServer.start({
      extraConfig: `accounts { D: { jetstream: enabled, users: [{ user: d, password: d, permissions: { publish: { deny: ["$JS.API.STREAM.NAMES"] } } }] } }`,
    });
    const store = await openJetStream(
      testStoreOptions(denied.url, { user: 'd', password: 'd', timeoutMs: 1_000 }),
      { ...testLimits(), maxQueues: 10 },
      SILENT_LOG,
    );
    const ops = store.queues(new ServerCounters()).connect();
    try {
      const outcome = await ops.enqueue('new', 0, 0, Buffer.from('1'), Date.now());
      expect(outcome).toBeInstanceOf(Failure);
      expect(outcome).toMatchObject({
        kind: 'refused',
        reason: expect.stringMatching(/^store: counting the queues: /) as string,
      });
    } finally {
      ops.disconnect(Date.now());
      await store.persistence.close();
      await denied.stop();
    }
  });
});
