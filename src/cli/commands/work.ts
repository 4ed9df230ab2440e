/** `rq work`: runs a command for each item, acknowledging on success (man/rq-work.1). */
import { wireName } from '../../client/keys.js';
import { MAX_DELAY_MS, MAX_LEASE_MS } from '../../protocol/key.js';
import type { Backoff } from '../work/backoff.js';
import { CLIENT_OPTIONS, clientPlan, countArg, secondsArg, stringArg, type ClientPlan } from '../client/options.js';
import { UsageError, variadic, type CommandSpec } from '../command-spec.js';

export interface WorkPlan extends ClientPlan {
  readonly queue: string;
  /** The command and its arguments. */
  readonly command: readonly string[];
  readonly concurrency: number;
  /** Stop after this many items (Infinity = no limit). */
  readonly limit: number;
  /** Stop when the queue is empty instead of waiting for more. */
  readonly drain: boolean;
  /** Kill a command still running after this many ms (Infinity = never). */
  readonly commandTimeoutMs: number;
  /** Append a line per command run to this file; null = none. */
  readonly joblog: string | null;
  /** Draw a progress line on stderr when it is a terminal. */
  readonly progress: boolean;
  /** Hand RQ_USER and RQ_PASSWORD on to the command. */
  readonly passCredentials: boolean;
  /** Reconnect after losing the server, instead of exiting with status 3. */
  readonly reconnect: boolean;
  /** Each item is reserved with this lease (ms), renewed while its command runs. */
  readonly leaseMs: number;
  /** How long a failed item stays away before its next try. */
  readonly retry: Backoff;
}

/** More concurrent commands than this is surely a typo (each holds a connection and a process). */
const MAX_CONCURRENCY = 1024;
/** The longest --timeout for a command: a week. */
const MAX_COMMAND_TIMEOUT_S = 7 * 24 * 60 * 60;
/**
 * The default lease: how long an item of a worker that died (kill -9, a lost machine) stays
 * reserved before another worker may take it. SQS's default visibility timeout; a running command
 * keeps its item however long it takes, as the lease is renewed every third of it.
 */
const DEFAULT_LEASE_S = 30;
/** A shorter lease would be renewed more often than a loaded server and network can be relied on to answer. */
const MIN_LEASE_S = 1;
const DEFAULT_RETRY_DELAY_S = 1;
/** Five minutes: an item that keeps failing is tried about 12 times an hour, not thousands. */
const DEFAULT_RETRY_MAX_DELAY_S = 300;

const { timeout, ...clientOptions } = CLIENT_OPTIONS;

export const workSpec: CommandSpec<WorkPlan> = {
  name: 'work',
  describe: 'Run a command for each item (data on its stdin): acknowledge on success, retry on failure',
  positionals: [
    { name: 'queue', describe: 'Queue name' },
    // Optional for yargs, which does not count what follows `--`; plan() insists on it.
    {
      name: 'command',
      describe: "The command to run; everything from its first word on is the command's",
      optional: true,
      variadic: true,
    },
  ],
  commandLine: true,
  options: {
    concurrency: { type: 'number', alias: 'c', describe: 'Run this many commands at once', default: 1 },
    count: { type: 'number', alias: 'n', describe: 'Stop after this many items', defaultDescription: 'no limit' },
    drain: { type: 'boolean', describe: 'Stop when the queue is empty instead of waiting for more items' },
    timeout: {
      type: 'number',
      describe: 'Kill a command still running after this many seconds (a failure: its item is retried)',
      defaultDescription: 'none',
    },
    lease: {
      type: 'number',
      describe:
        'Reserve each item with a lease of this many seconds, renewed while its command runs: the item of a worker that dies comes back when the lease ends',
      default: DEFAULT_LEASE_S,
    },
    'retry-delay': {
      type: 'number',
      describe: 'Seconds a failed item stays away before its first retry; doubled for each further delivery',
      default: DEFAULT_RETRY_DELAY_S,
    },
    'retry-max-delay': {
      type: 'number',
      describe: 'The longest a failed item stays away between tries, in seconds',
      default: DEFAULT_RETRY_MAX_DELAY_S,
    },
    joblog: { type: 'string', describe: 'Append a line per command run to this file (tab-separated, with a header)' },
    progress: { type: 'boolean', describe: 'Show done, failed and running counts on stderr when it is a terminal' },
    'pass-credentials': { type: 'boolean', describe: 'Hand RQ_USER and RQ_PASSWORD on to the command (kept from it otherwise)' },
    reconnect: {
      type: 'boolean',
      default: true,
      describe: 'Reconnect after losing the server (--no-reconnect: exit with status 3 instead)',
    },
    ...clientOptions,
    'server-timeout': { ...timeout, describe: 'Seconds to wait for a server to answer before giving up with status 3' },
  },
  examples: [
    ['$0 work jobs sh -c \'echo "got $(cat)"\'', "one item at a time, for ever; the command's options are its own"],
    [
      '$0 work urls -c 8 --drain --timeout 60 -- sh -c \'curl -fsS --max-time 50 "$(cat)"\'',
      'eight at once, until the queue is empty',
    ],
    ['$0 work jobs --joblog jobs.log --progress ./handle.sh', 'a line per run in jobs.log; counts on the terminal'],
    ['$0 work mail --retry-delay 10 --retry-max-delay 3600 ./send.sh', 'retry failures after 10 s, 20 s, 40 s … up to an hour'],
  ],
  plan: (raw) => {
    const client = clientPlan(raw, process.env, 'server-timeout');
    const queue = stringArg(raw, 'queue');
    wireName(queue);
    const command = variadic(raw, 'command');
    if (command.length === 0) throw new UsageError('give the command to run after the queue, as in: rq work jobs ./handle.sh');
    const c = raw.concurrency;
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 1 || c > MAX_CONCURRENCY) {
      throw new UsageError(`--concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}`);
    }
    const n = countArg(raw.count, '--count', Infinity);
    const commandTimeoutMs = raw.timeout === undefined ? Infinity : secondsArg(raw.timeout, '--timeout', MAX_COMMAND_TIMEOUT_S);
    if (commandTimeoutMs === 0) throw new UsageError('--timeout must be more than 0 seconds');
    const leaseMs = secondsArg(raw.lease, '--lease', MAX_LEASE_MS / 1000);
    if (leaseMs < MIN_LEASE_S * 1000) throw new UsageError(`--lease must be at least ${MIN_LEASE_S} second`);
    const retry = {
      firstMs: secondsArg(raw['retry-delay'], '--retry-delay', MAX_DELAY_MS / 1000),
      maxMs: secondsArg(raw['retry-max-delay'], '--retry-max-delay', MAX_DELAY_MS / 1000),
    };
    if (retry.maxMs < retry.firstMs) throw new UsageError('--retry-max-delay must be at least --retry-delay');
    return {
      ...client,
      queue,
      command,
      concurrency: c,
      limit: n,
      drain: raw.drain === true,
      commandTimeoutMs,
      joblog: raw.joblog === undefined ? null : stringArg(raw, 'joblog', '--joblog'),
      progress: raw.progress === true,
      passCredentials: raw['pass-credentials'] === true,
      reconnect: raw.reconnect !== false,
      leaseMs,
      retry,
    };
  },
  run: async (plan) => {
    const { runWork } = await import('../work/run.js');
    await runWork(plan);
  },
};
