/**
 * Certificates made for a test with openssl: a private CA and a server certificate it signed for
 * localhost and 127.0.0.1, written to a temporary directory (what `--tls-cert`, `--tls-key` and a
 * client's `--tls-ca` read).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { RawClient } from './raw-client.js';
import { tempDir } from './server.js';

export interface TestCertificates {
  readonly dir: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
  remove(): void;
}

function openssl(cwd: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Makes a CA and a server certificate signed by it (EC keys: fast to generate). */
export function makeCertificates(): TestCertificates {
  const { dir, remove } = tempDir('rq-tls-');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    dir,
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=rq test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
  );
  openssl(dir, 'req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  fs.writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'ext.cnf',
  );
  const file = (name: string) => path.join(dir, name);
  return {
    dir,
    caFile: file('ca.pem'),
    certFile: file('server.pem'),
    keyFile: file('server.key'),
    ca: fs.readFileSync(file('ca.pem')),
    cert: fs.readFileSync(file('server.pem')),
    key: fs.readFileSync(file('server.key')),
    remove,
  };
}

/** Connects over TLS, trusting `ca`; resolves once the handshake is done. */
export function connectTls(port: number, ca: Buffer, host = '127.0.0.1'): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ port, host, ca }, () => {
      socket.off('error', reject);
      resolve(RawClient.wrap(socket));
    });
    socket.once('error', reject);
  });
}
