/**
 * `rq work`, once the arguments are understood: N slots, each with its own connection, each
 * reserving an item with a lease (renewal.ts renews it while the command runs), running the
 * command with the data on its stdin (spawn-command.ts), then doing what outcome.ts decides:
 * acknowledge, release for a later try, or release and stop. Nothing is lost: an item is
 * acknowledged only after its command succeeded, and the item of a worker that dies comes back
 * when its lease ends.
 *
 * A failed item is released with a delay (backoff.ts, from its delivery count), not to the head:
 * the server keeps it out of sight until it is due, and meanwhile the queue behind it goes on. With
 * the server's --max-deliveries, an item that keeps failing ends in `<queue>.dead`.
 *
 * A lost server (a restart) is waited for (../client/reconnect.ts): the slots reconnect and go on.
 *
 * SIGINT/SIGTERM: stop taking items, let running commands finish (and settle their items), drop
 * idle connections, then end by the signal. A second signal ends rq work at once; the running
 * commands (their process groups) get SIGTERM and their items come back when their leases end.
 */
import type { ChildProcess } from 'node:child_process';
import type { Released, RqClient } from '../../client/client.js';
import type { Item } from '../../client/item.js';
import type { WorkPlan } from '../commands/work.js';
import { exitCodeFor, warn } from '../client/failure.js';
import { EXIT_SOME_FAILED } from '../exit-codes.js';
import { newClient } from '../client/new-client.js';
import { isTransient, Reconnect } from '../client/reconnect.js';
import { StopSignals } from '../client/stop-signals.js';
import { jsonLine } from '../output/json.js';
import { writeOut } from '../output/items.js';
import { clock, ProgressLine, rate } from '../output/progress.js';
import { JobLog } from './joblog.js';
import { deadLetteredNews } from '../client/dead-lettered.js';
import { retryDelayMs } from './backoff.js';
import { decide } from './outcome.js';
import { LeaseRenewal } from './renewal.js';
import { killCommand, spawnCommand, type CommandResult } from './spawn-command.js';

class Work {
  stopping = false;
  taken = 0;
  runs = 0;
  acked = 0;
  failed = 0;
  /** Runs whose command asked for a retry (EX_TEMPFAIL): no failure. */
  deferred = 0;
  /** Items released for another try. */
  released = 0;
  /** Items released after their last delivery, which the server moved to the dead queue instead. */
  dead = 0;
  /** The worker's own reason to stop (a command that cannot run, a server gone for good). */
  status: number | null = null;
  readonly running = new Set<ChildProcess>();
  readonly idle = new Set<RqClient>();
  readonly reconnect: Reconnect;

  constructor(
    readonly plan: WorkPlan,
    readonly joblog: JobLog | null,
  ) {
    this.reconnect = new Reconnect('work', plan.reconnect);
  }

  stop(): void {
    this.stopping = true;
    this.reconnect.stop();
    // A slot blocked waiting for an item has nothing to finish: drop its connection.
    for (const client of this.idle) client.destroy();
  }

  /** The second signal: the running commands are stopped too. */
  kill(): void {
    for (const child of this.running) killCommand(child, 'SIGTERM');
  }

  /** Fatal trouble (server gone, command missing): report, keep the status, stop everything. */
  fail(message: string, status: number): void {
    if (this.status === null) {
      // The first trouble sets the status; later ones are usually its consequences.
      warn('work', message);
      this.status = status;
    }
    this.stop();
  }
}

async function slot(work: Work): Promise<void> {
  const { plan } = work;
  const client = newClient('work', plan);
  try {
    while (!work.stopping && work.taken < plan.limit) {
      try {
        const item = await take(work, client);
        if (item === null) {
          if (plan.drain) return; // empty (items released for a later try are out of sight)
          continue;
        }
        await runItem(work, client, item);
      } catch (err) {
        if (work.stopping) return;
        if (!(await work.reconnect.retry(err))) {
          work.fail(
            isTransient(err)
              ? `${err.message}; what this worker held comes back to the queue when its lease ends`
              : (err as Error).message,
            exitCodeFor(err),
          );
          return;
        }
      }
    }
  } finally {
    client.close();
  }
}

/** Reserves the next item with a lease, waiting for one unless --drain. */
async function take(work: Work, client: RqClient): Promise<Item | null> {
  const { plan } = work;
  work.taken++;
  work.idle.add(client);
  try {
    const item = await client.reserve(plan.queue, { waitMs: plan.drain ? 0 : Infinity, leaseMs: plan.leaseMs });
    work.reconnect.connected(item?.server ?? client.names.join(', '));
    if (item === null) work.taken--;
    return item;
  } catch (err) {
    work.taken--;
    throw err;
  } finally {
    work.idle.delete(client);
  }
}

/** Runs the command for one item, renewing its lease meanwhile, and carries out what outcome.ts decides. */
async function runItem(work: Work, client: RqClient, item: Item): Promise<void> {
  const { plan } = work;
  // The server's count: deliveries to any worker, crashed ones included (1 the first time).
  const attempt = item.deliveries;
  const what = `item ${item.id}${attempt > 1 ? ` (attempt ${attempt})` : ''}`;
  const startAt = Date.now();
  const renewal = new LeaseRenewal(client, item, plan.leaseMs, what);
  let result: CommandResult;
  try {
    result = await spawnCommand(
      {
        command: plan.command,
        item,
        attempt,
        timeoutMs: plan.commandTimeoutMs,
        credentials: plan.passCredentials ? plan.security : null,
      },
      work.running,
    );
  } finally {
    await renewal.stop();
  }
  const decision = decide(result);
  work.runs++;
  const runtimeMs = Date.now() - startAt;
  /** Writes the run's joblog line; a release's line waits for the server to say where the item went. */
  const logRun = (released: Released | undefined) =>
    work.joblog?.write({
      seq: work.runs,
      queue: plan.queue,
      id: item.id,
      server: item.server,
      attempt,
      startAt,
      runtimeMs,
      ...exitAndSignal(result),
      outcome: released === 'dead-lettered' ? 'dead' : decision.action,
    });
  if (decision.action === 'ack') {
    logRun(undefined);
    try {
      if (await client.ack(plan.queue, item.id, item.server)) work.acked++;
      else warn('work', `${what} succeeded but was no longer open (its lease had ended); it may run again`);
    } catch (err) {
      if (isTransient(err))
        warn('work', `${what} succeeded but its acknowledgement was lost with the connection; it may run again`);
      throw err;
    }
    return;
  }
  if (decision.action === 'stop') {
    work.failed++;
    const released = await client.release(plan.queue, item.id, item.server).then(
      (outcome) => count(work, outcome),
      () => false,
    );
    logRun(released);
    const where = released === 'dead-lettered' ? `released: ${deadLetteredNews(plan.queue)}` : 'released';
    work.fail(`cannot run ${plan.command[0]}: ${decision.why}; ${what} ${where}`, decision.status);
    return;
  }
  if (decision.deferred) work.deferred++;
  else work.failed++;
  const delayMs = retryDelayMs(item.deliveries, plan.retry);
  // The server says where the item went: back to the queue, or, after its last delivery under
  // `rq serve --max-deliveries`, to the dead queue.
  let released: Released | undefined;
  try {
    released = count(work, await client.release(plan.queue, item.id, item.server, { delayMs }));
  } finally {
    logRun(released);
  }
  if (released === 'dead-lettered') {
    warn('work', `${what}: ${decision.why}; ${deadLetteredNews(plan.queue)}`);
  } else if (released) {
    warn('work', `${what}: ${decision.why}; back to ${plan.queue} in ${(delayMs / 1000).toFixed(1)} s`);
  } else {
    warn('work', `${what}: ${decision.why}; it was no longer open (its lease had ended) and is back in ${plan.queue} already`);
  }
}

/** Counts a release by what the server did with the item; returns it. */
function count(work: Work, released: Released): Released {
  if (released === 'dead-lettered') work.dead++;
  else if (released) work.released++;
  return released;
}

function exitAndSignal(result: CommandResult): { exit: number; signal: string } {
  switch (result.kind) {
    case 'exited':
      return { exit: result.code, signal: '' };
    case 'signalled':
      return { exit: -1, signal: result.signal };
    case 'timed-out':
      return { exit: -1, signal: 'timeout' };
    case 'failed-to-start':
      return { exit: -1, signal: '' };
  }
}

/** The exit status (man/rq-work.1): the worker's own reason to stop, else 123 when some run failed. */
function exitStatus(work: Work): number {
  return work.status ?? (work.failed > 0 ? EXIT_SOME_FAILED : 0);
}

export async function runWork(plan: WorkPlan): Promise<void> {
  const joblog = plan.joblog === null ? null : JobLog.open(plan.joblog);
  const work = new Work(plan, joblog);
  const signals = new StopSignals(() => work.stop(), { onSecond: () => work.kill() });
  const progress = plan.progress
    ? new ProgressLine(
        'work',
        (ms) =>
          `${work.acked} done, ${work.failed} failed, ${work.running.size} running · ${rate(work.acked, ms)}/s · ${clock(ms)}`,
      )
    : null;
  try {
    await Promise.all(Array.from({ length: plan.concurrency }, () => slot(work)));
    progress?.end();
    if (plan.json) {
      const { runs, acked, failed, deferred, released, dead } = work;
      await writeOut(jsonLine({ queue: plan.queue, runs, acked, failed, deferred, released, dead }));
    }
    process.exitCode = exitStatus(work);
  } finally {
    joblog?.close();
    await signals.finish();
  }
}
