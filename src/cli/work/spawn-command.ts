/**
 * Runs one command for `rq work` (man/rq-work.1 "Environment of the command"): the item's data on
 * its stdin, its stdout and stderr those of rq work, and an environment telling it which item it
 * has. rq's password is not passed on unless asked (--pass-credentials): a command that runs
 * whatever an item says must not be able to read it.
 *
 * Each command leads a process group of its own, so that stopping it stops what it started too
 * (`sh -c 'curl …'`): with a time limit, the group gets SIGTERM when it is up, and SIGKILL
 * KILL_GRACE_MS later if the command is still running; a second signal to rq work sends it SIGTERM.
 * (Ctrl-C on a terminal reaches rq work alone, which then lets the commands finish.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Item } from '../../client/item.js';
import type { SecurityPlan } from '../client/options.js';

/** How long a command that overran its --timeout has after SIGTERM before SIGKILL. */
const KILL_GRACE_MS = 2000;

/** How a command run ended. */
export type CommandResult =
  | { readonly kind: 'exited'; readonly code: number }
  | { readonly kind: 'signalled'; readonly signal: string }
  /** Killed by rq work when its --timeout was up. */
  | { readonly kind: 'timed-out'; readonly ms: number }
  /** The command could not be started (not found, not executable). */
  | { readonly kind: 'failed-to-start'; readonly error: NodeJS.ErrnoException };

export interface CommandRun {
  readonly command: readonly string[];
  readonly item: Item;
  /** The item's delivery count (the server's): 1 the first time it is run by any worker, 2 the next, … */
  readonly attempt: number;
  /** Kill the command after this many ms (Infinity: never). */
  readonly timeoutMs: number;
  /** Credentials to hand on as RQ_USER and RQ_PASSWORD, or null to keep them from the command. */
  readonly credentials: SecurityPlan | null;
}

/** The command's environment: rq work's own, less its password, plus what says which item this is. */
export function commandEnv(run: CommandRun, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  delete out.RQ_PASSWORD;
  if (run.credentials !== null) {
    if (run.credentials.user !== undefined) out.RQ_USER = run.credentials.user;
    if (run.credentials.password !== undefined) out.RQ_PASSWORD = run.credentials.password;
  }
  out.RQ_QUEUE = run.item.queue;
  out.RQ_ITEM_ID = String(run.item.id);
  out.RQ_ITEM_SERVER = run.item.server;
  out.RQ_ATTEMPT = String(run.attempt);
  return out;
}

/** Sends `signal` to the command's process group (and so to what it started); nothing when it is gone. */
export function killCommand(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** Spawns the command and resolves once it ends; `running` holds its process while it runs (so that a second signal can stop it). */
export function spawnCommand(run: CommandRun, running: Set<ChildProcess>): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(run.command[0], run.command.slice(1), {
      stdio: ['pipe', 'inherit', 'inherit'],
      env: commandEnv(run),
      detached: true,
    });
    running.add(child);
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const limit =
      run.timeoutMs === Infinity
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            killCommand(child, 'SIGTERM');
            killTimer = setTimeout(() => killCommand(child, 'SIGKILL'), KILL_GRACE_MS);
          }, run.timeoutMs);
    let settled = false;
    const settle = (result: CommandResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(limit);
      clearTimeout(killTimer);
      running.delete(child);
      resolve(result);
    };
    child.once('error', (error) => settle({ kind: 'failed-to-start', error }));
    child.once('close', (code, signal) => {
      if (timedOut) settle({ kind: 'timed-out', ms: run.timeoutMs });
      else settle(signal !== null ? { kind: 'signalled', signal } : { kind: 'exited', code: code ?? 1 });
    });
    // A command that does not read its stdin closes it early: that is its business, not an error.
    child.stdin.on('error', () => {});
    child.stdin.end(run.item.data);
  });
}
