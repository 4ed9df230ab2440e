/** `rq ack` / `rq release`, once the arguments are understood: one request per id, in order. */
import type { EndPlan } from '../commands/ack.js';
import { EXIT_NOTHING } from '../exit-codes.js';
import { guard, warn } from './failure.js';
import { writeOut } from '../output/items.js';
import { jsonLine } from '../output/json.js';
import { newClient } from './new-client.js';

export async function runEnd(verb: 'ack' | 'release', plan: EndPlan): Promise<void> {
  const client = newClient(verb, plan);
  const done = verb === 'ack' ? 'acked' : 'released';
  await guard(verb, async () => {
    try {
      for (const ref of plan.items) {
        const ok = verb === 'ack'
          ? await client.ack(plan.queue, ref.id, ref.server)
          : await client.release(plan.queue, ref.id, ref.server);
        if (plan.json) {
          await writeOut(jsonLine({ queue: plan.queue, id: ref.id, server: ref.server ?? client.names[0], [done]: ok }));
        }
        if (!ok) {
          warn(verb, `item ${ref.text} is not open on ${plan.queue} (unknown id, or already acknowledged or released)`);
          process.exitCode = EXIT_NOTHING;
        }
      }
    } finally {
      client.close();
    }
  }, deadline(plan));
}

/** A bound on the whole command: each request has the timeout; the total is a safety net. */
function deadline(plan: EndPlan): number {
  return plan.timeoutMs * (plan.items.length + 1);
}
