/** `rq pop`: prints items and acknowledges each once it is written (man/rq-pop.1). */
import { MAX_LEASE_MS, MAX_WAIT_MS } from '../../protocol/key.js';
import { wireName } from '../../client/keys.js';
import { CLIENT_OPTIONS, clientPlan, countArg, secondsArg, stringArg, type ClientPlan } from '../client/options.js';
import { UsageError, type CommandSpec, type RawArgs } from '../command-spec.js';
import type { ItemFormat } from '../output/items.js';

export interface PopPlan extends ClientPlan {
  readonly queue: string;
  /** Items to pop; Infinity with --follow and no -n. */
  readonly count: number;
  /** How long to wait for each item in ms: 0, a number, or Infinity. */
  readonly waitMs: number;
  /** Reserve with this lease (ms) instead of acknowledging; 0 = acknowledge. */
  readonly leaseMs: number;
  /** With --lease: the file that gets each leased item's id; null = stderr. */
  readonly idFile: string | null;
  readonly format: ItemFormat;
  /** --follow: pop until stopped (and ride out server restarts unless `reconnect` is false). */
  readonly follow: boolean;
  readonly reconnect: boolean;
}

/** Output options shared with `rq peek`: how items are printed. */
export const FORMAT_OPTIONS = {
  null: { type: 'boolean', alias: '0', describe: 'End each item with a NUL byte instead of a newline' },
  raw: { type: 'boolean', describe: 'Print the data only, with nothing after it (byte for byte)' },
} as const;

/** The output format the options ask for; throws UsageError on a conflict. */
export function formatOf(raw: RawArgs): ItemFormat {
  const chosen = [raw.json === true && 'json', raw.null === true && 'nul', raw.raw === true && 'raw'].filter(Boolean);
  if (chosen.length > 1) throw new UsageError('choose one of --json, -0 and --raw');
  return (chosen[0] || 'lines') as ItemFormat;
}

/** --wait with no value waits for ever; --wait=N waits N seconds. */
export function waitOf(value: unknown): number {
  if (value === undefined) return 0;
  if (value === '') return Infinity;
  if (typeof value !== 'string' && typeof value !== 'number') throw new UsageError('give --wait once');
  const text = String(value);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text)) {
    throw new UsageError(`--wait takes seconds (--wait=5), or nothing to wait for ever; got ${JSON.stringify(text)}`);
  }
  return secondsArg(Number(text), '--wait', MAX_WAIT_MS / 1000);
}

export const popSpec: CommandSpec<PopPlan> = {
  name: 'pop',
  describe: 'Print items from a queue, acknowledging each once it is written',
  positionals: [{ name: 'queue', describe: 'Queue name' }],
  options: {
    count: {
      type: 'number',
      alias: 'n',
      describe: 'Pop up to this many items',
      defaultDescription: '1, or no limit with --follow',
    },
    wait: { type: 'string', describe: 'If the queue is empty, wait for an item: for ever, or --wait=SECONDS' },
    follow: {
      type: 'boolean',
      alias: 'f',
      describe: 'Keep printing items as they arrive until interrupted, reconnecting when the server restarts',
    },
    reconnect: {
      type: 'boolean',
      default: true,
      describe: 'With --follow, reconnect after losing the server (--no-reconnect: exit with status 3 instead)',
    },
    lease: {
      type: 'number',
      describe: 'Reserve for this many seconds without acknowledging; each id goes to --id-file (or stderr) for rq ack',
    },
    'id-file': { type: 'string', describe: 'With --lease, write each id to this file, one per line, instead of to stderr' },
    ...FORMAT_OPTIONS,
    ...CLIENT_OPTIONS,
    timeout: {
      ...CLIENT_OPTIONS.timeout,
      describe: 'Seconds to wait for a server to answer, beyond any --wait, before giving up with status 3',
    },
  },
  examples: [
    ['$0 pop jobs', 'print the next item and acknowledge it'],
    ['$0 pop jobs -n 100 > batch.txt', 'up to 100 items, one per line'],
    ['$0 pop jobs --wait=30', 'wait up to 30 seconds for an item'],
    ['$0 pop jobs --follow | while read -r job; do echo "$job"; done', 'stream items as they come'],
    ['$0 pop jobs --lease 300 --id-file id > job.txt', 'lease an item for 5 minutes; rq ack jobs "$(cat id)" when done'],
  ],
  plan: (raw) => {
    const client = clientPlan(raw);
    const queue = stringArg(raw, 'queue');
    wireName(queue);
    const follow = raw.follow === true;
    const n = countArg(raw.count, '-n', follow ? Infinity : 1);
    let waitMs = waitOf(raw.wait);
    if (follow) {
      if (raw.wait !== undefined) throw new UsageError('--follow already waits for ever: drop --wait');
      waitMs = Infinity;
    }
    let leaseMs = 0;
    if (raw.lease !== undefined) {
      leaseMs = secondsArg(raw.lease, '--lease', MAX_LEASE_MS / 1000);
      if (leaseMs < 1) throw new UsageError('--lease must be at least 0.001 seconds');
      if (follow) throw new UsageError('--lease and --follow cannot be combined');
    }
    const idFile = raw['id-file'] === undefined ? null : stringArg(raw, 'id-file', '--id-file');
    if (idFile !== null && leaseMs === 0)
      throw new UsageError('--id-file goes with --lease (only a leased item has an id to keep)');
    return {
      ...client,
      queue,
      count: n,
      waitMs,
      leaseMs,
      idFile,
      format: formatOf(raw),
      follow,
      reconnect: raw.reconnect !== false,
    };
  },
  run: async (plan) => {
    const { runPop } = await import('../client/pop.js');
    await runPop(plan);
  },
};
