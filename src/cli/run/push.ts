/** `rq push`, once the arguments are understood: one item through memjs, or a pipelined stream. */
import type { PushReport } from '../../client/push-stream.js';
import type { PushPlan } from '../commands/push.js';
import { exitCodeFor, guard, warn } from '../failure.js';
import { writeOut } from '../output/items.js';
import { EXIT_UNREACHABLE } from '../exit-codes.js';
import { openClient } from './open-client.js';

export async function runPush(plan: PushPlan): Promise<void> {
  const client = openClient('push', plan);
  const options = { ttlSeconds: plan.ttlSeconds, flags: plan.flags };
  try {
    if (plan.messages !== null && plan.messages.length === 1) {
      const message = plan.messages[0];
      // One item: the whole call is bounded (at most one try per server, each with the timeout).
      await guard('push', async () => {
        const server = await client.push(plan.queue, message, options);
        if (plan.json) await writeOut(JSON.stringify({ queue: plan.queue, pushed: 1, server }) + '\n');
      }, plan.timeoutMs * (plan.servers.length + 1));
      return;
    }
    // A stream lasts as long as its input; the pipe's own deadline catches a silent server.
    await guard('push', async () => {
      if (plan.messages === null && process.stdin.isTTY) {
        warn('push', 'reading items from the terminal, one per line; end with Ctrl-D');
      }
      const source = plan.messages !== null
        ? (async function* () { yield plan.messages!.map((m) => Buffer.from(m)); })()
        : (await import('../input/split.js')).splitItems(process.stdin, plan.mode);
      const report = await client.pushAll(plan.queue, source, options);
      explain(report);
      if (plan.json) {
        const { pushed, refused, unconfirmed } = report;
        await writeOut(JSON.stringify({ queue: plan.queue, pushed, refused, unconfirmed }) + '\n');
      }
    });
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
