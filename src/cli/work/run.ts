/**
 * `rq work`, once the arguments are understood: N slots, each with its own connection, each
 * reserving an item, running the command with the data on its stdin (spawn-command.ts), then
 * doing what outcome.ts decides: acknowledge, hold for a back-off and release, or release and
 * stop. Nothing is lost: an item is acknowledged only after its command succeeded, and a worker
 * that dies drops its connections, which releases what it held.
 *
 * A failed item is not put back at once (it would come straight back to the head and block the
 * queue): the slot holds it for a back-off, takes other items meanwhile, then releases it. With
 * --drain, failed items are released when the queue is otherwise empty and the worker stops.
 *
 * A lost server (a restart) is waited for (../client/reconnect.ts): the slots reconnect and go on;
 * what they held is back in the queue by the server's rules.
 *
 * SIGINT/SIGTERM: stop taking items, let running commands finish (and settle their items), drop
 * idle connections, then end by the signal. A second signal ends rq work at once; the running
 * commands (their process groups) get SIGTERM and their items go back to the queue.
 */
import type { ChildProcess } from 'node:child_process';
import type { RqClient } from '../../client/client.js';
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
import { decide } from './outcome.js';
import { killCommand, spawnCommand, type CommandResult } from './spawn-command.js';

/**
 * A failed item is held this long before it is released for another try, doubling with each
 * failure of the same item up to MAX_BACKOFF_MS; meanwhile the slot goes on with other items.
 */
const FIRST_BACKOFF_MS = 250;
/** So that an item that always fails costs a try every 30 s, not a busy loop. */
const MAX_BACKOFF_MS = 30_000;
/** Failed items one slot may hold at once (each counts against the server's --max-open). */
const MAX_DELAYED = 16;

class Work {
  stopping = false;
  taken = 0;
  runs = 0;
  acked = 0;
  failed = 0;
  released = 0;
  /** The worker's own reason to stop (a command that cannot run, a server gone for good). */
  status: number | null = null;
  readonly running = new Set<ChildProcess>();
  readonly idle = new Set<RqClient>();
  /** Failed runs per item (`id@server`), for the attempt number and the back-off. */
  readonly failures = new Map<string, number>();
  readonly reconnect: Reconnect;
  private readonly wakers = new Set<() => void>();

  constructor(readonly plan: WorkPlan, readonly joblog: JobLog | null) {
    this.reconnect = new Reconnect('work', plan.reconnect);
  }

  stop(): void {
    this.stopping = true;
    this.reconnect.stop();
    // A slot blocked waiting for an item has nothing to finish: drop its connection.
    for (const client of this.idle) client.destroy();
    for (const wake of this.wakers) wake();
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

  /** Waits `ms`, or less if the work stops. */
  pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }
}

/** An item whose command failed, held by its slot until its retry is due (so others can pass it). */
interface Delayed {
  readonly item: Item;
  readonly due: number;
}

const ref = (item: Item) => `${item.id}@${item.server}`;

async function slot(work: Work): Promise<void> {
  const { plan } = work;
  const client = newClient('work', plan);
  const delayed: Delayed[] = [];
  try {
    while (!work.stopping && work.taken < plan.limit) {
      try {
        await releaseDue(work, client, delayed);
        if (work.stopping) break;
        if (delayed.length >= MAX_DELAYED) {
          await work.pause(delayed[0].due - Date.now());
          continue;
        }
        const item = await take(work, client, delayed);
        if (item === null) {
          if (plan.drain) return; // empty, apart from the failed items this slot holds
          continue;
        }
        await runItem(work, client, item, delayed);
      } catch (err) {
        if (work.stopping) return;
        // The connection is gone, and the server has released what it held (the failed items too).
        delayed.length = 0;
        if (!(await work.reconnect.retry(err))) {
          work.fail(isTransient(err) ? `${err.message}; what this worker held is back in the queue` : (err as Error).message, exitCodeFor(err));
          return;
        }
      }
    }
  } finally {
    // Failed items go back to the queue now (a dropped connection has released them already).
    // Newest first: each release goes to the head, so this keeps their order.
    for (const d of delayed.reverse()) {
      await client.release(plan.queue, d.item.id, d.item.server).then(() => work.released++, () => {});
    }
    client.close();
  }
}

/** Reserves the next item; never blocks past the next retry due (its release would queue behind the wait on this connection). */
async function take(work: Work, client: RqClient, delayed: readonly Delayed[]): Promise<Item | null> {
  const { plan } = work;
  const waitMs = plan.drain ? 0 : delayed.length > 0 ? Math.max(0, delayed[0].due - Date.now()) : Infinity;
  work.taken++;
  work.idle.add(client);
  try {
    const item = await client.reserve(plan.queue, { waitMs });
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

/** Releases the failed items whose retry is due, back to the head of the queue. */
async function releaseDue(work: Work, client: RqClient, delayed: Delayed[]): Promise<void> {
  const now = Date.now();
  while (delayed.length > 0 && delayed[0].due <= now) {
    const { item } = delayed[0];
    await client.release(work.plan.queue, item.id, item.server);
    delayed.shift();
    work.released++;
  }
}

/** Runs the command for one item and carries out what outcome.ts decides. */
async function runItem(work: Work, client: RqClient, item: Item, delayed: Delayed[]): Promise<void> {
  const { plan } = work;
  const attempt = (work.failures.get(ref(item)) ?? 0) + 1;
  const startAt = Date.now();
  const result = await spawnCommand({
    command: plan.command, item, attempt, timeoutMs: plan.commandTimeoutMs, credentials: plan.passCredentials ? plan.security : null,
  }, work.running);
  const decision = decide(result);
  work.runs++;
  work.joblog?.write({ seq: work.runs, queue: plan.queue, id: item.id, server: item.server, attempt, startAt,
    runtimeMs: Date.now() - startAt, ...exitAndSignal(result), outcome: decision.action });
  const what = `item ${item.id}${attempt > 1 ? ` (attempt ${attempt})` : ''}`;
  if (decision.action === 'ack') {
    work.failures.delete(ref(item));
    try {
      if (await client.ack(plan.queue, item.id, item.server)) work.acked++;
      else warn('work', `${what} succeeded but was no longer open (its reservation had ended); it may run again`);
    } catch (err) {
      if (isTransient(err)) warn('work', `${what} succeeded but its acknowledgement was lost with the connection; it may run again`);
      throw err;
    }
    return;
  }
  work.failed++;
  if (decision.action === 'stop') {
    await client.release(plan.queue, item.id, item.server).then(() => work.released++, () => {});
    work.fail(`cannot run ${plan.command[0]}: ${decision.why}; ${what} released`, decision.status);
    return;
  }
  work.failures.set(ref(item), attempt);
  const backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (attempt - 1));
  warn('work', `${what}: ${decision.why}; back to ${plan.queue} in ${backoff / 1000} s`);
  delayed.push({ item, due: Date.now() + backoff });
}

function exitAndSignal(result: CommandResult): { exit: number; signal: string } {
  switch (result.kind) {
    case 'exited': return { exit: result.code, signal: '' };
    case 'signalled': return { exit: -1, signal: result.signal };
    case 'timed-out': return { exit: -1, signal: 'timeout' };
    case 'failed-to-start': return { exit: -1, signal: '' };
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
    ? new ProgressLine('work', (ms) => `${work.acked} done, ${work.failed} failed, ${work.running.size} running · ${rate(work.acked, ms)}/s · ${clock(ms)}`)
    : null;
  try {
    await Promise.all(Array.from({ length: plan.concurrency }, () => slot(work)));
    progress?.end();
    if (plan.json) {
      await writeOut(jsonLine({ queue: plan.queue, runs: work.runs, acked: work.acked, failed: work.failed, released: work.released }));
    }
    process.exitCode = exitStatus(work);
  } finally {
    joblog?.close();
    await signals.finish();
  }
}
