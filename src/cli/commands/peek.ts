/** `rq peek`: shows the head item of a queue without taking it (man/rq-peek.1). */
import { wireName } from '../../client/keys.js';
import { CLIENT_OPTIONS, clientPlan, stringArg, type ClientPlan } from '../client/options.js';
import type { CommandSpec } from '../command-spec.js';
import type { ItemFormat } from '../output/items.js';
import { FORMAT_OPTIONS, formatOf } from './pop.js';

export interface PeekPlan extends ClientPlan {
  readonly queue: string;
  readonly format: ItemFormat;
}

export const peekSpec: CommandSpec<PeekPlan> = {
  name: 'peek',
  describe: 'Print the head item of a queue without taking it',
  positionals: [{ name: 'queue', describe: 'Queue name' }],
  options: { ...FORMAT_OPTIONS, ...CLIENT_OPTIONS },
  examples: [
    ['$0 peek jobs', 'what would rq pop jobs print?'],
    ['$0 peek jobs --json', 'with its id, size and flags'],
  ],
  plan: (raw) => {
    const client = clientPlan(raw);
    const queue = stringArg(raw, 'queue');
    wireName(queue);
    return { ...client, queue, format: formatOf(raw) };
  },
  run: async (plan) => {
    const { runPeek } = await import('../client/peek.js');
    await runPeek(plan);
  },
};
