/**
 * A real rq server (port 0) whose journal lives in a given store: a MemoryStore for fault injection
 * and simulated crashes, or a FileStore on a temp dir.
 */
import type { JournalOptions } from '../../src/journal/journal.js';
import type { JournalStore } from '../../src/journal/store.js';
import { DEFAULT_MAX_ITEM_SIZE } from '../../src/server/defaults.js';
import { openJournaled, type Opened } from '../../src/server/persistence.js';
import { RqServer } from '../../src/server/server.js';

export interface JournalServer {
  readonly server: RqServer;
  readonly opened: Opened;
  readonly port: number;
  readonly warnings: string[];
  close(): Promise<void>;
}

export async function startJournalServer(store: JournalStore, options: Partial<JournalOptions> = {}): Promise<JournalServer> {
  const warnings: string[] = [];
  const opened = openJournaled(100, store, { fsync: { kind: 'always' }, warn: (w) => warnings.push(w), ...options });
  const server = new RqServer(
    { host: '127.0.0.1', port: 0, limits: { maxItemSize: DEFAULT_MAX_ITEM_SIZE, maxOpen: 100 } },
    opened.persistence.durability,
    opened.engine,
    opened.persistence,
  );
  const { port } = await server.listen();
  return { server, opened, port, warnings, close: () => server.close() };
}
