/**
 * `rq redrive`, once the arguments are understood: items are reserved from `<queue>.dead` (a pop
 * of many, pipelined), each is set into `<queue>` with its data and flags, and only then is it
 * acknowledged in `<queue>.dead`. At least once: a failure between the set and the acknowledgement
 * leaves the item in both queues, never in neither. A set into `<queue>` is a new item, so its
 * delivery count starts afresh (and it has no expiry: the wire does not tell the item's).
 */
import type { RqClient } from '../../client/client.js';
import type { Item } from '../../client/item.js';
import { PartlyDelivered } from '../../client/pop-session.js';
import type { RedrivePlan } from '../commands/redrive.js';
import { EXIT_NOTHING, EXIT_UNREACHABLE } from '../exit-codes.js';
import { writeOut } from '../output/items.js';
import { jsonLine } from '../output/json.js';
import { plural } from '../output/plural.js';
import { guard, warn } from './failure.js';
import { newClient } from './new-client.js';
import { StopSignals } from './stop-signals.js';

export async function runRedrive(plan: RedrivePlan): Promise<void> {
  const client = newClient('redrive', plan);
  const stop = new AbortController();
  const signals = new StopSignals(() => stop.abort());
  let moved = 0;
  try {
    await guard('redrive', async () => {
      try {
        if (!(await deadQueueExists(client, plan))) return;
        await client.popMany(plan.dead, { count: plan.count, signal: stop.signal }, async (items: Item[]) => {
          for (const [i, item] of items.entries()) {
            try {
              await client.push(plan.queue, item.data, { flags: item.flags });
            } catch (err) {
              // The items set so far are acknowledged in the dead queue; the rest go back to it.
              throw new PartlyDelivered(i, err instanceof Error ? err : new Error(String(err)));
            }
            moved++;
          }
        });
        if (moved === 0) {
          if (!plan.json) warn('redrive', `${plan.dead} is empty: nothing to move to ${plan.queue}`);
          process.exitCode = EXIT_NOTHING;
        }
      } finally {
        client.close();
      }
    });
    if (moved > 0) {
      if (plan.json) await writeOut(jsonLine({ queue: plan.queue, from: plan.dead, moved }));
      else warn('redrive', `moved ${plural(moved, 'item')} from ${plan.dead} to ${plan.queue}`);
    }
  } finally {
    await signals.finish();
  }
}

/**
 * Whether some server lists the dead-letter queue; says why not when none does. Asked first so that
 * redriving a queue that never had an item dead-lettered does not create its dead queue.
 */
async function deadQueueExists(client: RqClient, plan: RedrivePlan): Promise<boolean> {
  const stats = await client.stats();
  const up = stats.filter((s) => s.state === 'up');
  for (const s of stats) if (s.state === 'down') warn('redrive', `skipping ${s.error.message}`);
  if (up.length === 0) {
    process.exitCode = EXIT_UNREACHABLE;
    return false;
  }
  if (up.some((s) => s.queues.has(plan.dead))) return true;
  if (!plan.json)
    warn('redrive', `no queue named ${plan.dead}: no item of ${plan.queue} has been dead-lettered (rq serve --max-deliveries)`);
  process.exitCode = EXIT_NOTHING;
  return false;
}
