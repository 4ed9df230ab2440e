/**
 * Spawns the built `bin/rq serve` as a user would (needs `npm run build`), waits for its
 * "listening on host:port" line, and stops it (SIGTERM, or SIGKILL for crash tests).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const RQ = path.resolve(__dirname, '../../bin/rq');

export interface SpawnedRq {
  readonly child: ChildProcess;
  readonly port: number;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (or signal) once the process is gone. */
  readonly exited: Promise<number | string>;
  kill(signal: NodeJS.Signals): Promise<number | string>;
}

export function spawnRq(args: string[], deadlineMs = 10_000): Promise<SpawnedRq> {
  const child = spawn(process.execPath, [RQ, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`rq serve did not start within ${deadlineMs} ms; stderr: ${err}`));
    }, deadlineMs);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`rq serve exited (${code}) before listening; stderr: ${err}`));
    });
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on \S+:(\d+)/.exec(out);
      if (m === null) return;
      clearTimeout(timer);
      resolve({
        child,
        port: Number(m[1]),
        stderr: () => err,
        exited,
        kill: (signal) => {
          child.kill(signal);
          return exited;
        },
      });
    });
  });
}
