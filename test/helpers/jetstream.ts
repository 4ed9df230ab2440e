/** What the JetStream store's tests share: store options with short waits, and what the store promises. */
import { DEFAULT_STORE_TIMEOUT_MS, type StoreOptions } from '../../src/server/jetstream/options.js';
import type { StoreTraits } from './queue-ops-conformance.js';

/**
 * JetStream's differences from the embedded store (docs/scale-out.md: semantics): an item given
 * back is delivered first but not shown by peek until then, flush purges reserved items too, and
 * an unreachable store shows nothing.
 */
export const JETSTREAM_TRAITS: StoreTraits = { peekShowsGivenBack: false, flushKeepsReserved: false, peekWhileRefusing: false };

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
