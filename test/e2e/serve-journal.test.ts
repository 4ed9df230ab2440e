/** `rq serve` with a journal, as a user runs it: restart, lock, bad data dirs, --no-journal, --fsync. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/raw-client.js';
import { RQ_BIN, spawnRq, type RqServeProcess } from '../helpers/rq-process.js';

let dir: string;
const servers: RqServeProcess[] = [];
const clients: RawClient[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-serve-j-'));
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

async function start(...args: string[]): Promise<RqServeProcess> {
  const s = await spawnRq(args);
  servers.push(s);
  return s;
}

async function connect(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  clients.push(c);
  return c;
}

function serveSync(...args: string[]) {
  return spawnSync(process.execPath, [RQ_BIN, 'serve', '--port', '0', ...args], { encoding: 'utf8', timeout: 10_000 });
}

describe('rq serve with a journal', () => {
  it('restores after SIGTERM, reports journal stats, and releases its lock', async () => {
    const a = await start('--data-dir', dir);
    const c = await connect(a.port);
    expect(await c.request('set q 3 0 5\r\nfirst\r\nset q 0 0 6\r\nsecond\r\n', 'STORED\r\nSTORED\r\n')).toBe(
      'STORED\r\nSTORED\r\n',
    );
    const stats = await c.request('stats\r\n', 'END\r\n');
    expect(stats).toContain('STAT journal_fsync 50ms\r\n');
    expect(stats).toMatch(/STAT journal_bytes \d+\r\n/);
    expect(await a.kill('SIGTERM')).toBe(0);
    // The file stays (removing it could let two servers lock two different files); its pid is cleared.
    expect(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8')).toBe('');

    const b = await start('--data-dir', dir);
    expect(b.stderr()).toContain('restored 2 items (11 bytes) in 1 queues');
    const d = await connect(b.port);
    expect(await d.request('get q\r\n', 'END\r\n')).toBe('VALUE q 3 5\r\nfirst\r\nEND\r\n');
  });

  it('keeps a flush_all <delay> answered OK across a kill -9 before its time', async () => {
    const a = await start('--data-dir', dir, '--fsync', 'always');
    const c = await connect(a.port);
    expect(await c.request('set q 0 0 4\r\nkept\r\n')).toBe('STORED\r\n');
    const asked = Date.now();
    expect(await c.request('flush_all 3600\r\n')).toBe('OK\r\n');
    await a.kill('SIGKILL');

    const b = await start('--data-dir', dir);
    const d = await connect(b.port);
    expect(await d.request('get q/peek\r\n', 'END\r\n')).toBe('VALUE q/peek 0 4\r\nkept\r\nEND\r\n');
    await b.kill('SIGTERM');
    const report = spawnSync(process.execPath, [RQ_BIN, 'replay-journal', dir, '--json'], { encoding: 'utf8' });
    const due = (JSON.parse(report.stdout) as { flush_all_at: number }).flush_all_at;
    expect(due).toBeGreaterThanOrEqual(asked + 3_600_000);
    expect(due).toBeLessThanOrEqual(Date.now() + 3_600_000);
  });

  it('refuses a data dir another rq is using, naming its pid', async () => {
    const a = await start('--data-dir', dir);
    const r = serveSync('--data-dir', dir);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain(`data dir ${dir} is in use by another rq (pid ${a.child.pid})`);
    expect(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8').trim()).toBe(String(a.child.pid));
  });

  it('takes over the lock of an rq killed with SIGKILL', async () => {
    const a = await start('--data-dir', dir);
    await a.kill('SIGKILL');
    expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(true);
    const b = await start('--data-dir', dir);
    expect(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8').trim()).toBe(String(b.child.pid));
  });

  it('says clearly when the data dir cannot be used', () => {
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'not a directory');
    const r = serveSync('--data-dir', file);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/^rq serve: cannot open the journal in .*a-file: /m);
    const bad = serveSync('--data-dir', dir, '--fsync', 'sometimes');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--fsync must be always, never or a number of milliseconds, not "sometimes"');
  });

  it('refuses a --max-item-size the journal cannot record', () => {
    const r = serveSync('--data-dir', dir, '--max-item-size', String(270 * 1024 * 1024));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--max-item-size 283115520 is more than the journal can record \(at most \d+ bytes/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('refuses to start on a journal file it cannot read, and changes nothing', () => {
    fs.mkdirSync(path.join(dir, 'journal.0000000002'));
    const r = serveSync('--data-dir', dir);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/journal\.0000000002: cannot read it \(EISDIR.*nothing is restored or changed until it can be read/);
    expect(fs.readdirSync(dir).filter((f) => f !== 'LOCK')).toEqual(['journal.0000000002']);
  });

  it('--no-journal writes nothing to the data dir', async () => {
    const a = await start('--data-dir', dir, '--no-journal');
    const c = await connect(a.port);
    expect(await c.request('set q 0 0 1\r\nx\r\n')).toBe('STORED\r\n');
    expect(await c.request('stats\r\n', 'END\r\n')).toContain('STAT journal_fsync off\r\n');
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
