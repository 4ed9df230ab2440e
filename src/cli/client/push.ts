/**
 * `rq push`, once the arguments are understood: items from the arguments or standard input,
 * pipelined. A long push from standard input shows its progress on a terminal.
 */
import type { PushReport } from '../../client/push-stream.js';
import type { PushPlan } from '../commands/push.js';
import { EXIT_UNREACHABLE } from '../exit-codes.js';
import { writeOut } from '../output/items.js';
import { jsonLine } from '../output/json.js';
import { plural } from '../output/plural.js';
import { clock, ProgressLine, rate } from '../output/progress.js';
import { exitCodeFor, guard, warn } from './failure.js';
import { newClient } from './new-client.js';

export async function runPush(plan: PushPlan): Promise<void> {
  const client = newClient('push', plan);
  const options = { ttlSeconds: plan.ttlSeconds, flags: plan.flags, delayMs: plan.delayMs };
  const messages = plan.messages;
  let read = 0;
  let progress: ProgressLine | null = null;
  // Arguments go through the same pipelined path as standard input: memjs (the client's path for
  // single requests) would cost a one-item push a tenth of its start-up just to load.
  let source: AsyncIterable<Buffer[]>;
  if (messages !== null) {
    source = (async function* () {
      yield messages.map((m) => Buffer.from(m));
    })();
  } else {
    if (process.stdin.isTTY) warn('push', 'reading items from the terminal, one per line; end with Ctrl-D');
    const items = (await import('../input/split-items.js')).splitItems(process.stdin, plan.mode);
    progress = new ProgressLine(
      'push',
      (ms) => `${read.toLocaleString('en-US')} items read · ${rate(read, ms)}/s · ${clock(ms)}`,
    );
    source = (async function* () {
      for await (const batch of items) {
        read += batch.length;
        yield batch;
      }
    })();
  }
  try {
    await guard(
      'push',
      async () => {
        const report = await client.pushAll(plan.queue, source, options);
        progress?.end();
        explain(report);
        if (plan.json) {
          const { pushed, refused, unconfirmed } = report;
          await writeOut(jsonLine({ queue: plan.queue, pushed, refused, unconfirmed }));
        }
        // Arguments are a bounded push: bound the whole call too. Standard input lasts as long as it
        // lasts; the pipe's own deadline catches a silent server.
      },
      messages !== null ? plan.timeoutMs * (plan.servers.length + 1) : undefined,
    );
  } finally {
    progress?.end();
    client.close();
  }
}

/** Tells stderr about every item that is not surely in the queue, and sets the exit status. */
function explain(report: PushReport): void {
  for (const s of report.skipped) if (s !== report.failure) warn('push', `skipped ${s.message}`);
  for (const r of report.refusals) warn('push', `item ${r.index} refused by ${r.server}: ${r.reason}`);
  const unlisted = report.refused - report.refusals.length;
  if (unlisted > 0) warn('push', `… ${plural(unlisted, 'more item')} refused`);
  const pushed = `stopped after ${plural(report.pushed, 'item was', 'items were')} pushed`;
  if (report.failure !== null) {
    const fate =
      report.unconfirmed > 0 ? `; ${plural(report.unconfirmed, 'item')} sent without confirmation may or may not be queued` : '';
    warn('push', `${report.failure.message}: ${pushed}${fate}`);
  }
  if (report.refused > 0 || report.failure !== null) process.exitCode = EXIT_UNREACHABLE;
  if (report.sourceError !== null) {
    warn('push', `${report.sourceError.message}: ${pushed}`);
    process.exitCode = exitCodeFor(report.sourceError);
  }
}
