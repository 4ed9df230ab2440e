/**
 * libmemcached's command-line tools (Debian libmemcached-tools), spawned against the real server.
 * Each tool opens a connection, sends its command and `quit`: memccat therefore reserves an item
 * and the quit returns it to the head; memcexist sends `add <key> 0 2678400 0` and must enqueue nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VERSION } from '../../../src/version.js';
import { runChild } from '../../helpers/child.js';
import { realClientSetup } from '../../helpers/real-clients.js';
import { tempDir } from '../../helpers/server.js';
import { eventually } from '../../helpers/eventually.js';
import { setCommand, stat, stats } from '../../helpers/raw-client.js';

const suite = realClientSetup(
  'libmemcached-tools',
  ['libmemcached-tools'],
  ['/usr/bin/memccp', '/usr/bin/memccat', '/usr/bin/memcstat', '/usr/bin/memcexist'],
);
const { conns } = suite;
let tmp: ReturnType<typeof tempDir>;

beforeEach(() => {
  if (!suite.skip) tmp = tempDir('rq-libmemcached-');
});

afterEach(() => {
  // tmp is unset when an earlier hook (the server's start) failed.
  if (!suite.skip && tmp !== undefined) tmp.remove();
});

function tool(name: string, ...args: string[]) {
  return runChild(`/usr/bin/${name}`, [`--servers=127.0.0.1:${suite.port()}`, ...args]);
}

describe.skipIf(suite.skip !== null)(suite.title, () => {
  it('memccp enqueues a file under its name; memccat shows it and its quit puts it back', async () => {
    const file = path.join(tmp.dir, 'jobs');
    fs.writeFileSync(file, 'line one\r\nline two\n');
    const cp = await tool('memccp', file);
    expect(cp.code, cp.stderr).toBe(0);
    const c = await conns.connect();
    expect(await stat(c, 'queue_jobs_items')).toBe(1);

    const cat = await tool('memccat', 'jobs');
    expect(cat.code, cat.stderr).toBe(0);
    expect(cat.stdout).toBe('line one\r\nline two\n\n'); // memccat ends each value with a newline
    // memccat's connection reserved the item and quit without acknowledging: it is back at the head.
    await eventually(async () => (await stat(c, 'queue_jobs_released')) === 1, 'the item to come back');
    expect(await c.request('get jobs\r\n', 'END\r\n')).toBe('VALUE jobs 0 19\r\nline one\r\nline two\n\r\nEND\r\n');
  });

  it('memcexist enqueues nothing, on a missing queue or an existing one', async () => {
    const missing = await tool('memcexist', 'nothere');
    expect(missing.code).not.toBe(0);
    const c = await conns.connect();
    expect(await c.request(setCommand('there', 'x'))).toBe('STORED\r\n');
    const existing = await tool('memcexist', 'there');
    expect(existing.code).not.toBe(0);
    const s = await stats(c);
    expect(s.get('total_items')).toBe('1');
    expect(s.get('queue_there_items')).toBe('1');
    expect(s.has('queue_nothere_items')).toBe(false);
  });

  // memcstat asks for the version first, and libmemcached refuses a major version of 0 ("strtol()
  // failed to parse major version", response.cc): this test is what keeps rq's version at 1.0.0 or more.
  it('memcstat reads the general and per-queue stats', async () => {
    expect(Number(VERSION.split('.')[0])).toBeGreaterThanOrEqual(1);
    const c = await conns.connect();
    expect(await c.request(setCommand('q', 'x'))).toBe('STORED\r\n');
    const r = await tool('memcstat');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Server: 127\.0\.0\.1 \(\d+\)$/m);
    expect(r.stdout).toMatch(/^\s+pid: \d+$/m);
    expect(r.stdout).toMatch(/^\s+curr_items: 1$/m);
    expect(r.stdout).toMatch(/^\s+queue_q_items: 1$/m);
  });

  it('memcrm acknowledges nothing from a connection that holds nothing; memcflush empties every queue', async () => {
    const c = await conns.connect();
    expect(await c.request(setCommand('q', 'x'))).toBe('STORED\r\n');
    const rm = await tool('memcrm', 'q');
    expect(rm.code).not.toBe(0);
    expect(await stat(c, 'queue_q_items')).toBe(1);
    const flush = await tool('memcflush');
    expect(flush.code, flush.stderr).toBe(0);
    expect(await stat(c, 'queue_q_items')).toBe(0);
  });
});
