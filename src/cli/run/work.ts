/**
 * `rq work`, once the arguments are understood: N slots, each with its own connection, each
 * reserving an item, running the command with the data on its stdin, then acknowledging (exit
 * status 0) or releasing (anything else). Nothing is lost: an item is acknowledged only after its
 * command succeeded, and a worker that dies drops its connection, which releases what it held.
 *
 * SIGINT/SIGTERM: stop taking items, let running commands finish (and settle their items), drop
 * idle connections. A second signal also sends SIGTERM to the running commands.
 */
import type { ChildProcess } from 'node:child_process';
import type { RqClient } from '../../client/client.js';
import type { Item } from '../../client/item.js';
import type { WorkPlan } from '../commands/work.js';
import { EXIT_UNREACHABLE, EXIT_USAGE } from '../exit-codes.js';
import { exitCodeFor, warn } from '../failure.js';
import { writeOut } from '../output/items.js';
import { openClient } from './open-client.js';
import { runCommand, type CommandOutcome } from './run-command.js';

/** After a failure a slot pauses before its next item, doubling from this up to MAX_BACKOFF_MS. */
const FIRST_BACKOFF_MS = 100;
/** So that a command that always fails costs a retry every 30 s, not a busy loop. */
const MAX_BACKOFF_MS = 30_000;

class Work {
  stopping = false;
  taken = 0;
  acked = 0;
  released = 0;
  readonly running = new Set<ChildProcess>();
  readonly idle = new Set<RqClient>();
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

async function slot(work: Work): Promise<void> {
  const { plan } = work;
  const client = openClient('work', plan);
  let failures = 0;
  try {
    while (!work.stopping && work.taken < plan.limit) {
      work.taken++;
      let item: Item | null;
      work.idle.add(client);
      try {
        item = await client.reserve(plan.queue, { waitMs: plan.drain ? 0 : Infinity });
      } catch (err) {
        work.taken--;
        if (!work.stopping) work.fail((err as Error).message, exitCodeFor(err));
        return;
      } finally {
        work.idle.delete(client);
      }
      if (item === null) {
        work.taken--;
        return; // --drain: the queue is empty
      }
      const ok = await handle(work, client, item);
      failures = ok ? 0 : failures + 1;
      if (failures > 0 && !work.stopping) await work.pause(Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (failures - 1)));
    }
  } finally {
    client.close();
  }
}

/** Runs the command for one item and settles the item. True when the command succeeded. */
async function handle(work: Work, client: RqClient, item: Item): Promise<boolean> {
  const { plan } = work;
  const outcome = await runCommand(plan.command, item, work.running);
  const success = outcome.kind === 'exited' && outcome.code === 0;
  try {
    if (success) {
      if (await client.ack(plan.queue, item.id, item.server)) work.acked++;
      else warn('work', `item ${item.id} succeeded but was no longer open (its reservation had ended); it may run again`);
      return true;
    }
    await client.release(plan.queue, item.id, item.server);
    work.released++;
    if (outcome.kind === 'failed-to-start') {
      work.fail(`cannot run ${plan.command[0]}: ${outcome.error.message}; item ${item.id} released`, EXIT_USAGE);
    } else {
      warn('work', `item ${item.id}: ${describe(outcome)}; released back to ${plan.queue}`);
    }
    return false;
  } catch (err) {
    // The server is gone: the item's reservation went with the connection, so it is back in the queue.
    work.fail(`${(err as Error).message}; item ${item.id} will be delivered again`, EXIT_UNREACHABLE);
    return false;
  }
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
