/**
 * `rq serve --metrics`: loads the metrics module (and prom-client) only when asked, hands the
 * journal its fsync observer before the journal opens, and starts the HTTP endpoint once the
 * queue port listens. See man/rq-serve.1 and docs/monitoring.md.
 */
import type { Journal } from '../../journal/journal.js';
import type { Logger } from '../../server/log.js';
import type { RqServer } from '../../server/server.js';
import { VERSION } from '../../version.js';
import { parseMetricsAddress, type ListenAddress, type MetricsArgs } from './metrics-options.js';

export interface ServeMetrics {
  /** For the journal's options: told each fsync's duration. */
  readonly onFsync: (seconds: number) => void;
  /** Serves the metrics of `server` (and its journal); rejects when the address cannot be listened on. */
  start(server: RqServer, journal: Journal | null): Promise<ListenAddress>;
}

/** The metrics of a server with (or without) a journal, per `args`; null without `--metrics`. */
export async function prepareMetrics(args: MetricsArgs & { journal: boolean }, log: Logger): Promise<ServeMetrics | null> {
  if (args.metrics === undefined) return null;
  const address = parseMetricsAddress(args.metrics) as ListenAddress; // checked by withMetricsOptions
  const [{ Exposition }, { MetricsServer }, { serverSource }] = await Promise.all([
    import('../../server/metrics/exposition.js'),
    import('../../server/metrics/metrics-server.js'),
    import('../../server/metrics/figures.js'),
  ]);
  const maxQueues = args['metrics-max-queues'] === 0 ? Infinity : args['metrics-max-queues'];
  const exposition = new Exposition({ journal: args.journal, maxQueues });
  return {
    onFsync: exposition.observeFsync,
    start: (server, journal) =>
      new MetricsServer(serverSource(server, journal, VERSION), exposition, log).listen(address.host, address.port),
  };
}
