/** `rq touch`: renews the lease of reserved items, by id (man/rq-touch.1). */
import { MAX_LEASE_MS } from '../../protocol/key.js';
import { CLIENT_OPTIONS, secondsArg } from '../client/options.js';
import { UsageError, type CommandSpec } from '../command-spec.js';
import { END_POSITIONALS, endPlan, type EndPlan } from './ack.js';

export const touchSpec: CommandSpec<EndPlan> = {
  name: 'touch',
  describe: 'Renew the lease of reserved items by id: each stays reserved for --lease seconds from now',
  positionals: END_POSITIONALS,
  options: {
    lease: { type: 'number', describe: 'Seconds from now until the lease ends (fractions allowed)' },
    ...CLIENT_OPTIONS,
  },
  examples: [
    ['$0 touch jobs 42 --lease 300', 'keep item 42 for five more minutes'],
    ['while sleep 60; do $0 touch jobs "$(cat id)" --lease 120 || break; done &', "keep renewing a long job's lease"],
  ],
  plan: (raw) => {
    const plan = endPlan(raw);
    if (raw.lease === undefined) throw new UsageError('give the new lease: --lease SECONDS');
    const leaseMs = secondsArg(raw.lease, '--lease', MAX_LEASE_MS / 1000);
    if (leaseMs < 1) throw new UsageError('--lease must be at least 0.001 seconds');
    return { ...plan, leaseMs };
  },
  run: async (plan) => {
    const { runEnd } = await import('../client/end.js');
    await runEnd('touch', plan);
  },
};
