/**
 * `rq serve --store nats://…`: the options that put the queues on a NATS JetStream cluster instead
 * of the embedded journal (man/rq-serve.1: STORE; docs/scale-out.md). Each has an environment
 * variable, so that secrets stay out of `ps` and a unit file can carry them.
 */
import { prefixError } from '../../server/jetstream/names.js';
import {
  DEFAULT_ACK_WAIT_MS,
  DEFAULT_STORE_PREFIX,
  DEFAULT_STORE_TIMEOUT_MS,
  type StoreRequest,
} from '../../server/jetstream/options.js';
import type { OptionSpec } from '../command-spec.js';

export interface StoreArgs {
  store?: string;
  'store-user'?: string;
  'store-password'?: string;
  'store-token'?: string;
  'store-creds'?: string;
  'store-tls-ca'?: string;
  'store-tls-cert'?: string;
  'store-tls-key'?: string;
  'store-replicas': string;
  'store-ack-wait': number;
  'store-timeout': number;
  'store-prefix': string;
}

/** Each store option's environment variable. */
const ENV: Readonly<Record<string, string>> = {
  store: 'RQ_STORE',
  'store-user': 'RQ_STORE_USER',
  'store-password': 'RQ_STORE_PASSWORD',
  'store-token': 'RQ_STORE_TOKEN',
  'store-creds': 'RQ_STORE_CREDS',
  'store-tls-ca': 'RQ_STORE_TLS_CA',
  'store-tls-cert': 'RQ_STORE_TLS_CERT',
  'store-tls-key': 'RQ_STORE_TLS_KEY',
  'store-replicas': 'RQ_STORE_REPLICAS',
  'store-prefix': 'RQ_STORE_PREFIX',
};

/** Replicas a stream may have: JetStream allows 1 to 5. */
const MAX_REPLICAS = 5;

/** Why the options (environment applied) are wrong, or null. */
export function storeProblem(a: StoreArgs): string | null {
  if (a.store === undefined) return null;
  const urls = a.store.split(',').map((u) => u.trim());
  for (const url of urls) {
    if (!/^(nats|tls):\/\/[^/\s]+$/.test(url))
      return `--store takes nats://host:port URLs separated by commas, not ${JSON.stringify(url)}`;
  }
  if (a['store-replicas'] !== 'auto') {
    const r = Number(a['store-replicas']);
    if (!Number.isInteger(r) || r < 1 || r > MAX_REPLICAS) return `--store-replicas must be auto or 1–${MAX_REPLICAS}`;
  }
  if (!(a['store-ack-wait'] >= 1) || a['store-ack-wait'] > 3600) return '--store-ack-wait must be 1–3600 seconds';
  if (!(a['store-timeout'] > 0) || a['store-timeout'] > 60) return '--store-timeout must be more than 0 and at most 60 seconds';
  const prefix = prefixError(a['store-prefix']);
  if (prefix !== null) return `--store-prefix: ${prefix}`;
  if ((a['store-tls-cert'] === undefined) !== (a['store-tls-key'] === undefined))
    return '--store-tls-cert and --store-tls-key go together';
  if (a['store-user'] !== undefined && a['store-password'] === undefined)
    return '--store-user needs --store-password (or $RQ_STORE_PASSWORD)';
  return null;
}

/** The options, as data for both parsers (command-spec.ts); `storeProblem` checks them. */
export const STORE_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  store: {
    type: 'string',
    describe: 'Keep the queues on this NATS JetStream cluster (nats://host:port, comma-separated) instead of the journal',
    defaultDescription: '$RQ_STORE',
  },
  'store-user': { type: 'string', describe: 'NATS user', defaultDescription: '$RQ_STORE_USER' },
  'store-password': {
    type: 'string',
    describe: 'NATS password; prefer $RQ_STORE_PASSWORD',
    defaultDescription: '$RQ_STORE_PASSWORD',
  },
  'store-token': {
    type: 'string',
    describe: 'NATS token; prefer $RQ_STORE_TOKEN',
    defaultDescription: '$RQ_STORE_TOKEN',
  },
  'store-creds': {
    type: 'string',
    describe: 'NATS credentials file (JWT and NKey seed)',
    defaultDescription: '$RQ_STORE_CREDS',
  },
  'store-tls-ca': {
    type: 'string',
    describe: "PEM CA of the NATS servers' certificates",
    defaultDescription: '$RQ_STORE_TLS_CA',
  },
  'store-tls-cert': {
    type: 'string',
    describe: 'PEM client certificate for the NATS servers (needs --store-tls-key)',
    defaultDescription: '$RQ_STORE_TLS_CERT',
  },
  'store-tls-key': {
    type: 'string',
    describe: 'PEM private key of --store-tls-cert',
    defaultDescription: '$RQ_STORE_TLS_KEY',
  },
  'store-replicas': {
    type: 'string',
    default: 'auto',
    describe: "Replicas of each new queue's stream, 1–5; auto: 3 on a cluster, 1 on a single server",
    defaultDescription: '$RQ_STORE_REPLICAS or auto',
  },
  'store-ack-wait': {
    type: 'number',
    default: DEFAULT_ACK_WAIT_MS / 1000,
    describe: 'Seconds before the items a dead front end held are delivered again',
  },
  'store-timeout': {
    type: 'number',
    default: DEFAULT_STORE_TIMEOUT_MS / 1000,
    describe: 'Seconds a change may wait for JetStream before the client gets SERVER_ERROR',
  },
  'store-prefix': {
    type: 'string',
    default: DEFAULT_STORE_PREFIX,
    describe: 'First token of every subject and stream rq makes (several deployments on one cluster)',
    defaultDescription: '$RQ_STORE_PREFIX or rq',
  },
};

/** The arguments with each store option not given on the command line taken from its environment variable, if set. */
export function withStoreEnvironment<A extends Readonly<Record<string, unknown>>>(args: A): A {
  const a: Record<string, unknown> = { ...args };
  for (const [name, variable] of Object.entries(ENV)) {
    const value = process.env[variable];
    if (value !== undefined && value !== '' && !givenOnCommandLine(name)) a[name] = value;
  }
  return a as A;
}

/** True when the command line names `--<flag>` itself (not its default). */
export function givenOnCommandLine(flag: string): boolean {
  return process.argv.some((arg) => arg === `--${flag}` || arg.startsWith(`--${flag}=`));
}

/**
 * The limits of a front end on JetStream: a queue's item and byte limits become its stream's
 * max_msgs and max_bytes, and JetStream reserves max_bytes on every replica, so they apply only
 * when given; the defaults of the embedded store (sized for a queue held in memory) do not.
 */
export function storeLimits<L extends { maxQueueItems: number; maxQueueBytes: number }>(limits: L): L {
  return {
    ...limits,
    maxQueueItems: givenOnCommandLine('max-queue-items') ? limits.maxQueueItems : Infinity,
    maxQueueBytes: givenOnCommandLine('max-queue-bytes') ? limits.maxQueueBytes : Infinity,
  };
}

/** The store of `rq serve`, or null for the embedded journal. */
export function storeOptionsOf(a: StoreArgs): StoreRequest | null {
  if (a.store === undefined) return null;
  const tls =
    a['store-tls-ca'] !== undefined || a['store-tls-cert'] !== undefined
      ? { ca: a['store-tls-ca'], cert: a['store-tls-cert'], key: a['store-tls-key'] }
      : undefined;
  return {
    servers: a.store.split(',').map((u) => u.trim()),
    user: a['store-user'],
    password: a['store-password'],
    token: a['store-token'],
    credsFile: a['store-creds'],
    tls,
    replicas: a['store-replicas'] === 'auto' ? 'auto' : Number(a['store-replicas']),
    ackWaitMs: a['store-ack-wait'] * 1000,
    timeoutMs: a['store-timeout'] * 1000,
    prefix: a['store-prefix'],
  };
}
