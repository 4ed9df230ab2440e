/**
 * `rq serve` as a user runs it: the built binary (bin/rq → dist/) as a child process, on port 0,
 * its one address line read from stdout, the worker flow over TCP, a clean stop on SIGTERM and
 * SIGINT, and the failures a user meets first (a port in use, bad flags).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';
import { runChild } from '../helpers/child.js';
import { tempDir } from '../helpers/server.js';
import { eventually } from '../helpers/eventually.js';
import { Connections, RawClient, setCommand, stat } from '../helpers/raw-client.js';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/rq');
const BUILT = path.join(ROOT, 'dist/cli/main.js');
const DEADLINE_MS = 10_000;

/** The newest modification time under a directory. */
function newest(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs);
  }
  return t;
}

beforeAll(() => {
  // `npm test` builds first; a bare `npx vitest run` needs `npm run build` for these tests.
  if (!fs.existsSync(BUILT)) throw new Error(`${BUILT} is missing: run \`npm run build\` (\`npm test\` builds first)`);
  if (fs.statSync(BUILT).mtimeMs < newest(path.join(ROOT, 'src'))) {
    throw new Error('dist/ is older than src/: run `npm run build` (`npm test` builds first) so that bin/rq runs this code');
  }
});

interface Served {
  readonly child: ChildProcessWithoutNullStreams;
  readonly port: number;
  readonly line: string;
  stdout(): string;
  stderr(): string;
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcessWithoutNullStreams[] = [];
const dirs: Array<{ remove: () => void }> = [];
let conns: Connections;

afterEach(() => {
  conns?.closeAll();
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) d.remove();
});

function dataDir(): string {
  const d = tempDir('rq-e2e-');
  dirs.push(d);
  return d.dir;
}

/** Spawns `rq serve` and waits (with a deadline) for its address line. */
function serve(...args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(`no address line within ${DEADLINE_MS} ms; stdout ${JSON.stringify(out)}, stderr ${JSON.stringify(err)}`),
        ),
      DEADLINE_MS,
    );
    const check = () => {
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      child.stdout.off('data', check);
      const line = out.slice(0, nl);
      const m = /listening on \[?([^\]\s]+?)\]?:(\d+)\b/.exec(line);
      if (m === null) return reject(new Error(`unexpected first line ${JSON.stringify(line)}`));
      resolve({
        child,
        line,
        port: Number(m[2]),
        stdout: () => out,
        stderr: () => err,
        exited: () => withDeadline(exit, 'rq serve to exit'),
      });
    };
    child.stdout.on('data', check);
    void exit.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`rq serve exited (${code}) before listening; stderr ${JSON.stringify(err)}`));
    });
  });
}

function withDeadline<T>(p: Promise<T>, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: not within ${DEADLINE_MS} ms`)), DEADLINE_MS);
    p.then((v) => {
      clearTimeout(timer);
      resolve(v);
    }, reject);
  });
}

describe('rq serve, spawned as a user runs it', () => {
  it('prints one line with its address, runs the worker flow, and exits 0 on SIGTERM', async () => {
    const dir = path.join(dataDir(), 'not', 'yet', 'there');
    const s = await serve('--port', '0', '--data-dir', dir);
    expect(s.line).toMatch(new RegExp(`^rq ${VERSION.replace(/\./g, '\\.')} listening on 127\\.0\\.0\\.1:\\d+ `));
    expect(s.line).toContain(dir);
    expect(fs.statSync(dir).isDirectory()).toBe(true);
    conns = new Connections(() => s.port);

    const worker = await conns.connect();
    const producer = await conns.connect();
    expect(await producer.request(setCommand('jobs', 'one'))).toBe('STORED\r\n');
    expect(await producer.request(setCommand('jobs', 'two'))).toBe('STORED\r\n');
    expect(await worker.request('get jobs\r\n', 'END\r\n')).toBe('VALUE jobs 0 3\r\none\r\nEND\r\n');
    expect(await worker.request('get jobs/close/open\r\n', 'END\r\n')).toBe('VALUE jobs/close/open 0 3\r\ntwo\r\nEND\r\n');
    // A worker that goes away returns its item to the head.
    worker.close();
    await eventually(async () => (await stat(producer, 'queue_jobs_items')) === 1, 'the item to come back');
    // A blocking get is woken by a set on another connection.
    const waiter = await conns.connect();
    expect(await waiter.request('get jobs\r\n', 'END\r\n')).toBe('VALUE jobs 0 3\r\ntwo\r\nEND\r\n');
    expect(await waiter.request('delete jobs\r\n')).toBe('DELETED\r\n');
    waiter.send('get jobs/t=5000\r\n');
    await eventually(async () => (await stat(producer, 'queue_jobs_waiters')) === 1, 'the waiter');
    expect(await producer.request(setCommand('jobs', 'three'))).toBe('STORED\r\n');
    expect(await waiter.readUntil('END\r\n')).toBe('VALUE jobs/t=5000 0 5\r\nthree\r\nEND\r\n');

    // Stop with a client still connected and an item still reserved.
    s.child.kill('SIGTERM');
    expect(await s.exited()).toEqual({ code: 0, signal: null });
    expect(s.stdout().split('\n').filter(Boolean)).toHaveLength(1);
    expect(s.stderr()).toMatch(/SIGTERM/);
    await waiter.waitClosed();
  });

  it('exits 0 on SIGINT', async () => {
    const s = await serve('--port', '0', '--data-dir', dataDir());
    const c = await RawClient.connect(s.port);
    expect(await c.request('version\r\n')).toBe(`VERSION ${VERSION}\r\n`);
    c.close();
    s.child.kill('SIGINT');
    expect(await s.exited()).toEqual({ code: 0, signal: null });
  });

  it('takes --max-item-size and --max-open', async () => {
    const s = await serve('--port', '0', '--data-dir', dataDir(), '--max-item-size', '10', '--max-open', '1');
    conns = new Connections(() => s.port);
    const c = await conns.connect();
    expect(await c.request(setCommand('q', 'x'.repeat(11)))).toBe('SERVER_ERROR object too large\r\n');
    expect(await c.request(setCommand('q', 'x'.repeat(10)))).toBe('STORED\r\n');
    expect(await c.request(setCommand('q', 'y'))).toBe('STORED\r\n');
    expect(await c.request('get q\r\n', 'END\r\n')).toBe('VALUE q 0 10\r\nxxxxxxxxxx\r\nEND\r\n');
    expect(await c.request('get q\r\n')).toMatch(/^SERVER_ERROR too many open reservations on q \(max 1\)/);
    // --max-partial-bytes by default: 256 MiB, or four of the largest items.
    expect(await c.request('stats\r\n', 'END\r\n')).toContain(`STAT partial_bytes_limit ${256 * 1024 * 1024}\r\n`);
    s.child.kill('SIGTERM');
    expect((await s.exited()).code).toBe(0);
  });

  it('takes --max-partial-bytes', async () => {
    const s = await serve('--port', '0', '--data-dir', dataDir(), '--max-item-size', '100', '--max-partial-bytes', '70000');
    conns = new Connections(() => s.port);
    const c = await conns.connect();
    expect(await c.request('stats\r\n', 'END\r\n')).toContain('STAT partial_bytes_limit 70000\r\n');
    s.child.kill('SIGTERM');
    expect((await s.exited()).code).toBe(0);
  });

  it('fails with a clear error and a non-zero exit when the port is in use', async () => {
    const first = await serve('--port', '0', '--data-dir', dataDir());
    const second = await runChild(process.execPath, [BIN, 'serve', '--port', String(first.port), '--data-dir', dataDir()], {
      cwd: ROOT,
      deadlineMs: DEADLINE_MS,
    });
    expect(second.code).not.toBe(0);
    expect(second.code).not.toBeNull();
    expect(second.stderr).toMatch(new RegExp(`127\\.0\\.0\\.1:${first.port}.*(EADDRINUSE|in use)`));
    expect(second.stderr).not.toMatch(/^\s+at /m);
    expect(second.stdout).toBe('');
    first.child.kill('SIGTERM');
    expect((await first.exited()).code).toBe(0);
  });

  const badFlags: Array<[string[], RegExp]> = [
    [['--port', '70000'], /--port must be 0–65535/],
    [['--port', 'abc'], /--port must be 0–65535/],
    [['--port', '-1'], /--port must be 0–65535/],
    [['--max-open', '0'], /--max-open must be a positive whole number/],
    [['--max-item-size', '1.5'], /--max-item-size must be a positive whole number of bytes/],
    [['--max-partial-bytes', '1000000'], /--max-partial-bytes must be at least --max-item-size \+ 65790 \(1114366\)/],
    [['--max-partial-bytes', '-1'], /--max-partial-bytes must be a whole number/],
    [['--bogus'], /unknown option --bogus/],
  ];
  for (const [flags, reason] of badFlags) {
    it(`exits 2 with a usage error for ${flags.join(' ')}`, async () => {
      const r = await runChild(process.execPath, [BIN, 'serve', '--data-dir', dataDir(), ...flags], {
        cwd: ROOT,
        deadlineMs: DEADLINE_MS,
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(reason);
      expect(r.stderr).toMatch(/^rq serve: /);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      expect(r.stdout).toBe('');
    });
  }
});
