/**
 * Creating `rq serve`'s data directory and the directories above it. Not `mkdir -p` through
 * fs.mkdirSync({ recursive: true }): on a path where mkdir fails with ENOENT although the parent
 * exists (under /proc or /sys, say), Node's recursive mkdir retries for ever, at full CPU and deaf to
 * SIGTERM. Here each missing directory is made once, from the nearest one that exists, and the
 * first failure is the error.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Makes `dir` and any missing parents; throws an Error saying which path failed and why. */
export function makeDataDir(dir: string): void {
  const missing: string[] = [];
  let at = path.resolve(dir);
  for (;;) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${at}: ${reason(err)}`, { cause: err });
    }
    if (stat !== undefined) {
      if (!stat.isDirectory()) throw new Error(`${at} is not a directory`);
      break;
    }
    missing.push(at);
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && fs.statSync(d).isDirectory()) continue;
      throw new Error(`cannot create ${d}: ${reason(err)}`, { cause: err });
    }
  }
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ?? e.message;
}
