/**
 * `rq pop`, once the arguments are understood. Without --lease, items stream through the client's
 * popMany into an ItemSink (../output/item-sink.ts), which says when each item is delivered: only
 * then is it acknowledged; what is not delivered goes back to the queue. With --lease, items are
 * reserved one at a time with a lease and their ids written for a later `rq ack`.
 *
 * SIGINT/SIGTERM (stop-signals.ts): what was delivered is acknowledged, the rest released, within
 * STOP_GRACE_MS; then rq pop ends by the signal. With --follow, a lost server is waited for
 * (reconnect.ts) unless --no-reconnect.
 */
import fs from 'node:fs';
import type { RqClient } from '../../client/client.js';
import type { Item } from '../../client/item.js';
import type { PopPlan } from '../commands/pop.js';
import { EXIT_NOTHING, EXIT_UNREACHABLE } from '../exit-codes.js';
import { Interrupted, ItemSink } from '../output/item-sink.js';
import { formatItems, stdoutIsTerminal, writeOut } from '../output/items.js';
import { deadLetteredNews } from './dead-lettered.js';
import { guard, OutputError, warn } from './failure.js';
import { newClient } from './new-client.js';
import { UsageError } from '../command-spec.js';
import { Reconnect } from './reconnect.js';
import { StopSignals } from './stop-signals.js';

/** How long a stop may take to acknowledge what was delivered and release the rest. */
const STOP_GRACE_MS = 1000;

export async function runPop(plan: PopPlan): Promise<void> {
  const client = newClient('pop', plan);
  await guard('pop', async () => {
    try {
      const popped = plan.leaseMs > 0 ? await leaseItems(client, plan) : await popItems(client, plan);
      if (popped === 0 && process.exitCode === undefined) {
        // With --json an empty pop is silent (docs/json.md): the status says it.
        if (!plan.json) warn('pop', plan.waitMs > 0 ? `nothing arrived on ${plan.queue}` : `${plan.queue} is empty`);
        process.exitCode = EXIT_NOTHING;
      }
    } finally {
      client.close();
    }
  });
}

/** Streams items to stdout, acknowledging each once delivered. Returns how many. */
async function popItems(client: RqClient, plan: PopPlan): Promise<number> {
  const sink = new ItemSink(plan.format);
  const stop = new AbortController();
  const reconnect = new Reconnect('pop', plan.follow && plan.reconnect);
  const signals = new StopSignals(
    () => {
      reconnect.stop();
      sink.stop();
      stop.abort();
    },
    { graceMs: STOP_GRACE_MS },
  );
  try {
    for (;;) {
      try {
        const report = await client.popMany(
          plan.queue,
          {
            count: plan.count - sink.delivered,
            waitMs: plan.waitMs,
            signal: stop.signal,
            onConnected: (server) => reconnect.connected(server),
          },
          sink.deliver,
        );
        for (const s of report.skipped) warn('pop', `skipped ${s.message}`);
        if (report.popped === 0 && report.skipped.length > 0) process.exitCode = EXIT_UNREACHABLE;
        break;
      } catch (err) {
        if (err instanceof Interrupted) break;
        if (err instanceof OutputError) {
          warn('pop', `${err.message}: the items it did not read went back to ${plan.queue}`);
          process.exitCode = EXIT_NOTHING;
          break;
        }
        // The server released what this connection held: what the reader has not read yet is taken back too.
        await sink.takeBack();
        if (!(await reconnect.retry(err))) {
          if (stop.signal.aborted) break;
          throw err;
        }
      }
    }
    return sink.delivered;
  } finally {
    await signals.finish();
  }
}

/** Reserves items with a lease, prints each and writes its id (to --id-file or stderr). Returns how many. */
async function leaseItems(client: RqClient, plan: PopPlan): Promise<number> {
  const several = client.servers.length > 1;
  const ref = (item: Item) => (several ? `${item.id}@${item.server}` : String(item.id));
  // Emptied before the first item, so that a script never reads a stale id.
  if (plan.idFile !== null) {
    try {
      fs.writeFileSync(plan.idFile, '');
    } catch (err) {
      throw new UsageError(
        `cannot write --id-file ${plan.idFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  }
  const terminal = stdoutIsTerminal();
  let leased = 0;
  while (leased < plan.count) {
    const item = await client.reserve(plan.queue, { waitMs: plan.waitMs, leaseMs: plan.leaseMs });
    if (item === null) break;
    try {
      await writeOut(formatItems([item], plan.format, { terminal, extra: () => ({ lease_ms: plan.leaseMs }) }));
      if (plan.idFile !== null) fs.appendFileSync(plan.idFile, `${ref(item)}\n`);
    } catch (err) {
      const released = await client.release(plan.queue, item.id, item.server);
      const where = released === 'dead-lettered' ? `released: ${deadLetteredNews(plan.queue)}` : `released back to ${plan.queue}`;
      warn('pop', `${(err as Error).message}: item ${ref(item)} was ${where}`);
      process.exitCode = EXIT_NOTHING;
      return leased;
    }
    if (plan.idFile === null) process.stderr.write(`${ref(item)}\n`);
    leased++;
  }
  return leased;
}
