/** The client's way in: TLS with a private CA, and a SASL PLAIN login, against the real server. */
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectError, connect, type Security } from '../../src/client/connect.js';
import { OP, STATUS } from '../../src/protocol/binary/constants.js';
import { Authenticator } from '../../src/server/auth.js';
import { BinaryClient } from '../helpers/binary-client.js';
import { RawClient } from '../helpers/raw-client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { makeCertificates, type TestCertificates } from '../helpers/tls.js';

let certs: TestCertificates;
let srv: TestServer | null = null;
const sockets: net.Socket[] = [];
/** The auth file holds bytes: a UTF-8 password is read as its bytes (latin1), as loadAuthFile does. */
const users = () =>
  new Authenticator({ users: new Map([['alice', Buffer.from('pässword').toString('latin1')]]), warnings: [] }, 10);

beforeAll(() => {
  certs = makeCertificates();
});
afterAll(() => certs.remove());
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await srv?.close();
  srv = null;
});

async function connected(security: Security, host = '127.0.0.1'): Promise<BinaryClient> {
  const socket = await connect(host, srv!.port, security, 5000);
  sockets.push(socket);
  return new BinaryClient(RawClient.wrap(socket));
}

async function failure(security: Security, host = '127.0.0.1'): Promise<ConnectError> {
  const err = await connect(host, srv!.port, security, 5000).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectError);
  return err as ConnectError;
}

describe('connect', () => {
  it('over TLS with a private CA, logged in with a UTF-8 password', async () => {
    srv = await startServer({ tls: { cert: certs.cert, key: certs.key }, auth: users() });
    for (const host of ['127.0.0.1', 'localhost']) {
      const c = await connected({ tls: true, ca: certs.ca, user: 'alice', password: 'pässword' }, host);
      const reply = await c.request({ opcode: OP.SET, key: 'q', extras: Buffer.alloc(8), value: 'x', opaque: 1 });
      expect([reply.opaque, reply.status]).toEqual([1, STATUS.SUCCESS]);
    }
  });

  it('reports a refused login, naming the user', async () => {
    srv = await startServer({ auth: users() });
    const err = await failure({ tls: false, user: 'alice', password: 'wrong' });
    expect([err.reason, err.message]).toEqual(['login', 'login refused for user "alice" (wrong user or password)']);
  });

  it('logs in to a server without logins as well (it answers "unknown command")', async () => {
    srv = await startServer();
    const c = await connected({ tls: false, user: 'alice', password: 'x' });
    expect((await c.request({ opcode: OP.VERSION, opaque: 2 })).status).toBe(STATUS.SUCCESS);
  });

  it('refuses a certificate it cannot trust, and a server that does not speak TLS', async () => {
    srv = await startServer({ tls: { cert: certs.cert, key: certs.key } });
    expect((await failure({ tls: true })).reason).toBe('tls');
    await srv.close();
    srv = await startServer();
    expect((await failure({ tls: true, ca: certs.ca })).reason).toMatch(/tls|connect/);
  });

  it('gives up on a server that never answers the login', async () => {
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const err = await connect('127.0.0.1', port, { tls: false, user: 'a', password: 'b' }, 200).catch((e: ConnectError) => e);
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).reason).toBe('timeout');
    } finally {
      for (const s of sockets.splice(0)) s.destroy();
      silent.close();
    }
  });
});

describe('RqClient with security', () => {
  it('moves a push on to the next server when one refuses the login or cannot be reached over TLS', async () => {
    srv = await startServer({ tls: { cert: certs.cert, key: certs.key }, auth: users() });
    const other = await startServer({ tls: { cert: certs.cert, key: certs.key } });
    const { RqClient } = await import('../../src/client/client.js');
    const skipped: string[] = [];
    try {
      const client = new RqClient({
        servers: [
          { host: 'localhost', port: srv.port },
          { host: 'localhost', port: other.port },
        ],
        rotationStart: 0,
        security: { tls: true, ca: certs.ca, user: 'alice', password: 'wrong' },
        onServerSkipped: (e) => skipped.push(e.message),
      });
      expect(await client.push('q', 'x')).toBe(`localhost:${other.port}`);
      expect(skipped).toEqual([`localhost:${srv.port}: login refused for user "alice" (wrong user or password)`]);
      client.close();
    } finally {
      await other.close();
    }
  });
});
