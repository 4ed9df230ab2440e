/**
 * `rq serve --store`: opens the JetStream store before the server starts, or ends `rq serve` with
 * exit status 2 and a message saying what to fix (an unreachable cluster, one without JetStream,
 * wrong credentials, a single server asked for replicas).
 */
import { openJetStream, StoreSetupError } from '../../server/jetstream/connect.js';
import type { StoreRequest } from '../../server/jetstream/options.js';
import type { JetStreamStore } from '../../server/jetstream/store.js';
import type { Limits } from '../../server/context.js';
import type { Logger } from '../../server/log.js';
import { EXIT_USAGE } from '../exit-codes.js';

/** Opens the store, and the limits the server then has: items no larger than the NATS servers take. */
export async function openStore(
  request: StoreRequest,
  limits: Limits,
  log: Logger,
): Promise<{ store: JetStreamStore; limits: Limits }> {
  try {
    const store = await openJetStream(request, limits, log);
    if (limits.maxItemSize <= store.maxItemSize) return { store, limits };
    log.info("items limited by the NATS servers' max_payload", { 'max-item-size': store.maxItemSize });
    return { store, limits: { ...limits, maxItemSize: store.maxItemSize } };
  } catch (err) {
    const message =
      err instanceof StoreSetupError ? err.message : `cannot use --store ${request.servers.join(',')}: ${(err as Error).message}`;
    log.error('store not opened', { reason: message });
    log.close();
    process.stderr.write(`rq serve: ${message}\n`);
    process.exit(EXIT_USAGE);
  }
}

/** How `rq serve` names its store on the "listening" line. */
export function storeDescription(store: JetStreamStore): string {
  return `store ${store.options.servers.join(',')}, ${store.options.replicas} replica${store.options.replicas === 1 ? '' : 's'}`;
}
