/**
 * What every test of a real memcache client (test/integration/clients/) sets up: the suite is
 * skipped, saying why, when the client is not installed; otherwise each test gets a real server
 * and raw connections to check what the client did, all closed after the test. Scripts for the
 * client's interpreter run through runScript.
 */
import { afterEach, beforeEach, expect } from 'vitest';
import { missingClient, runChild } from './child.js';
import { EMBEDDED_TRAITS, type StoreTraits } from './queue-ops-conformance.js';
import { startServer } from './server.js';
import { Connections } from './raw-client.js';

export interface RealClientSetup {
  /** Why the suite cannot run (a missing Debian package or program), or null. */
  readonly skip: string | null;
  /** The suite's title: the client's name, and why it is skipped when it is. */
  readonly title: string;
  /** The port of the running test's server. */
  readonly port: () => number;
  /** Raw connections to the running test's server. */
  readonly conns: Connections;
}

/** A server a suite's tests talk to. */
export interface ClientTestServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts each test's server: the embedded store, unless a file runs the suites on another. */
let startClientServer: () => Promise<ClientTestServer> = () => startServer();
let storeTraits: StoreTraits = EMBEDDED_TRAITS;

/**
 * Runs the suites registered from now on against servers `start` makes (a front end on JetStream),
 * whose store promises `traits` (a suite checks what differs by them).
 */
export function serveRealClientsWith(start: () => Promise<ClientTestServer>, traits: StoreTraits): void {
  startClientServer = start;
  storeTraits = traits;
}

/** What the store under test promises where stores differ (docs/scale-out.md). */
export function traitsUnderTest(): StoreTraits {
  return storeTraits;
}

/** Registers the hooks for a suite of `name` that needs `packages` and `programs` installed. */
export function realClientSetup(name: string, packages: readonly string[], programs: readonly string[] = []): RealClientSetup {
  const skip = missingClient(packages, programs);
  let srv: ClientTestServer | null = null;
  const port = () => {
    if (srv === null) throw new Error('no server outside a test');
    return srv.port;
  };
  const conns = new Connections(port);
  beforeEach(async () => {
    if (skip) return;
    srv = await startClientServer();
  });
  afterEach(async () => {
    if (skip) return;
    conns.closeAll();
    await srv?.close();
    srv = null;
  });
  return { skip, title: skip ? `${name} (${skip})` : name, port, conns };
}

/** Runs `program args` (a script); it must exit 0 and write nothing to stderr. Resolves with its stdout. */
export async function runScript(program: string, args: readonly string[]): Promise<string> {
  const r = await runChild(program, args);
  expect(r.stderr, `${program} stderr`).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}
