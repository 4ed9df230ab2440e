/**
 * `rq serve` under a low open-file limit (`ulimit -n`): the default --max-connections fits the
 * limit, with room for the server's own files, so a client past it gets the documented error line
 * and not a reset; the log says so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/raw-client.js';
import { RQ_BIN } from '../helpers/rq-process.js';

let child: ChildProcess | null = null;
let dir: string | null = null;
const clients: RawClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  if (child !== null && child.exitCode === null && child.signalCode === null) {
    const gone = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  }
  child = null;
  if (dir !== null) fs.rmSync(dir, { recursive: true, force: true });
});

interface Started {
  readonly port: number;
  /** Resolves with the log once a line matches `pattern`; rejects after a deadline. */
  readonly logged: (pattern: RegExp) => Promise<string>;
}

/** Starts `rq serve` with `ulimit -n <openFiles>`; resolves once it listens. */
function serveWithLimit(openFiles: number, ...args: string[]): Promise<Started> {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-fds-'));
  child = spawn(
    '/bin/sh',
    [
      '-c',
      `ulimit -n ${openFiles} && exec "$0" "$@"`,
      process.execPath,
      RQ_BIN,
      'serve',
      '--port',
      '0',
      '--data-dir',
      dir,
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const logged = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        if (!pattern.test(err)) return;
        clearTimeout(timer);
        child!.stderr!.off('data', check);
        resolve(err);
      };
      const timer = setTimeout(() => reject(new Error(`no log line ${pattern} within 5 s: ${err}`)), 5000);
      child!.stderr!.on('data', check);
      check();
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rq serve did not start: ${err}`)), 10_000);
    child!.once('exit', (code) => reject(new Error(`rq serve exited ${code}: ${err}`)));
    child!.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on \S+:(\d+)/.exec(out);
      if (m === null) return;
      clearTimeout(timer);
      resolve({ port: Number(m[1]), logged });
    });
  });
}

async function connect(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  clients.push(c);
  return c;
}

// 264 open files: room for 72 connections besides the 192 descriptors the server keeps (descriptors.ts).
describe('rq serve under a low open-file limit', () => {
  it('lowers the default --max-connections to fit, says so, and turns the next client away with the error line', async () => {
    const { port, logged } = await serveWithLimit(264);
    await logged(/WARN  --max-connections lowered to 72 to fit the open file limit max_connections=72 open_files=264\n/);
    for (let i = 0; i < 72; i++) {
      const c = await connect(port);
      expect(await c.request('version\r\n')).toMatch(/^VERSION /);
    }
    // Past it, every client gets the error line (in batches, as a burst of clients would come).
    for (let batch = 0; batch < 5; batch++) {
      const late = await Promise.all(Array.from({ length: 20 }, () => connect(port)));
      for (const c of late) expect(await c.readLine()).toBe('SERVER_ERROR too many connections (max 72): try again later');
      for (const c of late) c.close();
    }
  }, 60_000);

  it('warns when an explicit --max-connections is more than the limit leaves room for', async () => {
    const { logged } = await serveWithLimit(264, '--max-connections', '500');
    await logged(
      /WARN  --max-connections 500 is more than the open file limit leaves room for: clients past about 72 connections may be reset instead of refused with an error line; raise the limit \(ulimit -n, systemd LimitNOFILE=\) max_connections=500 open_files=264\n/,
    );
  });
});
