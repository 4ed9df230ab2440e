/**
 * `rq pop`, once the arguments are understood. Without --lease, items stream through the client's
 * popMany: each is acknowledged only after its bytes are written to stdout, and if stdout fails
 * the unwritten ones are released. With --lease, items are reserved one at a time with a lease and
 * their ids printed on stderr for a later `rq ack`.
 */
import type { RqClient } from '../../client/client.js';
import type { Item } from '../../client/item.js';
import type { PopPlan } from '../commands/pop.js';
import { EXIT_NOTHING, EXIT_UNREACHABLE } from '../exit-codes.js';
import { guard, OutputError, warn } from './failure.js';
import { formatItems, writeOut } from './item-output.js';
import { newClient } from './new-client.js';

export async function runPop(plan: PopPlan): Promise<void> {
  const client = newClient('pop', plan);
  await guard('pop', async () => {
    try {
      const popped = plan.leaseMs > 0 ? await leaseItems(client, plan) : await popItems(client, plan);
      if (popped === 0 && process.exitCode === undefined) {
        warn('pop', plan.waitMs > 0 ? `nothing arrived on ${plan.queue}` : `${plan.queue} is empty`);
        process.exitCode = EXIT_NOTHING;
      }
    } finally {
      client.close();
    }
  });
}

/** Streams items to stdout, acknowledging them as they are written. Returns how many. */
async function popItems(client: RqClient, plan: PopPlan): Promise<number> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let written = 0;
  try {
    const report = await client.popMany(plan.queue, { count: plan.count, waitMs: plan.waitMs, signal: stop.signal }, async (items) => {
      await writeOut(formatItems(items, plan.format));
      written += items.length;
    });
    for (const s of report.skipped) warn('pop', `skipped ${s.message}`);
    if (report.popped === 0 && report.skipped.length > 0) process.exitCode = EXIT_UNREACHABLE;
    return report.popped;
  } catch (err) {
    if (err instanceof OutputError) {
      warn('pop', `${err.message}: items not written were released back to ${plan.queue}`);
      process.exitCode = EXIT_NOTHING;
      return written;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Reserves items with a lease, prints each and its id (on stderr). Returns how many. */
async function leaseItems(client: RqClient, plan: PopPlan): Promise<number> {
  const several = client.servers.length > 1;
  const ref = (item: Item) => (several ? `${item.id}@${item.server}` : String(item.id));
  let leased = 0;
  while (leased < plan.count) {
    const item = await client.reserve(plan.queue, { waitMs: plan.waitMs, leaseMs: plan.leaseMs });
    if (item === null) break;
    try {
      await writeOut(formatItems([item], plan.format, () => ({ lease: ref(item), lease_ms: plan.leaseMs })));
    } catch (err) {
      await client.release(plan.queue, item.id, item.server);
      warn('pop', `${(err as Error).message}: item ${ref(item)} was released back to ${plan.queue}`);
      process.exitCode = EXIT_NOTHING;
      return leased;
    }
    process.stderr.write(`${ref(item)}\n`);
    leased++;
  }
  return leased;
}
