/** `rq work`: runs a command for each item, acknowledging on success (man/rq-work.1). */
import { wireName } from '../../client/keys.js';
import { CLIENT_OPTIONS, clientPlan, stringArg, type ClientPlan } from '../client/options.js';
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
}

/** More concurrent commands than this is surely a typo (each holds a connection and a process). */
const MAX_CONCURRENCY = 1024;

export const workSpec: CommandSpec<WorkPlan> = {
  name: 'work',
  describe: 'Run a command for each item (data on its stdin): acknowledge on success, release on failure',
  positionals: [
    { name: 'queue', describe: 'Queue name' },
    // Optional for yargs, which does not count what follows `--`; plan() insists on it.
    { name: 'command', describe: 'The command to run, after --', optional: true, variadic: true },
  ],
  options: {
    concurrency: { type: 'number', alias: 'c', describe: 'Run this many commands at once', default: 1 },
    count: { type: 'number', alias: 'n', describe: 'Stop after this many items', defaultDescription: 'no limit' },
    drain: { type: 'boolean', describe: 'Stop when the queue is empty instead of waiting for more items' },
    ...CLIENT_OPTIONS,
  },
  examples: [
    ['$0 work jobs -- sh -c \'convert "$(cat)" -resize 50% out/\'', 'one item at a time, for ever'],
    ['$0 work urls -c 8 -- curl -sf -K -', 'eight at once'],
    ['$0 work jobs --drain -- ./handle.sh', 'until the queue is empty'],
  ],
  plan: (raw) => {
    const client = clientPlan(raw);
    const queue = stringArg(raw, 'queue');
    wireName(queue);
    const command = variadic(raw, 'command');
    if (command.length === 0) throw new UsageError('give the command to run after --, as in: rq work jobs -- ./handle.sh');
    const c = raw.concurrency;
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 1 || c > MAX_CONCURRENCY) {
      throw new UsageError(`--concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}`);
    }
    const n = raw.count ?? Infinity;
    if (typeof n !== 'number' || !(Number.isInteger(n) || n === Infinity) || n < 1) {
      throw new UsageError('-n must be a whole number of at least 1');
    }
    return { ...client, queue, command, concurrency: c, limit: n, drain: raw.drain === true };
  },
  run: async (plan) => {
    const { runWork } = await import('../client/work.js');
    await runWork(plan);
  },
};
