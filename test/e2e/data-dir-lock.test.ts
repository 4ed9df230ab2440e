/**
 * One server per data dir (docs/durability.md: the lock), with real `rq serve` processes: servers
 * started together on one dir, a LOCK left by a dead server, a LOCK naming a live unrelated process.
 */
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { RQ_BIN, spawnRq, type RqServeProcess } from '../helpers/rq-process.js';

const dirs: string[] = [];
const servers: RqServeProcess[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) await s.kill('SIGKILL');
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-lock-'));
  dirs.push(dir);
  return dir;
}

/** The pid of a process that has exited: what a LOCK left by a crashed server names. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid;
}

interface Outcome {
  /** True when the server said it listens. */
  readonly ran: boolean;
  readonly code: number | null;
  readonly stderr: string;
}

interface Started {
  /** Settles once the server listens (true) or has exited without listening (false). */
  readonly decided: Promise<boolean>;
  /** Stops the server if it runs (SIGTERM) and settles once it has exited. */
  finish(): Promise<Outcome>;
}

/** Starts `rq serve` on `dir`; the server stays up until finish(), so that a rival's start overlaps it. */
function serveOn(dir: string): Started {
  return contender(
    spawn(process.execPath, [RQ_BIN, 'serve', '--port', '0', '--data-dir', dir, '--log-level', 'error'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
    'listening on',
  );
}

/**
 * The lock as rq serve takes it (the built src/journal/lock.ts), in a process that does nothing
 * else: it says `locked` and holds the lock until SIGTERM, or exits 3 with rq serve's message.
 * Much lighter to start than rq serve, so the race can be run many times.
 */
const LOCKER = `
const { lockDataDir, DataDirLockedError } = require(${JSON.stringify(path.resolve(RQ_BIN, '../../dist/journal/lock.js'))});
try { lockDataDir(process.argv[1]); } catch (err) {
  if (!(err instanceof DataDirLockedError)) throw err;
  process.stderr.write('rq serve: ' + err.message + '\\n'); process.exit(3);
}
process.on('SIGTERM', () => process.exit(0)); // before saying so: the test stops it as soon as it reads that
process.stdout.write('locked\\n');
setInterval(() => {}, 1000);
`;

function lockOn(dir: string): Started {
  return contender(spawn(process.execPath, ['-e', LOCKER, dir], { stdio: ['ignore', 'pipe', 'pipe'] }), 'locked');
}

/** Follows a process that either says `ready` on stdout (it runs) or exits without saying it. */
function contender(child: ChildProcessByStdio<null, Readable, Readable>, ready: string): Started {
  let out = '';
  let err = '';
  let ran = false;
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const decided = new Promise<boolean>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`neither "${ready}" nor an exit within 30 s: ${err}`));
    }, 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!ran && out.includes(ready)) {
        ran = true;
        clearTimeout(timer);
        resolve(true);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      resolve(ran);
    });
  });
  return {
    decided,
    finish: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const code = await exited;
      return { ran, code, stderr: err };
    },
  };
}

/**
 * Starts `pairs` pairs of contenders, each pair together on its own dir with a stale LOCK (a dead
 * pid), a few pairs at a time; returns what went wrong: not exactly one ran, or the other did not
 * exit 3 with the refusal, or the one that ran did not stop cleanly.
 */
async function contend(pairs: number, start: (dir: string) => Started): Promise<string[]> {
  const AT_ONCE = 5; // pairs in flight together: enough to overlap, few enough for two cores
  const failures: string[] = [];
  let next = 0;
  const stale = `${deadPid()}\n`;
  const runPairs = async (): Promise<void> => {
    while (next < pairs) {
      const i = next++;
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, 'LOCK'), stale);
      const pair = [start(dir), start(dir)];
      await Promise.all(pair.map((p) => p.decided));
      const [a, b] = await Promise.all(pair.map((p) => p.finish()));
      const ran = [a, b].filter((o) => o.ran);
      const refused = [a, b].filter((o) => !o.ran);
      if (ran.length !== 1) {
        failures.push(`pair ${i}: ${ran.length} ran`);
        continue;
      }
      const loser = refused[0];
      if (loser.code !== 3 || !loser.stderr.includes(`data dir ${dir} is in use by another rq`)) {
        failures.push(`pair ${i}: the refused one exited ${loser.code}: ${loser.stderr}`);
      }
      if (ran[0].code !== 0) failures.push(`pair ${i}: the one that ran exited ${ran[0].code}: ${ran[0].stderr}`);
    }
  };
  await Promise.all(Array.from({ length: AT_ONCE }, runPairs));
  return failures;
}

describe('the data dir lock', () => {
  it('lets exactly one of two lockers started together take it, 100 times, over a stale LOCK', async () => {
    expect(await contend(100, lockOn)).toEqual([]);
  }, 120_000);

  it('lets exactly one of two rq serve started together run, 10 times, over a stale LOCK', async () => {
    expect(await contend(10, serveOn)).toEqual([]);
  }, 120_000);

  it('takes over a LOCK that names a live process that is not an rq (a pid reused after a crash)', async () => {
    const dir = tempDir();
    // This test's own process: alive, and not holding the lock.
    fs.writeFileSync(path.join(dir, 'LOCK'), `${process.pid}\n`);
    const s = await spawnRq(['--data-dir', dir]);
    servers.push(s);
    expect(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8')).toBe(`${s.child.pid}\n`);
  });

  it("refuses a data dir a live rq holds, naming its pid, and keeps the holder's LOCK intact", async () => {
    const dir = tempDir();
    const a = await spawnRq(['--data-dir', dir]);
    servers.push(a);
    const r = spawnSync(process.execPath, [RQ_BIN, 'serve', '--port', '0', '--data-dir', dir], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(r.status).toBe(3);
    expect(r.stderr).toBe(
      `rq serve: data dir ${dir} is in use by another rq (pid ${a.child.pid}); stop it or choose another --data-dir\n`,
    );
    expect(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8')).toBe(`${a.child.pid}\n`);
  });
});
