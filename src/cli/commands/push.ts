/** `rq push`: adds items to a queue from arguments or standard input (man/rq-push.1). */
import { CLIENT_OPTIONS, clientPlan, delayArg, stringArg, type ClientPlan } from '../client/options.js';
import { UsageError, variadic, type CommandSpec } from '../command-spec.js';
import type { SplitMode } from '../input/split-items.js';
import { wireName } from '../../client/keys.js';

export interface PushPlan extends ClientPlan {
  readonly queue: string;
  /** Items given as arguments; null = read standard input. */
  readonly messages: readonly string[] | null;
  readonly mode: SplitMode;
  readonly ttlSeconds: number;
  readonly flags: number;
  /** Ms until the items become ready; 0 = at once. */
  readonly delayMs: number;
}

/** Ten years: a longer TTL is surely a mistake (and memcache's exptime is a 32-bit unix time). */
const MAX_TTL_S = 10 * 365 * 24 * 60 * 60;

export const pushSpec: CommandSpec<PushPlan> = {
  name: 'push',
  describe: 'Add items to a queue: each argument is one item, or read them from standard input',
  positionals: [
    { name: 'queue', describe: 'Queue name' },
    {
      name: 'messages',
      describe: 'Items to push; without any, items are read from standard input',
      optional: true,
      variadic: true,
    },
  ],
  options: {
    null: { type: 'boolean', alias: '0', describe: 'Standard input items end with a NUL byte (as find -print0 writes)' },
    whole: { type: 'boolean', describe: 'All of standard input is one item' },
    ttl: { type: 'number', describe: 'Seconds until the items expire unread (default: never)' },
    flags: { type: 'number', describe: 'memcache flags stored with each item (0 to 4294967295)', default: 0 },
    delay: {
      type: 'number',
      describe: 'Seconds until the items become ready (fractions allowed); until then no reader sees them',
      defaultDescription: 'ready at once',
    },
    ...CLIENT_OPTIONS,
  },
  examples: [
    ['$0 push jobs "resize photo-1.jpg"', 'push one item'],
    ['seq 100 | $0 push jobs', 'push 100 items, one per line'],
    ['find . -name "*.log" -print0 | $0 push logs -0', 'push file names, NUL-separated'],
    ['$0 push images --whole < photo.jpg', 'push a whole file as one item'],
    ['$0 push reminders --delay 3600 "call back"', 'an item that becomes ready in an hour'],
  ],
  plan: (raw) => {
    const client = clientPlan(raw);
    const queue = stringArg(raw, 'queue');
    wireName(queue);
    const args = variadic(raw, 'messages');
    const nul = raw.null === true;
    const whole = raw.whole === true;
    if (nul && whole) throw new UsageError('-0 and --whole cannot be combined');
    if (args.length > 0 && (nul || whole))
      throw new UsageError(`${nul ? '-0' : '--whole'} reads standard input: give no messages`);
    const ttl = raw.ttl;
    if (ttl !== undefined && (typeof ttl !== 'number' || !(ttl > 0) || ttl > MAX_TTL_S)) {
      throw new UsageError(`--ttl must be a number of seconds above 0 and at most ${MAX_TTL_S}`);
    }
    const flags = raw.flags;
    if (typeof flags !== 'number' || !Number.isInteger(flags) || flags < 0 || flags > 0xffffffff) {
      throw new UsageError('--flags must be a whole number from 0 to 4294967295');
    }
    return {
      ...client,
      queue,
      messages: args.length > 0 ? args : null,
      mode: whole ? 'whole' : nul ? 'nul' : 'lines',
      ttlSeconds: ttl ?? 0,
      flags,
      delayMs: delayArg(raw),
    };
  },
  run: async (plan) => {
    const { runPush } = await import('../client/push.js');
    await runPush(plan);
  },
};
