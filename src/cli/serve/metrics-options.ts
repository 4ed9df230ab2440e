/**
 * `rq serve`'s metrics options (man/rq-serve.1: Monitoring): `--metrics [host:port]` turns the
 * HTTP endpoint on, `--metrics-max-queues` caps its per-queue series. Kept apart from
 * commands/serve.ts as trust-options.ts is.
 */
import { DEFAULT_METRICS_ADDRESS, DEFAULT_METRICS_MAX_QUEUES } from '../../server/defaults.js';
import type { OptionSpec } from '../command-spec.js';

export interface MetricsArgs {
  /** Where to serve /metrics, /healthz and /readyz; absent: nowhere. */
  metrics?: string;
  'metrics-max-queues': number;
}

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * `--metrics`'s value as an address: `host:port`, `[ipv6]:port`, or a port alone (on loopback);
 * empty for the default address. A string saying what is wrong otherwise.
 */
export function parseMetricsAddress(value: string): ListenAddress | string {
  const text = value === '' ? DEFAULT_METRICS_ADDRESS : value;
  const m = /^(?:(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):)?([0-9]{1,5})$/.exec(text);
  const wrong = `--metrics takes host:port, [ipv6]:port or a port (e.g. ${DEFAULT_METRICS_ADDRESS}), not ${JSON.stringify(value)}`;
  if (m === null) return wrong;
  const port = Number(m[3]);
  if (port > 65535) return `--metrics: port ${port} is not 0–65535`;
  return { host: m[1] ?? m[2] ?? DEFAULT_METRICS_ADDRESS.split(':')[0], port };
}

/** The options, as data for both parsers (command-spec.ts); `metricsProblem` checks them. */
export const METRICS_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  metrics: {
    type: 'string',
    describe: `Serve Prometheus /metrics, /healthz and /readyz over HTTP on host:port (alone: ${DEFAULT_METRICS_ADDRESS}; see man rq-serve)`,
  },
  'metrics-max-queues': {
    type: 'number',
    default: DEFAULT_METRICS_MAX_QUEUES,
    describe: 'Per-queue metrics for at most this many queues, the deepest (0: every queue)',
  },
};

/** Why the options are wrong, or null. */
export function metricsProblem(a: MetricsArgs): string | null {
  if (a.metrics !== undefined) {
    const address = parseMetricsAddress(a.metrics);
    if (typeof address === 'string') return address;
  }
  const max = a['metrics-max-queues'];
  if (!Number.isSafeInteger(max) || max < 0) return '--metrics-max-queues must be a whole number (0 for every queue)';
  return null;
}
