/**
 * Runs shell command lines the way a user would, with the built `rq` (bin/rq → dist/, made by
 * `npm run build`) first on PATH, asynchronously so that a server in this process keeps serving;
 * and sets up what a file of shell tests runs against (shellEachTest).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach } from 'vitest';
import { startServer, tempDir, type TestServer, type TestServerOptions } from './server.js';

export const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin');

export interface ShellResult {
  readonly status: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Fails early, and clearly, when the CLI has not been built. */
export function requireBuild(): void {
  if (!fs.existsSync(path.join(ROOT, 'dist/cli/main.js')))
    throw new Error('e2e tests run the built CLI: run `npm run build` first');
}

export function shellEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${BIN}${path.delimiter}${process.env.PATH}`, ...extra };
  for (const k of ['RQ_SERVER', 'RQ_SERVERS']) if (!(k in extra)) delete env[k];
  return env;
}

/**
 * Starts `sh -c line`; the caller reads its output or signals it. With `group`, the shell leads a
 * process group of its own, so that `process.kill(-child.pid, signal)` reaches the whole pipeline,
 * as Ctrl-C in a terminal does.
 */
export function start(line: string, env: Record<string, string>, cwd = ROOT, group = false): ChildProcess {
  return spawn('sh', ['-c', line], { env: shellEnv(env), cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: group });
}

/** Runs `sh -c line` to completion, with `input` on its stdin, within a deadline. */
export function sh(
  line: string,
  env: Record<string, string>,
  input: Buffer | string = '',
  deadlineMs = 20_000,
): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    const child = start(line, env);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${line}: not finished within ${deadlineMs} ms; stderr: ${Buffer.concat(err).toString()}`));
    }, deadlineMs);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() });
    });
    child.stdin!.on('error', () => {});
    child.stdin!.end(input);
  });
}

/** A command's output of one JSON object per line (`--json`), parsed. */
export function jsonLines(out: Buffer): Record<string, unknown>[] {
  return out
    .toString()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** An `rq work --joblog` file: its header's column names and each run's fields, in order. */
export function readJoblog(file: string): { header: string[]; runs: string[][] } {
  const [header, ...runs] = fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split('\t'));
  return { header, runs };
}

/** Everything a child prints on stdout, from the start, so that no output is missed between waits. */
export class Output {
  private text = '';
  private waiters: Array<() => void> = [];

  constructor(child: ChildProcess) {
    child.stdout!.on('data', (c: Buffer) => {
      this.text += c.toString();
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Resolves with all the output once it contains `text`. */
  async shows(text: string, deadlineMs = 10_000): Promise<string> {
    const end = Date.now() + deadlineMs;
    while (!this.text.includes(text)) {
      const left = end - Date.now();
      if (left <= 0) throw new Error(`${JSON.stringify(text)} not printed within ${deadlineMs} ms: ${JSON.stringify(this.text)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.text;
  }
}

/** Resolves with the exit status, or the name of the signal that ended the process. */
export function exited(child: ChildProcess, deadlineMs = 20_000): Promise<number | string | null> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode ?? child.signalCode);
    const timer = setTimeout(() => reject(new Error(`not exited within ${deadlineMs} ms`)), deadlineMs);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve(status ?? signal);
    });
  });
}

/** What a shell test runs against; read it inside a test (it is new for each one). */
export interface ShellWorld {
  /** A real server in this process. */
  readonly srv: TestServer;
  /** A temporary directory, `$T` in the shell. */
  readonly dir: string;
  /** For sh() and start(): RQ_SERVER naming srv (or what the file asked for), and T. */
  readonly env: Record<string, string>;
}

export interface ShellWorldOptions {
  /** The server's options, read before each test (after the file's beforeAll). */
  readonly server?: () => TestServerOptions;
  /** The environment for a server; by default RQ_SERVER=127.0.0.1:<port>. */
  readonly env?: (srv: TestServer) => Record<string, string>;
}

/**
 * For a file of shell tests: checks once that the CLI is built; before each test starts a server,
 * makes a temporary directory and the environment; after it stops the server and removes the
 * directory.
 */
export function shellEachTest(options: ShellWorldOptions = {}): ShellWorld {
  let world: (ShellWorld & { remove(): void }) | null = null;
  const current = () => {
    if (world === null) throw new Error('the shell world exists only inside a test');
    return world;
  };
  beforeAll(requireBuild);
  beforeEach(async () => {
    const srv = await startServer(options.server?.());
    const tmp = tempDir('rq-shell-');
    const env = options.env?.(srv) ?? { RQ_SERVER: `127.0.0.1:${srv.port}` };
    world = { srv, dir: tmp.dir, env: { ...env, T: tmp.dir }, remove: tmp.remove };
  });
  afterEach(async () => {
    const w = world;
    world = null;
    if (w === null) return;
    try {
      await w.srv.close();
    } finally {
      w.remove();
    }
  });
  return {
    get srv() {
      return current().srv;
    },
    get dir() {
      return current().dir;
    },
    get env() {
      return current().env;
    },
  };
}
