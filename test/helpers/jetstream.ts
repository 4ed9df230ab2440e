/**
 * What the JetStream store's tests share: store options with short waits, what the store promises,
 * and an rq server in this process on a JetStream store.
 */
import { openJetStream } from '../../src/server/jetstream/connect.js';
import { DEFAULT_STORE_TIMEOUT_MS, type StoreOptions } from '../../src/server/jetstream/options.js';
import { SILENT_LOG } from '../../src/server/log.js';
import { RqServer } from '../../src/server/server.js';
import type { StoreTraits } from './queue-ops-conformance.js';
import { testLimits } from './server.js';

/**
 * JetStream's differences from the embedded store (docs/scale-out.md: semantics): an item given
 * back is delivered first but not shown by peek until then, flush purges reserved items too, and
 * an unreachable store shows nothing.
 */
export const JETSTREAM_TRAITS: StoreTraits = {
  peekShowsGivenBack: false,
  flushKeepsReserved: false,
  peekWhileRefusing: false,
};

/**
 * An ack wait short enough that a test of a front end that died sees its items come back soon, long
 * enough that a loaded machine keeps live reservations alive (three keepalives per ack wait).
 */
export const TEST_ACK_WAIT_MS = 3_000;

export function testStoreOptions(urls: string, more: Partial<StoreOptions> = {}): StoreOptions {
  return {
    servers: urls.split(','),
    replicas: 1,
    ackWaitMs: TEST_ACK_WAIT_MS,
    timeoutMs: DEFAULT_STORE_TIMEOUT_MS,
    prefix: 'rq',
    ...more,
  };
}

/** An rq server in this process whose queues live on the JetStream servers at `urls`. */
export async function startJetStreamServer(
  urls: string,
  options: Partial<StoreOptions> = {},
): Promise<{ server: RqServer; port: number; close(): Promise<void> }> {
  const limits = testLimits();
  const store = await openJetStream(testStoreOptions(urls, options), limits, SILENT_LOG);
  const server = new RqServer(
    { host: '127.0.0.1', port: 0, limits: { ...limits, maxItemSize: Math.min(limits.maxItemSize, store.maxItemSize) } },
    store,
  );
  const { port } = await server.listen();
  return { server, port, close: () => server.close() };
}
