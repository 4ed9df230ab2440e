/**
 * The client subcommands against a server that requires TLS and a login, as a user runs them from a
 * shell (needs `npm run build`): every path (one request through memjs, pipelined push and pop,
 * stats) connects with TLS and logs in; a refused login, an untrusted certificate and a missing
 * CA file say so and exit with their documented status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator } from '../../src/server/auth.js';
import fs from 'node:fs';
import path from 'node:path';
import { connectionsBecome, queueStats } from '../helpers/clients.js';
import { startDataDirServer } from '../helpers/server.js';
import { eventually } from '../helpers/eventually.js';
import { exited, Output, sh, shellEachTest, start } from '../helpers/shell.js';
import { makeCertificates, type TestCertificates } from '../helpers/tls.js';

let certs: TestCertificates;

beforeAll(() => {
  certs = makeCertificates();
});
afterAll(() => certs.remove());

const shell = shellEachTest({
  server: () => ({
    tls: { cert: certs.cert, key: certs.key },
    auth: new Authenticator({ users: new Map([['worker', 's3cret pass']]), warnings: [] }, 20),
  }),
  env: (srv) => ({ RQ_SERVER: `localhost:${srv.port}`, RQ_TLS_CA: certs.caFile, RQ_USER: 'worker', RQ_PASSWORD: 's3cret pass' }),
});

describe('client subcommands with TLS and a login', () => {
  it('push, pop, peek, inspect, ack by id: every path', async () => {
    expect(await sh('seq 50 | rq push q', shell.env)).toMatchObject({ status: 0, stderr: '' });
    expect(await sh('rq push q last', shell.env)).toMatchObject({ status: 0, stderr: '' });
    expect((await sh('rq peek q', shell.env)).stdout.toString()).toBe('1\n');
    expect((await sh('rq pop q -n 50', shell.env)).stdout.toString()).toBe(
      Array.from({ length: 50 }, (_, i) => `${i + 1}\n`).join(''),
    );
    const leased = await sh('rq pop q --lease 60 --json', shell.env);
    expect(leased.status).toBe(0);
    const { id } = JSON.parse(leased.stdout.toString()) as { id: number };
    expect(await sh(`rq ack q ${id}`, shell.env)).toMatchObject({ status: 0 });
    expect((await sh('rq inspect --json', shell.env)).stdout.toString()).toContain('"q"');
    expect(queueStats(shell.srv, 'q')).toMatchObject({ items: 0, open: 0, acked: 51 });
  });

  it('pop --follow and rq work over TLS: items as they come, a clean stop on a signal', async () => {
    const follower = start('exec rq pop q --follow', shell.env);
    const output = new Output(follower);
    await sh('rq push q one', shell.env);
    await output.shows('one\n');
    follower.kill('SIGINT');
    expect(await exited(follower)).toBe('SIGINT');
    const waiting = start('exec rq pop empty --wait=60', shell.env);
    await connectionsBecome(shell.srv, 1);
    waiting.kill('SIGTERM');
    await exited(waiting);
    await connectionsBecome(shell.srv, 0);
    expect(await sh('rq push jobs a b', shell.env)).toMatchObject({ status: 0 });
    const worker = start('exec rq work jobs -- sh -c \'cat >> "$T/done"; echo >> "$T/done"\'', shell.env);
    await eventually(() => queueStats(shell.srv, 'jobs').acked === 2, 'rq work to finish both items', { deadlineMs: 10_000 });
    worker.kill('SIGTERM');
    expect(await exited(worker)).toBe('SIGTERM');
  });

  it('rq top --json watches a server with TLS and logins; a refused login shows it down', async () => {
    await sh('rq push q a b', shell.env);
    const top = await sh('rq top --json', shell.env);
    expect(top.status).toBe(0);
    expect(JSON.parse(top.stdout.toString())).toMatchObject({ servers: [{ state: 'up' }] });
    const refused = await sh('rq top --json', { ...shell.env, RQ_PASSWORD: 'guess' });
    expect(refused.status).toBe(3);
    expect(refused.stderr.toString()).toContain('login refused for user "worker"');
  });

  it('the options work as well as the environment', async () => {
    const flags = `--server localhost:${shell.srv.port} --tls-ca "$CERTS/ca.pem" --user worker --password 's3cret pass'`;
    const local = { CERTS: certs.dir };
    expect(await sh(`rq push q hello ${flags}`, local)).toMatchObject({ status: 0, stderr: '' });
    expect((await sh(`rq pop q ${flags}`, local)).stdout.toString()).toBe('hello\n');
  });

  it('a wrong password: the message names the user, status 3, nothing pushed', async () => {
    const run = await sh('rq push q hello', { ...shell.env, RQ_PASSWORD: 'guess' });
    expect(run.status).toBe(3);
    expect(run.stderr.toString()).toContain('login refused for user "worker"');
    expect(queueStats(shell.srv, 'q')).toMatchObject({ items: 0, totalItems: 0 });
    const pop = await sh('rq pop q', { ...shell.env, RQ_PASSWORD: 'guess' });
    expect([pop.status, pop.stderr.toString()]).toEqual([3, expect.stringContaining('login refused')]);
  });

  it('no login at all: the server refuses the request, status 3, and the message says how to log in', async () => {
    const noLogin = { RQ_SERVER: shell.env.RQ_SERVER, RQ_TLS_CA: certs.caFile };
    for (const line of ['rq push q hello', 'rq pop q', 'rq peek q', 'rq inspect', 'rq drop q --yes']) {
      const run = await sh(line, noLogin);
      expect({ line, status: run.status }).toEqual({ line, status: 3 });
      expect(run.stderr.toString()).toContain('the server wants a login: set RQ_USER and RQ_PASSWORD');
    }
  });

  it('a certificate the client does not trust, or no TLS at all: status 3, and the message says what to add', async () => {
    const login = { RQ_SERVER: shell.env.RQ_SERVER, RQ_USER: 'worker', RQ_PASSWORD: 's3cret pass' };
    const untrusted = await sh('rq peek q --tls', login);
    expect(untrusted.status).toBe(3);
    expect(untrusted.stderr.toString()).toMatch(/TLS: .*: give the CA that signed the server's certificate with --tls-ca FILE/);
    const plain = await sh('rq peek q', login);
    expect(plain.status).toBe(3);
    expect(plain.stderr.toString()).toContain('add --tls-ca FILE or --tls');
  });

  it('rq replay-journal --push-to copies a journal into the server with TLS and a login, and says it copied', async () => {
    const dataDir = path.join(shell.dir, 'old');
    fs.mkdirSync(dataDir);
    const old = await startDataDirServer(dataDir);
    try {
      expect((await sh('seq 3 | rq push moved', { RQ_SERVER: `127.0.0.1:${old.port}` })).status).toBe(0);
    } finally {
      await old.close();
    }
    const push = await sh(
      `rq replay-journal "$T/old" --push-to localhost:${shell.srv.port} --tls-ca "${certs.caFile}"`,
      shell.env,
    );
    expect(push.status).toBe(0);
    expect(push.stderr).toContain(`copied 3 items to localhost:${shell.srv.port}; ${dataDir} is unchanged`);
    expect(queueStats(shell.srv, 'moved')).toMatchObject({ items: 3 });
    const refused = await sh(
      `rq replay-journal "$T/old" --push-to localhost:${shell.srv.port} --tls-ca "${certs.caFile}" --user worker --password guess`,
      shell.env,
    );
    expect(refused.status).toBe(3);
    expect(refused.stderr).toContain('login refused');
  });

  it('a CA file that cannot be read, or a user without a password: usage errors, status 2', async () => {
    const ca = await sh('rq peek q --tls-ca "$T/missing.pem"', { ...shell.env, RQ_TLS_CA: '' });
    expect([ca.status, ca.stderr.toString()]).toEqual([2, expect.stringContaining('cannot read --tls-ca')]);
    const user = await sh('rq peek q', { ...shell.env, RQ_PASSWORD: '' });
    expect([user.status, user.stderr.toString()]).toEqual([2, expect.stringContaining('no password for worker')]);
  });
});
