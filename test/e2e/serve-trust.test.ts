/**
 * `rq serve` as a user runs it (npm run build first): graceful stop on SIGTERM, the warning on a
 * non-loopback address, logins and TLS from files, refusing bad files, SIGHUP reopening the log.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/raw-client.js';
import { tempDir } from '../helpers/server.js';
import { spawnRq, type RqServeProcess as SpawnedRq } from '../helpers/rq-process.js';
import { connectTls, makeCertificates, type TestCertificates } from '../helpers/tls.js';
import { eventually } from '../helpers/eventually.js';

const RQ = path.resolve(__dirname, '../../bin/rq');
let dir: { dir: string; remove: () => void };
let rq: SpawnedRq | null = null;
const clients: RawClient[] = [];
const sockets: net.Socket[] = [];
let certs: TestCertificates;

beforeAll(() => {
  certs = makeCertificates();
});
afterAll(() => certs.remove());

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of sockets.splice(0)) s.destroy();
  if (rq !== null && rq.child.exitCode === null && rq.child.signalCode === null) await rq.kill('SIGKILL');
  rq = null;
  dir?.remove();
});

function fresh(): string {
  dir = tempDir('rq-e2e-trust-');
  return dir.dir;
}

function usersFile(text: string, mode = 0o600): string {
  const file = path.join(dir.dir, 'users');
  fs.writeFileSync(file, text);
  fs.chmodSync(file, mode);
  return file;
}

/** Runs `rq serve` expecting it to refuse to start. */
function refusedStart(args: string[]): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, [RQ, 'serve', '--port', '0', '--data-dir', path.join(dir.dir, 'data'), ...args], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return { status: run.status, stderr: run.stderr };
}

async function connect(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  clients.push(c);
  return c;
}

describe('rq serve', () => {
  it('stops on SIGTERM: a blocked get gets END, requests already sent are answered, exit 0', async () => {
    rq = await spawnRq(['--data-dir', fresh()]);
    const c = await connect(rq.port);
    expect(await c.request('set q 0 0 2\r\nhi\r\n')).toBe('STORED\r\n');
    c.send('get empty/t=60000\r\nget q\r\n');
    const waiter = await connect(rq.port);
    expect(await waiter.request('stats\r\n', 'END\r\n')).toContain('STAT queue_empty_waiters 1\r\n');
    const exited = rq.kill('SIGTERM');
    expect(await c.readUntil('END\r\n')).toBe('END\r\n');
    expect(await c.readUntil('END\r\n')).toBe('VALUE q 0 2\r\nhi\r\nEND\r\n');
    await c.waitClosed();
    expect(await exited).toBe(0);
    expect(rq.stderr()).toMatch(/INFO  stopping signal=SIGTERM/);
    expect(rq.stderr()).toMatch(/INFO  stopped/);
  });

  it('stops at once on SIGTERM with idle clients that never close their side, and cuts nobody off', async () => {
    rq = await spawnRq(['--data-dir', fresh(), '--shutdown-timeout', '600']);
    // Clients that keep an idle connection and do not answer the server's FIN by closing theirs
    // (a pooled connection nobody reads): one that never sent anything, one that has every reply.
    const idle: net.Socket[] = [];
    for (let i = 0; i < 2; i++) {
      const s = net.connect({ port: rq.port, host: '127.0.0.1', allowHalfOpen: true });
      s.on('error', () => {});
      sockets.push(s);
      await new Promise((resolve) => s.once('connect', resolve));
      idle.push(s);
    }
    idle[1].write('version\r\n');
    await new Promise((resolve) => idle[1].once('data', resolve));
    const ended = idle.map((s) => new Promise((resolve) => s.once('end', resolve)));
    // The test's deadline (30 s) is far below the 600 s the server could wait.
    expect(await rq.kill('SIGTERM')).toBe(0);
    await Promise.all(ended); // the server's FIN
    expect(rq.stderr()).toMatch(/INFO  stopped/);
    expect(rq.stderr()).not.toMatch(/cut off/);
  }, 30_000);

  it('after SIGTERM with reservations open (one leased), a restart on the same data dir has every item back', async () => {
    const data = fresh();
    rq = await spawnRq(['--data-dir', data, '--fsync', 'always']);
    const c = await connect(rq.port);
    c.send('set jobs 0 0 3\r\none\r\nset jobs 0 0 3\r\ntwo\r\nset jobs 0 0 5\r\nthree\r\n');
    expect(await c.readUntil('STORED\r\nSTORED\r\nSTORED\r\n')).toBe('STORED\r\nSTORED\r\nSTORED\r\n');
    expect(await c.request('get jobs\r\n', 'END\r\n')).toBe('VALUE jobs 0 3\r\none\r\nEND\r\n');
    expect(await c.request('get jobs/lease=600000\r\n', 'END\r\n')).toBe('VALUE jobs/lease=600000 0 3\r\ntwo\r\nEND\r\n');
    expect(await rq.kill('SIGTERM')).toBe(0);
    await c.waitClosed();

    rq = await spawnRq(['--data-dir', data]);
    const again = await connect(rq.port);
    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      const reply = await again.request('get jobs\r\n', 'END\r\n');
      got.push(reply.split('\r\n')[1]);
    }
    // `one` went back to the head when its connection closed; `two`, still leased when the server
    // stopped, is put back at the head by the replay, ahead of the ready items.
    expect(got).toEqual(['two', 'one', 'three']);
    expect(await again.request('get jobs\r\n')).toBe('END\r\n');
  });

  it('items dropped by --discard-old stay dropped after a restart (journaled as expired)', async () => {
    const data = fresh();
    const limits = ['--data-dir', data, '--max-queue-items', '2', '--discard-old'];
    rq = await spawnRq(limits);
    const c = await connect(rq.port);
    for (const v of ['a', 'b', 'c', 'd']) expect(await c.request(`set q 0 0 1\r\n${v}\r\n`)).toBe('STORED\r\n');
    expect(await c.request('stats\r\n', 'END\r\n')).toContain('STAT queue_q_discarded 2\r\n');
    expect(await rq.kill('SIGTERM')).toBe(0);
    rq = await spawnRq(limits);
    const again = await connect(rq.port);
    expect(await again.request('get q/peek\r\n', 'END\r\n')).toBe('VALUE q/peek 0 1\r\nc\r\nEND\r\n');
    expect(await again.request('stats\r\n', 'END\r\n')).toContain('STAT queue_q_items 2\r\n');
    // Full again at once: the restored items count.
    expect(await again.request('set q 0 0 1\r\ne\r\n')).toBe('STORED\r\n');
    expect(await again.request('get q/peek\r\n', 'END\r\n')).toBe('VALUE q/peek 0 1\r\nd\r\nEND\r\n');
  });

  it('warns, on a non-loopback address without --auth-file, what anyone can do', async () => {
    const s = await spawnRq(['--data-dir', fresh(), '--host', '0.0.0.0']);
    rq = s;
    await eventually(() => s.stderr().includes('without TLS'), 'the warnings');
    expect(rq.stderr()).toContain(
      'without --auth-file: anyone who can reach this port can enqueue items, read, take, acknowledge and release every queued item',
    );
    expect(rq.stderr()).toContain('without TLS');
  });

  it('says nothing of the kind on loopback', async () => {
    rq = await spawnRq(['--data-dir', fresh()]);
    const c = await connect(rq.port);
    expect(await c.request('version\r\n')).toMatch(/^VERSION /);
    expect(rq.stderr()).not.toContain('WARN');
  });

  it('requires logins with --auth-file, over TLS with --tls-cert/--tls-key', async () => {
    fresh();
    const users = usersFile('# users\nalice:open sesame\n');
    rq = await spawnRq([
      '--data-dir',
      path.join(dir.dir, 'data'),
      '--auth-file',
      users,
      '--tls-cert',
      certs.certFile,
      '--tls-key',
      certs.keyFile,
      '--host',
      '0.0.0.0',
    ]);
    expect(rq.stderr()).not.toContain('WARN');
    const c = await connectTls(rq.port, certs.ca);
    clients.push(c);
    expect(await c.request('stats\r\n')).toMatch(/^CLIENT_ERROR authentication required/);
    expect(await c.request('set x 0 0 17\r\nalice open sesame\r\n')).toBe('STORED\r\n');
    expect(await c.request('set q 0 0 2\r\nhi\r\n')).toBe('STORED\r\n');
    expect(await c.request('get q\r\n', 'END\r\n')).toBe('VALUE q 0 2\r\nhi\r\nEND\r\n');
  });

  it('refuses to start on a malformed or world-writable auth file, naming it; exit 2', () => {
    fresh();
    const bad = usersFile('alice:pw\nbob\n');
    expect(refusedStart(['--auth-file', bad])).toEqual({
      status: 2,
      stderr: `rq serve: ${bad} line 2: expected user:password\n`,
    });
    const open = usersFile('alice:pw\n', 0o666);
    const run = refusedStart(['--auth-file', open]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`auth file ${open} is writable by every user (mode 0666)`);
    expect(refusedStart(['--auth-file', path.join(dir.dir, 'missing')]).stderr).toContain('cannot read auth file');
  });

  it('refuses to start with a key that does not belong to the certificate; exit 2', () => {
    fresh();
    const other = makeCertificates();
    try {
      const run = refusedStart(['--tls-cert', certs.certFile, '--tls-key', other.keyFile]);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/cannot use --tls-cert .* with --tls-key .*key values mismatch/);
      expect(refusedStart(['--tls-cert', certs.certFile]).status).toBe(2);
    } finally {
      other.remove();
    }
  });

  it('reopens its --log-file on SIGHUP, as logrotate needs', async () => {
    const log = path.join(fresh(), 'rq.log');
    rq = await spawnRq(['--data-dir', path.join(dir.dir, 'data'), '--log-file', log, '--log-format', 'json']);
    await eventually(() => fs.readFileSync(log, 'utf8').includes('"listening"'), 'the listening line in the log');
    expect(JSON.parse(fs.readFileSync(log, 'utf8').trim().split('\n')[0])).toMatchObject({ level: 'info', event: 'listening' });
    fs.renameSync(log, log + '.1');
    rq.child.kill('SIGHUP');
    await eventually(
      () => fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('log file reopened'),
      'the log to be reopened',
    );
    expect(await rq.kill('SIGTERM')).toBe(0);
    const events = fs
      .readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { event: string }).event);
    expect(events).toEqual(['log file reopened', 'stopping', 'stopped']);
  });
});
