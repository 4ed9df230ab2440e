/** `rq inspect`: the servers' figures in a readable form, or one queue in detail (man/rq-inspect.1). */
import { wireName } from '../../client/keys.js';
import { CLIENT_OPTIONS, clientPlan, stringArg, type ClientPlan } from '../client/options.js';
import type { CommandSpec } from '../command-spec.js';

export interface InspectPlan extends ClientPlan {
  /** One queue to show in detail, or null for the table of all queues. */
  readonly queue: string | null;
}

export const inspectSpec: CommandSpec<InspectPlan> = {
  name: 'inspect',
  describe: 'Show the queues of the servers: ready, open, age of the oldest item, bytes, totals',
  positionals: [{ name: 'queue', describe: 'Show this queue in detail', optional: true }],
  options: CLIENT_OPTIONS,
  examples: [
    ['$0 inspect', 'a table of every queue'],
    ['$0 inspect jobs', 'one queue in detail'],
    ["$0 inspect --json | jq '.[].queues[] | select(.items > 1000)'", 'for scripts'],
  ],
  plan: (raw) => {
    const client = clientPlan(raw);
    const queue = raw.queue === undefined ? null : stringArg(raw, 'queue');
    if (queue !== null) wireName(queue);
    return { ...client, queue };
  },
  run: async (plan) => {
    const { runInspect } = await import('../client/inspect.js');
    await runInspect(plan);
  },
};
