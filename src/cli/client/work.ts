/**
 * `rq work`, once the arguments are understood: N slots, each with its own connection, each
 * reserving an item, running the command with the data on its stdin, then acknowledging (exit
 * status 0) or releasing (anything else). Nothing is lost: an item is acknowledged only after its
 * command succeeded, and a worker that dies drops its connection, which releases what it held.
 *
 * A failed item is not put back at once (it would come straight back to the head and block the
 * queue): the slot holds it for a back-off, takes other items meanwhile, then releases it. With
 * --drain, failed items are released when the queue is otherwise empty and the worker stops.
 *
 * SIGINT/SIGTERM: stop taking items, let running commands finish (and settle their items), drop
 * idle connections. A second signal also sends SIGTERM to the running commands.
 */
import type { ChildProcess } from 'node:child_process';
import type { RqClient } from '../../client/client.js';
import type { Item } from '../../client/item.js';
import type { WorkPlan } from '../commands/work.js';
import { EXIT_UNREACHABLE, EXIT_USAGE } from '../exit-codes.js';
import { exitCodeFor, warn } from './failure.js';
import { writeOut } from './item-output.js';
import { newClient } from './new-client.js';
import { spawnCommand, type CommandOutcome } from './spawn-command.js';

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
  acked = 0;
  released = 0;
  readonly running = new Set<ChildProcess>();
  readonly idle = new Set<RqClient>();
  /** Failures per item id, for the back-off. */
  readonly failures = new Map<number, number>();
  private readonly wakers = new Set<() => void>();

  constructor(readonly plan: WorkPlan) {}

  stop(): void {
    if (this.stopping) {
      for (const child of this.running) child.kill('SIGTERM');
      return;
    }
    this.stopping = true;
    // A slot blocked waiting for an item has nothing to finish: drop its connection.
    for (const client of this.idle) client.destroy();
    for (const wake of this.wakers) wake();
  }

  /** Fatal trouble (server gone, command missing): report, set the status, stop everything. */
  fail(message: string, status: number): void {
    if (!process.exitCode) {
      // The first trouble sets the status; later ones are usually its consequences.
      warn('work', message);
      process.exitCode = status;
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

async function slot(work: Work): Promise<void> {
  const { plan } = work;
  const client = newClient('work', plan);
  const delayed: Delayed[] = [];
  try {
    while (!work.stopping && work.taken < plan.limit) {
      await releaseDue(work, client, delayed);
      if (work.stopping) break;
      if (delayed.length >= MAX_DELAYED) {
        await work.pause(delayed[0].due - Date.now());
        continue;
      }
      // Never block past the next retry: the release would queue behind the wait on this connection.
      const waitMs = plan.drain ? 0 : delayed.length > 0 ? Math.max(0, delayed[0].due - Date.now()) : Infinity;
      work.taken++;
      let item: Item | null;
      work.idle.add(client);
      try {
        item = await client.reserve(plan.queue, { waitMs });
      } catch (err) {
        work.taken--;
        if (!work.stopping) work.fail((err as Error).message, exitCodeFor(err));
        return;
      } finally {
        work.idle.delete(client);
      }
      if (item === null) {
        work.taken--;
        if (plan.drain) return; // empty, apart from the failed items this slot holds
        continue;
      }
      if (!(await handle(work, client, item))) {
        const n = (work.failures.get(item.id) ?? 0) + 1;
        work.failures.set(item.id, n);
        delayed.push({ item, due: Date.now() + Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (n - 1)) });
      }
    }
  } finally {
    // Failed items go back to the queue now (a dropped connection has released them already).
    // Newest first: each release goes to the head, so this keeps their order.
    for (const d of delayed.reverse()) await settle(work, () => client.release(plan.queue, d.item.id, d.item.server));
    client.close();
  }
}

/** Releases the failed items whose retry is due, back to the head of the queue. */
async function releaseDue(work: Work, client: RqClient, delayed: Delayed[]): Promise<void> {
  const now = Date.now();
  while (delayed.length > 0 && delayed[0].due <= now) {
    const { item } = delayed.shift()!;
    await settle(work, () => client.release(work.plan.queue, item.id, item.server));
  }
}

/** Runs an ack or release; a failure to reach the server stops the work (the item is released anyway). */
async function settle(work: Work, action: () => Promise<boolean>): Promise<void> {
  try {
    await action();
  } catch (err) {
    if (!work.stopping) work.fail(`${(err as Error).message}; what this worker held is back in the queue`, EXIT_UNREACHABLE);
  }
}

/**
 * Runs the command for one item; acknowledges it on success. False when the command failed: the
 * caller holds the item for a while and then releases it.
 */
async function handle(work: Work, client: RqClient, item: Item): Promise<boolean> {
  const { plan } = work;
  const outcome = await spawnCommand(plan.command, item, work.running);
  if (outcome.kind === 'exited' && outcome.code === 0) {
    await settle(work, async () => {
      if (await client.ack(plan.queue, item.id, item.server)) work.acked++;
      else warn('work', `item ${item.id} succeeded but was no longer open (its reservation had ended); it may run again`);
      return true;
    });
    return true;
  }
  work.released++;
  if (outcome.kind === 'failed-to-start') {
    work.fail(`cannot run ${plan.command[0]}: ${outcome.error.message}; item ${item.id} released`, EXIT_USAGE);
  } else {
    warn('work', `item ${item.id}: ${describe(outcome)}; it will be released back to ${plan.queue}`);
  }
  return false;
}

function describe(outcome: CommandOutcome): string {
  switch (outcome.kind) {
    case 'exited': return `command exited with status ${outcome.code}`;
    case 'signalled': return `command killed by ${outcome.signal}`;
    case 'failed-to-start': return `command could not start: ${outcome.error.message}`;
  }
}

export async function runWork(plan: WorkPlan): Promise<void> {
  const work = new Work(plan);
  const onSignal = () => work.stop();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await Promise.all(Array.from({ length: plan.concurrency }, () => slot(work)));
    if (plan.json) {
      await writeOut(JSON.stringify({ queue: plan.queue, acked: work.acked, released: work.released }) + '\n');
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
