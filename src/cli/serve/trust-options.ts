/**
 * The `rq serve` options that keep a server safe to expose: limits, logging, authentication, TLS,
 * and how long a stop may take (man/rq-serve.1 lists each with its default). Kept apart from
 * commands/serve.ts so that the command module stays a list of option groups.
 */
import { MAX_KEY_AND_EXTRAS_BYTES } from '../../protocol/binary/constants.js';
import type { Limits } from '../../server/context.js';
import {
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_QUEUE_BYTES,
  DEFAULT_MAX_QUEUE_ITEMS,
  DEFAULT_MAX_QUEUES,
  DEFAULT_SHUTDOWN_TIMEOUT_S,
  defaultMaxPartialBytes,
} from '../../server/defaults.js';
import type { OptionSpec } from '../command-spec.js';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../../server/log.js';

export interface TrustArgs {
  /** Absent: the default, fitted to the open-file limit (connection-limit.ts). */
  'max-connections'?: number;
  'max-queue-items': number;
  'max-queue-bytes': number;
  'discard-old': boolean;
  'max-queues': number;
  'max-deliveries': number;
  'max-partial-bytes'?: number;
  'log-level': LogLevel;
  'log-format': LogFormat;
  'log-file'?: string;
  'auth-file'?: string;
  'tls-cert'?: string;
  'tls-key'?: string;
  'shutdown-timeout': number;
}

/** Why the options are wrong, or null. */
export function trustProblem(args: TrustArgs & { 'max-item-size': number }): string | null {
  const a = args as unknown as Readonly<Record<string, unknown>>;
  for (const name of ['max-connections', 'max-queue-items', 'max-queue-bytes', 'max-queues', 'max-deliveries']) {
    const v = a[name];
    if (v === undefined && name === 'max-connections') continue;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) return `--${name} must be a whole number (0 for no limit)`;
  }
  const partial = a['max-partial-bytes'];
  if (partial !== undefined) {
    if (typeof partial !== 'number' || !Number.isSafeInteger(partial) || partial < 0)
      return '--max-partial-bytes must be a whole number (0 for no limit)';
    // The largest request still arriving must fit, or such items could never be received.
    const largest = Number(a['max-item-size']) + MAX_KEY_AND_EXTRAS_BYTES;
    if (partial !== 0 && partial < largest)
      return `--max-partial-bytes must be at least --max-item-size + ${MAX_KEY_AND_EXTRAS_BYTES} (${largest}), the largest request, or 0 for no limit`;
  }
  const timeout = a['shutdown-timeout'];
  if (typeof timeout !== 'number' || !(timeout > 0) || timeout > 3600)
    return '--shutdown-timeout must be a number of seconds, more than 0 and at most 3600';
  if ((a['tls-cert'] === undefined) !== (a['tls-key'] === undefined)) return '--tls-cert and --tls-key go together';
  for (const name of ['log-file', 'auth-file', 'tls-cert', 'tls-key']) {
    if (a[name] === '') return `--${name} needs a path`;
  }
  return null;
}

/** The options, as data for both parsers (command-spec.ts); `trustProblem` checks them. */
export const TRUST_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  'max-connections': {
    type: 'number',
    defaultDescription: `${DEFAULT_MAX_CONNECTIONS}, fewer if the open file limit is low`,
    describe: 'Connections served at once; more are refused with an error line (0: no limit)',
  },
  'max-queue-items': {
    type: 'number',
    default: DEFAULT_MAX_QUEUE_ITEMS,
    describe: 'Items (ready and reserved) per queue; a set past it gets SERVER_ERROR (0: no limit)',
  },
  'max-queue-bytes': {
    type: 'number',
    default: DEFAULT_MAX_QUEUE_BYTES,
    describe: 'Data bytes (ready and reserved) per queue (0: no limit)',
  },
  'max-queues': {
    type: 'number',
    default: DEFAULT_MAX_QUEUES,
    describe: 'Queues at once; a set creating one more gets SERVER_ERROR (0: no limit)',
  },
  'max-deliveries': {
    type: 'number',
    default: 0,
    describe: 'Deliveries after which an item given back moves to the queue <name>.dead (0: never)',
  },
  'max-partial-bytes': {
    type: 'number',
    defaultDescription: '256 MiB, or 4 × --max-item-size if more',
    describe:
      'Bytes of item data still arriving held at once over all connections; a set past it gets SERVER_ERROR (0: no limit)',
  },
  'discard-old': {
    type: 'boolean',
    default: false,
    describe: 'On a full queue, drop its oldest ready items instead of refusing the new one',
  },
  'log-level': { type: 'string', choices: LOG_LEVELS, default: 'info', describe: 'Least severe events logged' },
  'log-format': {
    type: 'string',
    choices: LOG_FORMATS,
    default: 'text',
    describe: 'One line per event: text, or a JSON object',
  },
  'log-file': { type: 'string', describe: 'Append the log to this file (reopened on SIGHUP) instead of stderr' },
  'auth-file': { type: 'string', describe: 'Require a login: user:password lines (see man rq-serve)' },
  'tls-cert': { type: 'string', describe: 'Serve over TLS with this PEM certificate chain (needs --tls-key)' },
  'tls-key': { type: 'string', describe: 'The PEM private key of --tls-cert' },
  'shutdown-timeout': {
    type: 'number',
    default: DEFAULT_SHUTDOWN_TIMEOUT_S,
    describe: 'Seconds a stop waits for clients to take their last replies',
  },
};

/** 0 means no limit on the command line; Infinity in the server. */
function limit(v: number): number {
  return v === 0 ? Infinity : v;
}

/**
 * Every limit of `rq serve`, from its flags: the one place they are filled in. `maxConnections` is
 * --max-connections as chosen against the open-file limit (connection-limit.ts).
 */
export function limitsOf(args: TrustArgs & { 'max-item-size': number; 'max-open': number }, maxConnections: number): Limits {
  const partial = args['max-partial-bytes'];
  return {
    maxItemSize: args['max-item-size'],
    maxOpen: args['max-open'],
    maxPartialBytes: partial === undefined ? defaultMaxPartialBytes(args['max-item-size']) : limit(partial),
    maxConnections,
    maxQueueItems: limit(args['max-queue-items']),
    maxQueueBytes: limit(args['max-queue-bytes']),
    discardOld: args['discard-old'],
    maxQueues: limit(args['max-queues']),
    maxDeliveries: limit(args['max-deliveries']),
  };
}
