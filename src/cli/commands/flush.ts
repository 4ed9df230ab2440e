/** `rq flush` and `rq drop`: empty a queue, or remove it (man/rq-flush.1, man/rq-drop.1). */
import { wireName } from '../../client/keys.js';
import { CLIENT_OPTIONS, clientPlan, stringArg, type ClientPlan } from '../client/options.js';
import type { CommandSpec, RawArgs } from '../command-spec.js';

export interface AdminPlan extends ClientPlan {
  readonly queue: string;
  /** Do it without asking, even on a terminal. */
  readonly yes: boolean;
}

export const ADMIN_OPTIONS = {
  yes: {
    type: 'boolean',
    alias: 'y',
    describe: 'Do not ask for confirmation (it is asked only when standard input is a terminal)',
  },
  ...CLIENT_OPTIONS,
} as const;

export function adminPlan(raw: RawArgs): AdminPlan {
  const client = clientPlan(raw);
  const queue = stringArg(raw, 'queue');
  wireName(queue);
  return { ...client, queue, yes: raw.yes === true };
}

export const flushSpec: CommandSpec<AdminPlan> = {
  name: 'flush',
  describe: 'Remove every ready item of a queue (reserved items stay reserved)',
  positionals: [{ name: 'queue', describe: 'Queue name' }],
  options: ADMIN_OPTIONS,
  examples: [
    ['$0 flush jobs', 'asks first on a terminal'],
    ['$0 flush jobs --yes', 'without asking'],
  ],
  plan: adminPlan,
  run: async (plan) => {
    const { runAdmin } = await import('../client/admin.js');
    await runAdmin('flush', plan);
  },
};
