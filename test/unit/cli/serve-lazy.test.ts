/**
 * `rq serve` loads the server and what its flags ask for, nothing else: a well-formed command line
 * runs through the fast path (main.ts → fast-path.ts → commands/serve.ts → serve/serve.ts) without
 * yargs, and the client library, the monitor, Prometheus and the NATS client are not reached by a
 * static import (metrics and the JetStream store are imported when --metrics or --store asks).
 * Each of these weighs megabytes of memory in every server (bench/RESULTS.md: the empty server).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { staticGraph } from '../../helpers/import-graph.js';

const SRC = path.resolve(__dirname, '../../../src');
const ENTRIES = ['cli/main.ts', 'cli/fast-path.ts', 'cli/fast-commands.ts', 'cli/commands/serve.ts', 'cli/serve/serve.ts'];

describe("rq serve's start-up", () => {
  const { packages, files } = staticGraph(...ENTRIES.map((f) => path.join(SRC, f)));
  const reached = [...files].map((f) => path.relative(SRC, f));

  it('follows the imports as far as the server', () => {
    expect(reached).toEqual(expect.arrayContaining(['server/server.ts', 'journal/journal.ts', 'queue/engine.ts']));
  });

  it('loads neither yargs nor the packages of other commands or of optional features', () => {
    const unwanted = ['yargs', 'memjs', 'ink', 'react', 'prom-client', 'nats', '@nats-io'];
    expect([...packages].filter((p) => unwanted.includes(p))).toEqual([]);
  });

  it('loads no client library, monitor, metrics or JetStream store code', () => {
    const unwanted = reached.filter(
      (f) =>
        /^(client|tui|cli\/client|cli\/top|server\/metrics)\//.test(f) ||
        // --store's option checks need its names and defaults, not the store
        (f.startsWith('server/jetstream/') && !['server/jetstream/names.ts', 'server/jetstream/options.ts'].includes(f)),
    );
    expect(unwanted).toEqual([]);
  });
});
