/**
 * What a running `rq serve` has loaded (the built bin/rq, every module recorded by a loader hook):
 * a plain command line starts without yargs, the client library, the monitor, Prometheus or the
 * NATS client, each of which costs every server megabytes of memory (bench/RESULTS.md: the empty
 * server); --metrics loads prom-client. test/unit/cli/serve-lazy.test.ts checks the static imports.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from '../helpers/rq-process.js';
import { requireBuild } from '../helpers/shell.js';

requireBuild();
const RECORD = ['--import', new URL('../fixtures/modules/record.mjs', import.meta.url).href];
let server: ServerProcess | null = null;

afterEach(async () => {
  await server?.stop();
  if (server !== null) fs.rmSync(server.dataDir, { recursive: true, force: true });
  server = null;
});

/** The modules the server loaded, as paths below the checkout (node: built-ins as they are). */
function loaded(s: ServerProcess): string[] {
  const root = new URL('../../', import.meta.url).href;
  return [...s.stderr().matchAll(/^loaded (\S+)$/gm)].map((m) => m[1].replace(root, ''));
}

const UNWANTED =
  /^node_modules\/(yargs|memjs|ink|react|prom-client|nats|@nats-io)\/|^dist\/(client|tui|cli\/client|cli\/top|server\/metrics)\//;

describe('rq serve loads what its flags need', () => {
  it.each([[[]], [['--no-journal']], [['--fsync', 'always', '--max-open', '5', '--log-format', 'json']]])(
    '%j: the server, without yargs, client, monitor, metrics or NATS',
    async (args) => {
      server = await spawnServer({ args, nodeArgs: RECORD });
      const modules = loaded(server);
      expect(modules).toContain('dist/server/server.js'); // the hook reports what is loaded
      expect(modules.filter((m) => UNWANTED.test(m))).toEqual([]);
    },
  );

  it('--metrics: prom-client too', async () => {
    server = await spawnServer({ args: ['--metrics', '127.0.0.1:0'], nodeArgs: RECORD });
    expect(loaded(server).some((m) => m.startsWith('node_modules/prom-client/'))).toBe(true);
  });
});
