/** `rq ack` / `rq release` / `rq touch`, once the arguments are understood: one request per id, in order. */
import type { Released, RqClient } from '../../client/client.js';
import { deadLetteredNews } from './dead-lettered.js';
import type { EndPlan } from '../commands/ack.js';
import { EXIT_NOTHING } from '../exit-codes.js';
import type { ItemRef } from './item-ref.js';
import { guard, warn } from './failure.js';
import { writeOut } from '../output/items.js';
import { jsonLine } from '../output/json.js';
import { newClient } from './new-client.js';

type Verb = 'ack' | 'release' | 'touch';

/** What each verb asks of the server, and the key that says it was done in --json (docs/json.md). */
const VERBS: Readonly<
  Record<Verb, { readonly done: string; readonly act: (client: RqClient, plan: EndPlan, ref: ItemRef) => Promise<Released> }>
> = {
  ack: { done: 'acked', act: (c, p, r) => c.ack(p.queue, r.id, r.server) },
  release: { done: 'released', act: (c, p, r) => c.release(p.queue, r.id, r.server, { delayMs: p.delayMs }) },
  touch: { done: 'touched', act: (c, p, r) => c.touch(p.queue, r.id, p.leaseMs, r.server) },
};

export async function runEnd(verb: Verb, plan: EndPlan): Promise<void> {
  const client = newClient(verb, plan);
  const { done, act } = VERBS[verb];
  await guard(
    verb,
    async () => {
      try {
        for (const ref of plan.items) {
          const outcome = await act(client, plan, ref);
          const ok = outcome !== false;
          if (outcome === 'dead-lettered') {
            warn(verb, `item ${ref.text}: ${deadLetteredNews(plan.queue)}`);
          }
          if (plan.json) {
            await writeOut(jsonLine({ queue: plan.queue, id: ref.id, server: ref.server ?? client.names[0], [done]: ok }));
          }
          if (!ok) {
            warn(
              verb,
              `item ${ref.text} is not open on ${plan.queue} (unknown id, or already acknowledged or released, or its lease is over)`,
            );
            process.exitCode = EXIT_NOTHING;
          }
        }
      } finally {
        client.close();
      }
    },
    deadline(plan),
  );
}

/** A bound on the whole command: each request has the timeout; the total is a safety net. */
function deadline(plan: EndPlan): number {
  return plan.timeoutMs * (plan.items.length + 1);
}
