/** --auth-file over the text protocol: memcached's login `set`, and nothing done or shown before it. */
import fs from 'node:fs';
import path from 'node:path';
import { duplexPair } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Authenticator } from '../../src/server/auth.js';
import { openLog } from '../../src/server/log.js';
import { eventually } from '../helpers/eventually.js';
import { Connections, RawClient, setText } from '../helpers/raw-client.js';
import { startServer, tempDir, type TestServer } from '../helpers/server.js';

const PASSWORD = 'open sesame';
const WRONG = 'guess-1234';
const REQUIRED =
  'CLIENT_ERROR authentication required: log in first with set <any key> 0 0 <bytes> and "<user> <password>" as the data\r\n';
const FAILURE = 'CLIENT_ERROR authentication failure\r\n';

let srv: TestServer;
let logDir: { dir: string; remove: () => void };
let logFile: string;
const conns = new Connections(() => srv.port);

async function connect(): Promise<RawClient> {
  return conns.connect();
}

async function loggedIn(): Promise<RawClient> {
  const c = await connect();
  expect(await c.request(setText('auth', `alice ${PASSWORD}`))).toBe('STORED\r\n');
  return c;
}

beforeEach(async () => {
  logDir = tempDir('rq-authlog-');
  logFile = path.join(logDir.dir, 'rq.log');
  const auth = new Authenticator({ users: new Map([['alice', PASSWORD]]), warnings: [] }, 300);
  srv = await startServer({ auth, log: openLog({ level: 'debug', format: 'text', file: logFile }) });
});

afterEach(async () => {
  conns.closeAll();
  await srv.close();
  srv.server.log.close();
  logDir.remove();
});

describe('before login', () => {
  it('refuses every command, reveals nothing, and changes nothing', async () => {
    const owner = await loggedIn();
    expect(await owner.request(setText('jobs', 'secret work'))).toBe('STORED\r\n');

    const c = await connect();
    for (const command of [
      'get jobs',
      'gets jobs',
      'get jobs/peek',
      'delete jobs',
      'delete jobs/id=1',
      'flush jobs',
      'flush_all',
      'delete_queue jobs',
      'stats',
      'stats settings',
      'version',
      'verbosity 1',
      'incr jobs 1',
    ]) {
      expect(await c.request(`${command}\r\n`), command).toBe(REQUIRED);
    }
    // Storage commands other than set are refused too; their data block is consumed.
    expect(await c.request('add jobs 0 0 2\r\nhi\r\n')).toBe(REQUIRED);
    // noreply is honoured: no reply at all, and the next reply is in step.
    c.send('delete jobs noreply\r\nflush_all noreply\r\n');
    expect(await c.request('version\r\n')).toBe(REQUIRED);

    const stats = await owner.request('stats\r\n', 'END\r\n');
    expect(stats).toContain('STAT queue_jobs_items 1\r\n');
    expect(await owner.request('get jobs\r\n', 'END\r\n')).toBe('VALUE jobs 0 11\r\nsecret work\r\nEND\r\n');
    expect(c.unread.length).toBe(0);
  });

  it('a set with wrong credentials enqueues nothing and is answered after the delay', async () => {
    const c = await connect();
    const started = Date.now();
    expect(await c.request(setText('jobs', `alice ${WRONG}`))).toBe(FAILURE);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(await c.request(setText('jobs', 'not credentials at all'))).toBe(FAILURE);
    expect(await c.request(setText('jobs', 'nospace'))).toBe(FAILURE);
    expect(await c.request(setText('jobs', `bob ${PASSWORD}`))).toBe(FAILURE);
    const owner = await loggedIn();
    const stats = await owner.request('stats\r\n', 'END\r\n');
    expect(stats).not.toContain('queue_jobs');
    expect(stats).toContain('STAT auth_cmds 5\r\n');
    expect(stats).toContain('STAT auth_errors 4\r\n');
  });

  it('requests pipelined behind a failed login wait for its answer and stay in order', async () => {
    const c = await connect();
    c.send(setText('x', `alice ${WRONG}`) + 'get jobs\r\n' + setText('x', `alice ${PASSWORD}`) + 'version\r\n');
    expect(await c.readUntil('\r\n')).toBe(FAILURE);
    expect(await c.readUntil('\r\n')).toBe(REQUIRED);
    expect(await c.readUntil('\r\n')).toBe('STORED\r\n');
    expect(await c.readLine()).toMatch(/^VERSION /);
  });

  it("while a failed login waits, the server holds only about a login's worth of what follows, then stops reading", async () => {
    const [client, server] = duplexPair();
    srv.server.handle(server);
    client.on('data', () => {});
    client.write(setText('x', `alice ${WRONG}`));
    for (let i = 0; i < 10; i++) client.write('version\r\n'.repeat(200)); // 18 KiB behind the failed login
    await eventually(() => server.isPaused(), 'the server to stop reading');
    await eventually(() => !server.isPaused(), 'the server to read again once the login is answered');
    client.destroy();
  });

  it('other connections are served while a failed login waits', async () => {
    const guesser = await connect();
    const owner = await loggedIn();
    guesser.send(setText('x', `alice ${WRONG}`));
    expect(await owner.request('version\r\n')).toMatch(/^VERSION /);
    expect(guesser.unread.length).toBe(0);
    expect(await guesser.readUntil('\r\n')).toBe(FAILURE);
  });

  it('quit is allowed; a line too long still closes', async () => {
    const c = await connect();
    c.send('quit\r\n');
    await c.waitClosed();
    const d = await connect();
    d.send('x'.repeat(9000));
    expect(await d.readLine()).toBe('CLIENT_ERROR line too long');
    await d.waitClosed();
  });

  it('a noreply login gets no answer either way', async () => {
    const c = await connect();
    c.send(setText('x', `alice ${WRONG}`, 0, 0, true) + setText('x', `alice ${PASSWORD}`, 0, 0, true));
    expect(await c.request('version\r\n')).toMatch(/^VERSION /);
  });
});

describe('after login', () => {
  it('serves the queue as usual; set is an ordinary enqueue again', async () => {
    const c = await loggedIn();
    expect(await c.request(setText('q', 'alice pw'))).toBe('STORED\r\n');
    expect(await c.request('get q\r\n', 'END\r\n')).toBe('VALUE q 0 8\r\nalice pw\r\nEND\r\n');
    expect(await c.request('delete q\r\n')).toBe('DELETED\r\n');
  });

  it('the log names users and peers but never a password', async () => {
    const good = await loggedIn();
    const bad = await connect();
    expect(await bad.request(setText('x', `alice ${WRONG}`))).toBe(FAILURE);
    good.close();
    bad.close();
    await srv.close();
    const log = fs.readFileSync(logFile, 'latin1');
    expect(log).toMatch(/INFO  authenticated peer=127\.0\.0\.1:\d+ user=alice/);
    expect(log).toMatch(/WARN  authentication failed peer=127\.0\.0\.1:\d+ user=alice/);
    expect(log).not.toContain('sesame');
    expect(log).not.toContain(WRONG);
  });
});

describe('the login deadline', () => {
  it('closes a connection that does not log in in time, with a reason; a logged-in one stays', async () => {
    const quick = await startServer({ auth: new Authenticator({ users: new Map([['alice', 'pw']]), warnings: [] }, 10, 200) });
    try {
      // The logged-in client connects first: once the others are closed, its deadline has passed too.
      const good = await RawClient.connect(quick.port);
      conns.add(good);
      expect(await good.request('set a 0 0 8\r\nalice pw\r\n')).toBe('STORED\r\n');
      const idle = await RawClient.connect(quick.port);
      const busy = await RawClient.connect(quick.port);
      conns.add(idle);
      conns.add(busy);
      expect(await busy.request('version\r\n')).toBe(REQUIRED);
      expect(await idle.readLine()).toBe('SERVER_ERROR no login within 0.2 s: closing the connection');
      await idle.waitClosed();
      expect(await busy.readLine()).toBe('SERVER_ERROR no login within 0.2 s: closing the connection');
      await busy.waitClosed();
      expect(await good.request('version\r\n')).toMatch(/^VERSION /);
    } finally {
      await quick.close();
    }
  });
});
