/**
 * The real memcache clients' suites (test/integration/clients/) run again, unchanged, against a
 * front end on a real three-node JetStream cluster (R3): each test has queues of its own.
 */
import { afterAll, beforeAll } from 'vitest';
import { CLUSTER_START_MS, NatsCluster, NO_NATS_SERVER } from '../../helpers/nats-cluster.js';
import { JETSTREAM_TRAITS, startJetStreamServer } from '../../helpers/jetstream.js';
import { serveRealClientsWith } from '../../helpers/real-clients.js';

if (NO_NATS_SERVER === null) {
  let cluster: NatsCluster | undefined;
  let tests = 0;
  beforeAll(async () => {
    cluster = await NatsCluster.start();
  }, CLUSTER_START_MS);
  serveRealClientsWith(async () => {
    if (cluster === undefined) throw new Error('the NATS cluster did not start');
    return startJetStreamServer(cluster.urls, { replicas: 3, prefix: `rc${++tests}` });
  }, JETSTREAM_TRAITS);
  afterAll(async () => {
    await cluster?.stop();
  });
  await import('../clients/python-memcache.test.js');
  await import('../clients/pymemcache.test.js');
  await import('../clients/dalli.test.js');
  await import('../clients/libmemcached-tools.test.js');
}
