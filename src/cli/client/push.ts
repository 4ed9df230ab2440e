/** `rq push`, once the arguments are understood: items from the arguments or standard input, pipelined. */
import type { PushReport } from '../../client/push-stream.js';
import type { PushPlan } from '../commands/push.js';
import { exitCodeFor, guard, warn } from './failure.js';
import { writeOut } from './item-output.js';
import { EXIT_UNREACHABLE } from '../exit-codes.js';
import { newClient } from './new-client.js';

export async function runPush(plan: PushPlan): Promise<void> {
  const client = newClient('push', plan);
  const options = { ttlSeconds: plan.ttlSeconds, flags: plan.flags };
  const messages = plan.messages;
  // Arguments go through the same pipelined path as standard input: memjs (the client's path for
  // single requests) would cost a one-item push a tenth of its start-up just to load.
  const source = messages !== null
    ? (async function* () { yield messages.map((m) => Buffer.from(m)); })()
    : (await import('./split-items.js')).splitItems(process.stdin, plan.mode);
  if (messages === null && process.stdin.isTTY) warn('push', 'reading items from the terminal, one per line; end with Ctrl-D');
  try {
    await guard('push', async () => {
      const report = await client.pushAll(plan.queue, source, options);
      explain(report);
      if (plan.json) {
        const { pushed, refused, unconfirmed } = report;
        await writeOut(JSON.stringify({ queue: plan.queue, pushed, refused, unconfirmed }) + '\n');
      }
      // Arguments are a bounded push: bound the whole call too. Standard input lasts as long as it
      // lasts; the pipe's own deadline catches a silent server.
    }, messages !== null ? plan.timeoutMs * (plan.servers.length + 1) : undefined);
  } finally {
    client.close();
  }
}

/** Tells stderr about every item that is not surely in the queue, and sets the exit status. */
function explain(report: PushReport): void {
  for (const s of report.skipped) if (s !== report.failure) warn('push', `skipped ${s.message}`);
  for (const r of report.refusals) warn('push', `item ${r.index} refused by ${r.server}: ${r.reason}`);
  if (report.refused > report.refusals.length) warn('push', `… ${report.refused - report.refusals.length} more items refused`);
  if (report.failure !== null) {
    const fate = report.unconfirmed > 0 ? `; ${report.unconfirmed} items sent without confirmation may or may not be queued` : '';
    warn('push', `${report.failure.message}: stopped after ${report.pushed} items were pushed${fate}`);
  }
  if (report.refused > 0 || report.failure !== null) process.exitCode = EXIT_UNREACHABLE;
  if (report.sourceError !== null) {
    warn('push', `${report.sourceError.message}: stopped after ${report.pushed} items were pushed`);
    process.exitCode = exitCodeFor(report.sourceError);
  }
}
