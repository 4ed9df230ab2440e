/**
 * A real rq server (port 0) whose journal lives in a given store: a MemoryStore for fault injection
 * and simulated crashes, or a FileStore on a temp dir.
 */
import type { JournalOptions } from '../../src/journal/journal.js';
import type { JournalStore } from '../../src/journal/store.js';
import type { Limits } from '../../src/server/context.js';
import { restoreFromStore, type Restored } from '../../src/server/persistence.js';
import { RqServer } from '../../src/server/server.js';
import { testLimits } from './server.js';

export interface JournalServer {
  readonly server: RqServer;
  readonly restored: Restored;
  readonly port: number;
  readonly warnings: string[];
  close(): Promise<void>;
}

export async function startJournalServer(
  store: JournalStore,
  options: Partial<JournalOptions> = {},
  given: Partial<Limits> = {},
): Promise<JournalServer> {
  const warnings: string[] = [];
  const limits = testLimits({ maxOpen: 100, ...given });
  const restored = restoreFromStore(limits, store, { fsync: { kind: 'always' }, warn: (w) => warnings.push(w), ...options });
  const server = new RqServer({ host: '127.0.0.1', port: 0, limits }, restored);
  const { port } = await server.listen();
  return { server, restored, port, warnings, close: () => server.close() };
}
