/** Spawns one command for `rq work`: the item's data on its stdin, its id in RQ_ITEM_ID. */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Item } from '../../client/item.js';

export type CommandOutcome =
  | { readonly kind: 'exited'; readonly code: number }
  | { readonly kind: 'signalled'; readonly signal: string }
  /** The command could not be started (not found, not executable). */
  | { readonly kind: 'failed-to-start'; readonly error: Error };

/** Spawns the command and resolves once it ends; `running` holds its process while it runs (so that a second Ctrl-C can stop it). */
export function spawnCommand(command: readonly string[], item: Item, running: Set<ChildProcess>): Promise<CommandOutcome> {
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), {
      stdio: ['pipe', 'inherit', 'inherit'],
      env: { ...process.env, RQ_ITEM_ID: String(item.id), RQ_QUEUE: item.queue, RQ_ITEM_SERVER: item.server },
    });
    running.add(child);
    let settled = false;
    child.once('error', (error) => {
      if (settled) return;
      settled = true;
      running.delete(child);
      resolve({ kind: 'failed-to-start', error });
    });
    child.once('close', (code, signal) => {
      if (settled) return;
      settled = true;
      running.delete(child);
      resolve(signal !== null ? { kind: 'signalled', signal } : { kind: 'exited', code: code ?? 1 });
    });
    // A command that does not read its stdin closes it early: that is its business, not an error.
    child.stdin.on('error', () => {});
    child.stdin.end(item.data);
  });
}
