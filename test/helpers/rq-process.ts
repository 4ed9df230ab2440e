/**
 * Runs the built `bin/rq` as a child process for end-to-end tests (needs `npm run build` first).
 * Waits for output with a deadline, never for a fixed time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const RQ_BIN = path.resolve(__dirname, '../../bin/rq');

export interface ServerProcess {
  readonly port: number;
  readonly proc: ChildProcess;
  readonly dataDir: string;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts `rq serve` on `port` (0: any free one) and resolves once it says where it listens. */
export async function spawnServer(port = 0, dataDir?: string): Promise<ServerProcess> {
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'rq-e2e-'));
  const proc = spawn(process.execPath, [RQ_BIN, 'serve', '--port', String(port), '--data-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const listening = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`rq serve did not start: ${out}`)), 10_000);
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on \S+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.stderr!.on('data', (d) => (out += d));
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`rq serve exited with ${code}: ${out}`));
    });
  });
  return {
    port: listening,
    proc,
    dataDir: dir,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

/** A port that was free a moment ago (for tests that restart a server on the same port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `rq <args>` to completion (with a deadline) and collects its output. */
export function runRq(args: string[], options: { env?: NodeJS.ProcessEnv; deadlineMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [RQ_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`rq ${args.join(' ')} did not finish: ${stdout}${stderr}`));
    }, options.deadlineMs ?? 15_000);
    proc.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
