/** `rq drop`: removes a queue with everything in it (man/rq-drop.1). */
import type { CommandSpec } from '../command-spec.js';
import { ADMIN_OPTIONS, adminPlan, type AdminPlan } from './flush.js';

export const dropSpec: CommandSpec<AdminPlan> = {
  name: 'drop',
  describe: 'Remove a queue with everything in it, reserved items included',
  positionals: [{ name: 'queue', describe: 'Queue name' }],
  options: ADMIN_OPTIONS,
  examples: [
    ['$0 drop old-jobs', 'asks first on a terminal'],
    ['$0 drop old-jobs --yes', 'without asking'],
  ],
  plan: adminPlan,
  run: async (plan) => {
    const { runAdmin } = await import('../client/admin.js');
    await runAdmin('drop', plan);
  },
};
