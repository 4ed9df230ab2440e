/**
 * Starts a real rq server in this process on port 0 and closes it after the test.
 * Use `using`-style: `const srv = await startServer(); afterEach(() => srv.close())`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RqServer, type TlsFiles } from '../../src/server/server.js';
import type { Authenticator } from '../../src/server/auth.js';
import { UNLIMITED } from '../../src/queue/limits.js';
import type { Limits } from '../../src/server/context.js';
import type { Logger } from '../../src/server/log.js';
import { DEFAULT_MAX_ITEM_SIZE, DEFAULT_MAX_OPEN } from '../../src/server/defaults.js';
import { restoreDataDir } from '../../src/server/persistence.js';

export interface TestServer {
  readonly server: RqServer;
  readonly port: number;
  readonly dataDir: string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  maxItemSize?: number;
  maxOpen?: number;
  /** Any other limit (connections, queue items and bytes, discard-old). */
  limits?: Partial<Limits>;
  /** Require logins (`--auth-file`). */
  auth?: Authenticator;
  log?: Logger;
  tls?: TlsFiles;
}

/** The limits of a test server: the default item size and --max-open, nothing else limited, then `given`. */
export function testLimits(given: Partial<Limits> = {}): Limits {
  return {
    ...UNLIMITED,
    maxItemSize: DEFAULT_MAX_ITEM_SIZE,
    maxOpen: DEFAULT_MAX_OPEN,
    maxConnections: Infinity,
    maxPartialBytes: Infinity,
    ...given,
  };
}

export async function startServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-test-'));
  const server = new RqServer({
    host: '127.0.0.1',
    port: 0,
    limits: testLimits({
      maxItemSize: options.maxItemSize ?? DEFAULT_MAX_ITEM_SIZE,
      maxOpen: options.maxOpen ?? DEFAULT_MAX_OPEN,
      ...options.limits,
    }),
    auth: options.auth,
    log: options.log,
    tls: options.tls,
  });
  const { port } = await server.listen();
  return {
    server,
    port,
    dataDir,
    async close() {
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A real rq server in this process with its journal in `dataDir` (locked, as `rq serve` does), on
 * `port` (0: any free one). close() stops it and releases the data dir, which it leaves in place:
 * a test restarts a server on the same port and data dir by calling this again.
 */
export async function startDataDirServer(dataDir: string, port = 0): Promise<TestServer> {
  const limits = testLimits();
  const restored = restoreDataDir(dataDir, limits, { fsync: { kind: 'always' } });
  const server = new RqServer({ host: '127.0.0.1', port, limits }, restored);
  try {
    const listening = await server.listen();
    return { server, port: listening.port, dataDir, close: () => server.close() };
  } catch (err) {
    await restored.persistence.close();
    throw err;
  }
}

/** Makes a temporary directory removed by the returned function. */
export function tempDir(prefix = 'rq-test-'): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
