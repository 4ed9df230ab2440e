/**
 * One server per data dir (docs/durability.md: the lock), with real `rq serve` processes: servers
 * started together on one dir, a LOCK left by a dead server, a LOCK naming a live unrelated process.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
  const child = spawn(process.execPath, [RQ_BIN, 'serve', '--port', '0', '--data-dir', dir, '--log-level', 'error'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let ran = false;
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const decided = new Promise<boolean>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`rq serve neither listened nor exited within 30 s: ${err}`));
    }, 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!ran && out.includes('listening on')) {
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

describe('the data dir lock', () => {
  it('lets exactly one of two servers started together run, 100 times, over a stale LOCK', async () => {
    const PAIRS = 100;
    const AT_ONCE = 5; // pairs in flight together: enough to overlap, few enough for two cores
    const failures: string[] = [];
    let next = 0;
    const runPair = async (): Promise<void> => {
      while (next < PAIRS) {
        const i = next++;
        const dir = tempDir();
        fs.writeFileSync(path.join(dir, 'LOCK'), `${deadPid()}\n`);
        const pair = [serveOn(dir), serveOn(dir)];
        await Promise.all(pair.map((p) => p.decided));
        const [a, b] = await Promise.all(pair.map((p) => p.finish()));
        const ran = [a, b].filter((o) => o.ran);
        const refused = [a, b].filter((o) => !o.ran);
        if (ran.length !== 1) {
          failures.push(`pair ${i}: ${ran.length} servers ran`);
          continue;
        }
        const loser = refused[0];
        if (loser.code !== 3 || !loser.stderr.includes(`data dir ${dir} is in use by another rq`)) {
          failures.push(`pair ${i}: the refused server exited ${loser.code}: ${loser.stderr}`);
        }
        if (ran[0].code !== 0) failures.push(`pair ${i}: the running server exited ${ran[0].code}: ${ran[0].stderr}`);
      }
    };
    await Promise.all(Array.from({ length: AT_ONCE }, runPair));
    expect(failures).toEqual([]);
  }, 300_000);

  it('takes over a LOCK that names a live process that is not an rq (a pid reused after a crash)', async () => {
    const dir = tempDir();
    // This test's own process: alive, and not holding the lock.
    fs.writeFileSync(path.join(dir, 'LOCK'), `${process.pid}\n`);
    const s = await spawnRq(['--data-dir', dir]);
    servers.push(s);
    expect(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8')).toBe(`${s.child.pid}\n`);
  });

  it('refuses a data dir a live rq holds, naming its pid, and keeps the holder\'s LOCK intact', async () => {
    const dir = tempDir();
    const a = await spawnRq(['--data-dir', dir]);
    servers.push(a);
    const r = spawnSync(process.execPath, [RQ_BIN, 'serve', '--port', '0', '--data-dir', dir], { encoding: 'utf8', timeout: 10_000 });
    expect(r.status).toBe(3);
    expect(r.stderr).toBe(`rq serve: data dir ${dir} is in use by another rq (pid ${a.child.pid}); stop it or choose another --data-dir\n`);
    expect(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8')).toBe(`${a.child.pid}\n`);
  });
});
