/**
 * The JetStream store's queue operations pass the conformance suite on a real three-node cluster,
 * with replicated (R3) streams; where JetStream differs (docs/scale-out.md), the suite checks what
 * the store promises instead. Each test has queues of its own (a prefix), on one cluster.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { SILENT_LOG } from '../../../src/server/log.js';
import { openJetStream } from '../../../src/server/jetstream/connect.js';
import type { JetStreamStore } from '../../../src/server/jetstream/store.js';
import { ServerCounters } from '../../../src/server/stats.js';
import { CLUSTER_START_MS, NatsCluster, NO_NATS_SERVER } from '../../helpers/nats-cluster.js';
import { operationsConformance } from '../../helpers/queue-ops-conformance.js';
import { eventually } from '../../helpers/eventually.js';
import { JETSTREAM_TRAITS, testStoreOptions } from '../../helpers/jetstream.js';

// Replicated streams take a moment to make, and one test restarts the cluster: room for a loaded machine.
describe.skipIf(NO_NATS_SERVER !== null)(
  `JetStream store${NO_NATS_SERVER ? ` (${NO_NATS_SERVER})` : ''}`,
  { timeout: 90_000 },
  () => {
    let cluster: NatsCluster;
    let made = 0;
    beforeAll(async () => {
      cluster = await NatsCluster.start();
    }, CLUSTER_START_MS);
    afterAll(async () => {
      await cluster?.stop();
    });

    operationsConformance(
      'JetStream R3',
      async (limits) => {
        const store: JetStreamStore = await openJetStream(
          testStoreOptions(cluster.urls, { replicas: 3, prefix: `c${++made}` }),
          limits,
          SILENT_LOG,
        );
        const counters = new ServerCounters();
        let killed = false;
        return {
          queues: store.queues(counters),
          counters,
          // The whole cluster goes away: nothing can be changed, and the store says so.
          refuseChanges: async () => {
            killed = true;
            await Promise.all(cluster.nodes.map((n) => n.kill('SIGKILL')));
            await eventually(() => store.persistence.writeRefusal() !== null, 'the store to refuse changes');
          },
          close: async () => {
            await store.persistence.close();
            if (killed) await Promise.all(cluster.nodes.map((n) => cluster.restart(n)));
          },
        };
      },
      JETSTREAM_TRAITS,
    );
  },
);
