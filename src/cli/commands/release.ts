/** `rq release`: puts reserved items back at the head of their queue, by id (man/rq-release.1). */
import { CLIENT_OPTIONS } from '../client/options.js';
import type { CommandSpec } from '../command-spec.js';
import { END_POSITIONALS, endPlan, type EndPlan } from './ack.js';

export const releaseSpec: CommandSpec<EndPlan> = {
  name: 'release',
  describe: 'Release reserved items by id: they go back to the head of the queue',
  positionals: END_POSITIONALS,
  options: CLIENT_OPTIONS,
  examples: [
    ['$0 release jobs 42', 'give item 42 back to the queue'],
  ],
  plan: endPlan,
  run: async (plan) => {
    const { runEnd } = await import('../client/end.js');
    await runEnd('release', plan);
  },
};
