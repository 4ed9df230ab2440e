/** --tls-cert/--tls-key: both protocols over TLS, with a certificate made for the test. */
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OP, STATUS } from '../../src/protocol/binary/constants.js';
import { Authenticator } from '../../src/server/auth.js';
import { BinaryClient, setExtras } from '../helpers/binary-client.js';
import { Connections, RawClient } from '../helpers/raw-client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { connectTls, makeCertificates, type TestCertificates } from '../helpers/tls.js';

let certs: TestCertificates;
let srv: TestServer | null = null;
const conns = new Connections(() => srv!.port);

beforeAll(() => {
  certs = makeCertificates();
});
afterAll(() => certs.remove());
afterEach(async () => {
  conns.closeAll();
  await srv?.close();
  srv = null;
});

async function connect(): Promise<RawClient> {
  return conns.add(await connectTls(srv!.port, certs.ca));
}

describe('TLS', () => {
  it('serves the text protocol', async () => {
    srv = await startServer({ tls: { cert: certs.cert, key: certs.key } });
    const c = await connect();
    expect(await c.request('set q 0 0 5\r\nhello\r\n')).toBe('STORED\r\n');
    expect(await c.request('get q\r\n', 'END\r\n')).toBe('VALUE q 0 5\r\nhello\r\nEND\r\n');
    expect(await c.request('delete q\r\n')).toBe('DELETED\r\n');
  });

  it('serves the binary protocol, with SASL login inside the TLS session', async () => {
    srv = await startServer({
      tls: { cert: certs.cert, key: certs.key },
      auth: new Authenticator({ users: new Map([['alice', 'pw']]), warnings: [] }),
    });
    const c = new BinaryClient(await connect());
    expect((await c.request({ opcode: OP.SASL_AUTH, key: 'PLAIN', value: '\0alice\0pw', opaque: 1 })).status).toBe(
      STATUS.SUCCESS,
    );
    expect((await c.request({ opcode: OP.SET, key: 'q', extras: setExtras(), value: 'x', opaque: 2 })).status).toBe(
      STATUS.SUCCESS,
    );
    const hit = await c.request({ opcode: OP.GET, key: 'q', opaque: 3 });
    expect([hit.status, hit.value.toString()]).toEqual([STATUS.SUCCESS, 'x']);
  });

  it('a plain-TCP client gets no service, and the server carries on', async () => {
    srv = await startServer({ tls: { cert: certs.cert, key: certs.key } });
    const plain = await RawClient.connect(srv.port);
    conns.add(plain);
    plain.send('set q 0 0 1\r\nx\r\nstats\r\n');
    await plain.waitClosed();
    expect(plain.unread.toString('latin1')).not.toContain('STORED');
    const c = await connect();
    expect(await c.request('stats\r\n', 'END\r\n')).not.toContain('queue_q');
  });

  it('a client that does not trust the certificate is refused by its own TLS', async () => {
    srv = await startServer({ tls: { cert: certs.cert, key: certs.key } });
    await expect(
      new Promise((resolve, reject) => {
        const socket = tls.connect({ port: srv!.port, host: '127.0.0.1' }, () => resolve(socket));
        socket.once('error', reject);
      }),
    ).rejects.toThrow(/self[- ]signed|unable to (get|verify)/);
  });

  it('reloads a new certificate for new connections', async () => {
    srv = await startServer({ tls: { cert: certs.cert, key: certs.key } });
    const other = makeCertificates();
    try {
      srv.server.reloadTls({ cert: other.cert, key: other.key });
      await expect(connectTls(srv.port, certs.ca)).rejects.toThrow();
      const c = await connectTls(srv.port, other.ca);
      conns.add(c);
      expect(await c.request('version\r\n')).toMatch(/^VERSION /);
    } finally {
      other.remove();
    }
  });

  it('refuses to start with a key that does not match the certificate', async () => {
    const other = makeCertificates();
    try {
      await expect(startServer({ tls: { cert: certs.cert, key: other.key } })).rejects.toThrow(/key values mismatch/);
    } finally {
      other.remove();
    }
  });
});
