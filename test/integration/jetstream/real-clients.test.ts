/**
 * The real memcache clients' suites (test/integration/clients/) run again, unchanged, against a
 * front end on a real three-node JetStream cluster (R3): each test has queues of its own.
 */
import { afterAll } from 'vitest';
import { NatsCluster, NO_NATS_SERVER } from '../../helpers/nats-cluster.js';
import { JETSTREAM_TRAITS, startJetStreamServer } from '../../helpers/jetstream.js';
import { serveRealClientsWith } from '../../helpers/real-clients.js';

if (NO_NATS_SERVER === null) {
  let cluster: Promise<NatsCluster> | null = null;
  let tests = 0;
  serveRealClientsWith(async () => {
    cluster ??= NatsCluster.start();
    return startJetStreamServer((await cluster).urls, { replicas: 3, prefix: `rc${++tests}` });
  }, JETSTREAM_TRAITS);
  afterAll(async () => {
    await (await cluster)?.stop();
  });
  await import('../clients/python-memcache.test.js');
  await import('../clients/pymemcache.test.js');
  await import('../clients/dalli.test.js');
  await import('../clients/libmemcached-tools.test.js');
}
