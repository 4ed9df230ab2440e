/** `rq inspect`, once the arguments are understood: one `stats` per server, rendered. */
import type { InspectPlan } from '../commands/inspect.js';
import { EXIT_NOTHING, EXIT_UNREACHABLE } from '../exit-codes.js';
import { guard, warn } from './failure.js';
import { renderOverview, renderQueue, statsJson } from './inspect-output.js';
import { writeOut } from '../output/items.js';
import { jsonLine } from '../output/json.js';
import { newClient } from './new-client.js';

export async function runInspect(plan: InspectPlan): Promise<void> {
  const client = newClient('inspect', plan);
  await guard(
    'inspect',
    async () => {
      try {
        const stats = await client.stats();
        const down = stats.filter((s) => s.state === 'down');
        if (plan.json) {
          await writeOut(jsonLine(statsJson(stats, plan.queue)));
        } else if (plan.queue === null) {
          await writeOut(renderOverview(stats));
        } else {
          const text = renderQueue(plan.queue, stats);
          if (text !== null) await writeOut(text);
        }
        if (plan.queue !== null && !stats.some((s) => s.state === 'up' && s.queues.has(plan.queue!))) {
          if (down.length < stats.length) warn('inspect', `no queue named ${plan.queue}`);
          process.exitCode = EXIT_NOTHING;
        }
        for (const s of down) warn('inspect', s.error.message);
        if (down.length > 0) process.exitCode = EXIT_UNREACHABLE;
      } finally {
        client.close();
      }
    },
    plan.timeoutMs * 2,
  );
}
