/**
 * Runs the built `bin/rq` as a child process for end-to-end tests (needs `npm run build` first):
 * `rq serve` as a user starts it (on port 0 or a given port, with a given or fresh data dir), and
 * one-shot commands. Waits for output with a deadline, never for a fixed time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const RQ_BIN = path.resolve(__dirname, '../../bin/rq');

export interface RqServeProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Everything written to stdout and to stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or signal) once the process is gone. */
  readonly exited: Promise<number | string>;
  /** Sends `signal` (unless the process is gone already) and resolves once it has exited. */
  kill(signal: NodeJS.Signals): Promise<number | string>;
  /** Stops the server as a user would (SIGTERM) and resolves with how it exited. */
  stop(): Promise<number | string>;
}

export interface ServeOptions {
  /** The port; 0 (the default) lets the server pick. A restart passes the first run's port. */
  readonly port?: number;
  /** More arguments for `rq serve` (`--fsync always`, `--no-journal`, …). */
  readonly args?: readonly string[];
  /** How long the server may take to say where it listens, in ms. */
  readonly deadlineMs?: number;
  /** Options for node itself, before bin/rq (`--import …`). */
  readonly nodeArgs?: readonly string[];
}

/**
 * Starts `rq serve --port <port> <args>` and resolves once it prints "listening on host:port" (or,
 * with --log-format json, its JSON form);
 * rejects (having killed it) if it exits first or stays silent past the deadline.
 */
export function spawnRq(args: readonly string[], options: Omit<ServeOptions, 'args'> = {}): Promise<RqServeProcess> {
  const deadlineMs = options.deadlineMs ?? 10_000;
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), RQ_BIN, 'serve', '--port', String(options.port ?? 0), ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let err = '';
  let out = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const kill = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`rq serve did not start within ${deadlineMs} ms; stdout: ${out}; stderr: ${err}`));
    }, deadlineMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`rq serve exited (${code}) before listening; stderr: ${err}`));
    });
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on \S+:(\d+)|"event":"listening","address":"[^"]+:(\d+)"/.exec(out);
      if (m === null) return;
      clearTimeout(timer);
      resolve({
        child,
        port: Number(m[1] ?? m[2]),
        stdout: () => out,
        stderr: () => err,
        exited,
        kill,
        stop: () => kill('SIGTERM'),
      });
    });
  });
}

/** An `rq serve` started with a data dir. */
export interface ServerProcess extends RqServeProcess {
  readonly dataDir: string;
}

/**
 * `rq serve` with its journal in `dataDir` (a new temp dir when absent, which the caller removes:
 * it is `dataDir` on the result). A test restarts a server on the same port and data dir by
 * passing the first run's `port` and `dataDir`.
 */
export async function spawnServer(options: ServeOptions & { dataDir?: string } = {}): Promise<ServerProcess> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'rq-e2e-'));
  const server = await spawnRq(['--data-dir', dataDir, ...(options.args ?? [])], options);
  return { ...server, dataDir };
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `rq <args>` to completion (with a deadline) and collects its output. */
export function runRq(args: string[], options: { env?: NodeJS.ProcessEnv; deadlineMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [RQ_BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
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
