/** `rq serve`: runs the server (man/rq-serve.1). */
import os from 'node:os';
import path from 'node:path';
import { MAX_ITEM_BYTES } from '../../journal/format.js';
import { parseFsyncPolicy } from '../../journal/policy.js';
import { DEFAULT_FSYNC, DEFAULT_HOST, DEFAULT_MAX_ITEM_SIZE, DEFAULT_MAX_OPEN, DEFAULT_PORT } from '../../server/defaults.js';
import { UsageError, type CommandSpec, type OptionSpec } from '../command-spec.js';
import { METRICS_OPTIONS, metricsProblem, type MetricsArgs } from '../serve/metrics-options.js';
import { STORE_OPTIONS, storeProblem, withStoreEnvironment, type StoreArgs } from '../serve/store-options.js';
import { TRUST_OPTIONS, trustProblem, type TrustArgs } from '../serve/trust-options.js';

export interface ServeArgs extends TrustArgs, StoreArgs, MetricsArgs {
  host: string;
  port: number;
  'data-dir': string;
  'max-item-size': number;
  'max-open': number;
  fsync: string;
  journal: boolean;
}

/** Where the journal lives unless --data-dir says otherwise: the XDG data directory. */
export function defaultDataDir(): string {
  const base = process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'rq');
}

/** The core options; the other groups are in ../serve/ (trust, store, metrics). */
const SERVE_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  host: { type: 'string', default: DEFAULT_HOST, describe: 'Address to listen on (loopback by default)' },
  port: { type: 'number', default: DEFAULT_PORT, describe: 'Port to listen on; 0 picks a free one' },
  'data-dir': {
    type: 'string',
    default: defaultDataDir(),
    defaultDescription: '$XDG_DATA_HOME/rq',
    describe: 'Directory of the journal',
  },
  'max-item-size': { type: 'number', default: DEFAULT_MAX_ITEM_SIZE, describe: 'Largest item in bytes' },
  'max-open': {
    type: 'number',
    default: DEFAULT_MAX_OPEN,
    describe: 'Open reservations per connection and queue',
  },
  fsync: {
    type: 'string',
    default: DEFAULT_FSYNC,
    describe: 'When to fsync the journal: always (before replying), <ms> (at most every ms, replies before), never',
  },
  journal: {
    type: 'boolean',
    default: true,
    describe: 'Keep a journal in --data-dir (--no-journal: memory only, everything is lost on exit)',
  },
};

/** Why the core options are wrong, or null. */
function serveProblem(a: ServeArgs): string | null {
  const fsync = parseFsyncPolicy(a.fsync);
  if (typeof fsync === 'string') return fsync;
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535) return '--port must be 0–65535';
  if (!Number.isInteger(a['max-item-size']) || a['max-item-size'] < 1)
    return '--max-item-size must be a positive whole number of bytes';
  if (a.journal && a.store === undefined && a['max-item-size'] > MAX_ITEM_BYTES)
    return `--max-item-size ${a['max-item-size']} is more than the journal can record (at most ${MAX_ITEM_BYTES} bytes); use a smaller size, or --no-journal`;
  if (!Number.isInteger(a['max-open']) || a['max-open'] < 1) return '--max-open must be a positive whole number';
  return null;
}

const OPTIONS = { ...SERVE_OPTIONS, ...TRUST_OPTIONS, ...STORE_OPTIONS, ...METRICS_OPTIONS };

export const serveSpec: CommandSpec<ServeArgs> = {
  name: 'serve',
  describe: 'Run the queue server',
  positionals: [],
  options: OPTIONS,
  examples: [
    ['$0 serve', 'listen on 127.0.0.1:22133'],
    ['$0 serve --port 0 --data-dir /tmp/rq', 'any free port, journal in /tmp/rq'],
    ['$0 serve --fsync 50', 'reply before fsync; fsync at most every 50 ms'],
    ['$0 serve --store nats://n1:4222,nats://n2:4222,nats://n3:4222', 'a front end on a JetStream cluster (docs/scale-out.md)'],
    ['$0 serve --metrics 127.0.0.1:9133', 'serve Prometheus metrics on http://127.0.0.1:9133/metrics'],
    [
      '$0 serve --host 0.0.0.0 --auth-file /etc/rq/users --tls-cert cert.pem --tls-key key.pem',
      'reachable from other machines: logins over TLS',
    ],
  ],
  plan: (raw) => {
    // The options by name only (yargs adds camelCase copies), the store's environment variables applied.
    const args = withStoreEnvironment(
      Object.fromEntries(Object.keys(OPTIONS).flatMap((name) => (raw[name] === undefined ? [] : [[name, raw[name]]]))),
    ) as unknown as ServeArgs;
    const wrong = serveProblem(args) ?? trustProblem(args) ?? storeProblem(args) ?? metricsProblem(args);
    if (wrong !== null) throw new UsageError(wrong);
    return args;
  },
  async run(args) {
    const { runServe } = await import('../serve/serve.js');
    await runServe(args);
  },
};
