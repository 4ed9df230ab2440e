/** `rq release`: puts reserved items back in their queue, by id, at once or later (man/rq-release.1). */
import { CLIENT_OPTIONS, delayArg } from '../client/options.js';
import type { CommandSpec } from '../command-spec.js';
import { END_POSITIONALS, endPlan, type EndPlan } from './ack.js';

export const releaseSpec: CommandSpec<EndPlan> = {
  name: 'release',
  describe: 'Release reserved items by id: they go back to the head of the queue, or with --delay to its tail later',
  positionals: END_POSITIONALS,
  options: {
    delay: {
      type: 'number',
      describe: 'Seconds until the items are ready again (fractions allowed), at the tail of the queue',
      defaultDescription: 'at once, at the head',
    },
    ...CLIENT_OPTIONS,
  },
  examples: [
    ['$0 release jobs 42', 'give item 42 back to the queue'],
    ['$0 release jobs 42 --delay 30', 'try item 42 again in 30 seconds'],
  ],
  plan: (raw) => ({ ...endPlan(raw), delayMs: delayArg(raw) }),
  run: async (plan) => {
    const { runEnd } = await import('../client/end.js');
    await runEnd('release', plan);
  },
};
