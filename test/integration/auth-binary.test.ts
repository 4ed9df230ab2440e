/** --auth-file over the binary protocol: SASL PLAIN as memjs and libmemcached send it, and nothing before it. */
import memjs from 'memjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OP, STATUS } from '../../src/protocol/binary/constants.js';
import type { Packet } from '../../src/protocol/binary/packet.js';
import { Authenticator } from '../../src/server/auth.js';
import { BinaryClient, setExtras } from '../helpers/binary-client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { Connections } from '../helpers/raw-client.js';

const PASSWORD = 'p4ss word';
let srv: TestServer;
const conns = new Connections(() => srv.port);

async function connect(): Promise<BinaryClient> {
  return conns.add(await BinaryClient.connect(srv.port));
}

function saslAuth(message: string, opaque = 0x5a51, mechanism = 'PLAIN') {
  return { opcode: OP.SASL_AUTH, key: mechanism, value: Buffer.from(message, 'latin1'), opaque };
}

function summary(p: Packet): [number, number, number, string] {
  return [p.opcode, p.opaque, p.status, p.value.toString('latin1')];
}

beforeEach(async () => {
  srv = await startServer({ auth: new Authenticator({ users: new Map([['alice', PASSWORD]]), warnings: [] }, 250) });
});

afterEach(async () => {
  conns.closeAll();
  await srv.close();
});

describe('SASL', () => {
  it('lists PLAIN', async () => {
    const c = await connect();
    expect(summary(await c.request({ opcode: OP.SASL_LIST_MECHS, opaque: 7 }))).toEqual([
      OP.SASL_LIST_MECHS,
      7,
      STATUS.SUCCESS,
      'PLAIN',
    ]);
  });

  it('accepts memjs form (\\0user\\0pass) and libmemcached form (user\\0user\\0pass)', async () => {
    for (const message of [`\0alice\0${PASSWORD}`, `alice\0alice\0${PASSWORD}`]) {
      const c = await connect();
      expect(summary(await c.request(saslAuth(message, 3)))).toEqual([OP.SASL_AUTH, 3, STATUS.SUCCESS, 'Authenticated']);
      const stored = await c.request({ opcode: OP.SET, key: 'q', extras: setExtras(), value: 'job', opaque: 4 });
      expect(stored.status).toBe(STATUS.SUCCESS);
    }
  });

  it('refuses wrong credentials after the delay, counting them; other requests wait behind', async () => {
    const c = await connect();
    const started = Date.now();
    c.send(saslAuth(`\0alice\0wrong`, 1), { opcode: OP.VERSION, opaque: 2 }, saslAuth(`\0alice\0${PASSWORD}`, 3), {
      opcode: OP.VERSION,
      opaque: 4,
    });
    const [failed, refused, ok, version] = await c.readN(4);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    expect(summary(failed)).toEqual([OP.SASL_AUTH, 1, STATUS.AUTH_ERROR, 'Auth failure.']);
    expect(summary(refused)).toEqual([OP.VERSION, 2, STATUS.AUTH_ERROR, 'Authentication required: log in with SASL PLAIN first']);
    expect(summary(ok)).toEqual([OP.SASL_AUTH, 3, STATUS.SUCCESS, 'Authenticated']);
    expect(version.status).toBe(STATUS.SUCCESS);
    c.send({ opcode: OP.STAT, opaque: 5 });
    const stats = await c.readStats();
    expect(stats.get('auth_cmds')).toBe('2');
    expect(stats.get('auth_errors')).toBe('1');
  });

  it.each([
    ['an unknown user', saslAuth(`\0bob\0${PASSWORD}`)],
    ['an authzid naming another user', saslAuth(`bob\0alice\0${PASSWORD}`)],
    ['a message without separators', saslAuth(`alice ${PASSWORD}`)],
    ['another mechanism', saslAuth(`\0alice\0${PASSWORD}`, 1, 'CRAM-MD5')],
    ['a SASL step', { ...saslAuth(`\0alice\0${PASSWORD}`), opcode: OP.SASL_STEP }],
  ])('refuses %s', async (_what, request) => {
    const c = await connect();
    const reply = await c.request(request);
    expect(reply.status).toBe(STATUS.AUTH_ERROR);
    expect((await c.request({ opcode: OP.VERSION, opaque: 9 })).status).toBe(STATUS.AUTH_ERROR);
  });

  it('a failed login after a good one logs the connection out', async () => {
    const c = await connect();
    expect((await c.request(saslAuth(`\0alice\0${PASSWORD}`))).status).toBe(STATUS.SUCCESS);
    expect((await c.request(saslAuth(`\0alice\0nope`))).status).toBe(STATUS.AUTH_ERROR);
    expect((await c.request({ opcode: OP.VERSION, opaque: 1 })).status).toBe(STATUS.AUTH_ERROR);
  });
});

describe('before login', () => {
  it('every other request gets Auth failure, quiet ones included, and nothing is done or shown', async () => {
    const owner = await connect();
    await owner.request(saslAuth(`\0alice\0${PASSWORD}`));
    await owner.request({ opcode: OP.SET, key: 'jobs', extras: setExtras(), value: 'secret', opaque: 1 });

    const c = await connect();
    const requests = [
      { opcode: OP.GET, key: 'jobs', opaque: 1 },
      { opcode: OP.GETKQ, key: 'jobs/peek', opaque: 2 },
      { opcode: OP.SET, key: 'jobs', extras: setExtras(), value: 'x', opaque: 3 },
      { opcode: OP.SETQ, key: 'jobs', extras: setExtras(), value: 'x', opaque: 4 },
      { opcode: OP.DELETE, key: 'jobs/id=1', opaque: 5 },
      { opcode: OP.FLUSH, opaque: 6 },
      { opcode: OP.STAT, opaque: 7 },
      { opcode: OP.VERSION, opaque: 8 },
      { opcode: OP.NOOP, opaque: 9 },
      { opcode: OP.ADD, key: 'jobs', extras: setExtras(), value: 'x', opaque: 10 },
      { opcode: 0x7f, opaque: 11 },
    ];
    c.send(...requests);
    const replies = await c.readN(requests.length);
    expect(replies.map((r) => [r.opcode, r.opaque, r.status])).toEqual(
      requests.map((r) => [r.opcode, r.opaque, STATUS.AUTH_ERROR]),
    );
    for (const r of replies) expect(r.cas).toBe(0);

    owner.send({ opcode: OP.STAT, opaque: 2 });
    const stats = await owner.readStats();
    expect(stats.get('queue_jobs_items')).toBe('1');
    expect(stats.get('curr_items')).toBe('1');
  });

  it('QUIT closes; a stream that cannot be followed still closes', async () => {
    const c = await connect();
    c.send({ opcode: OP.QUIT, opaque: 1 });
    expect((await c.read()).status).toBe(STATUS.SUCCESS);
    await c.waitClosed();
    const d = await connect();
    d.send(
      Buffer.from('\x80' + '\x00'.repeat(3) + '\xff' + '\x00'.repeat(3) + '\x00\x00\x00\x01' + '\x00'.repeat(12) + 'x', 'latin1'),
    );
    expect((await d.read()).status).toBe(STATUS.INVALID_ARGUMENTS);
    await d.waitClosed();
  });
});

describe('memjs', () => {
  function client(credentials: string): memjs.Client {
    const c = memjs.Client.create(`${credentials}@127.0.0.1:${srv.port}`, { timeout: 10, retries: 1, logger: { log: () => {} } });
    conns.add(c);
    return c;
  }

  it('logs in with username and password, then works as usual', async () => {
    const c = client(`alice:${PASSWORD}`);
    expect(await c.set('q', 'hello', {})).toBe(true);
    expect((await c.get('q')).value?.toString()).toBe('hello');
  });

  it('reports wrong credentials as an error', async () => {
    const c = client('alice:wrong');
    await expect(c.set('q', 'hello', {})).rejects.toThrow(/authentication failed/);
  });
});
