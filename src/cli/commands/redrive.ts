/** `rq redrive`: moves dead-lettered items back to their queue (man/rq-redrive.1). */
import { wireName } from '../../client/keys.js';
import { deadQueueName, MAX_QUEUE_NAME_BYTES } from '../../queue-name.js';
import { CLIENT_OPTIONS, clientPlan, countArg, stringArg, type ClientPlan } from '../client/options.js';
import { UsageError, type CommandSpec } from '../command-spec.js';

export interface RedrivePlan extends ClientPlan {
  /** The queue the items go back to. */
  readonly queue: string;
  /** Its dead-letter queue, where they come from. */
  readonly dead: string;
  /** Items to move at most (Infinity: all). */
  readonly count: number;
}

export const redriveSpec: CommandSpec<RedrivePlan> = {
  name: 'redrive',
  describe: 'Move dead-lettered items from <queue>.dead back to the tail of <queue>, their delivery count fresh',
  positionals: [{ name: 'queue', describe: 'The queue whose dead-letter queue to empty into it' }],
  options: {
    count: { type: 'number', alias: 'n', describe: 'Move at most this many items', defaultDescription: 'all' },
    ...CLIENT_OPTIONS,
  },
  examples: [
    ['$0 redrive jobs', 'every item of jobs.dead back to jobs'],
    ['$0 redrive jobs -n 1', 'one item, to see whether the fix works'],
  ],
  plan: (raw) => {
    const client = clientPlan(raw);
    const queue = stringArg(raw, 'queue');
    wireName(queue);
    const dead = deadQueueName(wireName(queue));
    if (dead === null) {
      throw new UsageError(
        `${JSON.stringify(queue)} has no dead-letter queue: with .dead its name would be longer than ${MAX_QUEUE_NAME_BYTES} bytes, so its items are never dead-lettered`,
      );
    }
    // The wire name back in the user's UTF-8, as every other name is printed.
    return { ...client, queue, dead: Buffer.from(dead, 'latin1').toString('utf8'), count: countArg(raw.count, '-n', Infinity) };
  },
  run: async (plan) => {
    const { runRedrive } = await import('../client/redrive.js');
    await runRedrive(plan);
  },
};
