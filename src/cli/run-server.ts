/**
 * Starts the server for `rq serve`: locks the data dir and replays its journal (or, with --no-journal,
 * starts empty), prints where it listens, and stops cleanly on SIGINT/SIGTERM (the journal is synced
 * and closed, the lock released).
 */
import fs from 'node:fs';
import { parseFsyncPolicy, type FsyncPolicy } from '../journal/policy.js';
import { DataDirLockedError } from '../journal/lock.js';
import { MEMORY_ONLY, openDataDir, type Opened } from '../server/persistence.js';
import { QueueEngine } from '../queue/engine.js';
import { RqServer } from '../server/server.js';
import { VERSION } from '../version.js';
import type { ServeArgs } from './commands/serve.js';

export async function runServer(args: ServeArgs): Promise<void> {
  const dataDir = args['data-dir'];
  const maxOpen = args['max-open'];
  let opened: Opened;
  if (args.journal) {
    try {
      fs.mkdirSync(dataDir, { recursive: true });
      opened = openDataDir(dataDir, maxOpen, { fsync: parseFsyncPolicy(args.fsync) as FsyncPolicy });
    } catch (err) {
      const why = err instanceof DataDirLockedError ? err.message : `cannot open the journal in ${dataDir}: ${(err as Error).message}`;
      process.stderr.write(`rq serve: ${why}\n`);
      process.exit(3);
    }
    const r = opened.report!;
    if (r.records > 0) {
      process.stderr.write(`rq serve: restored ${r.items} items (${r.bytes} bytes) in ${r.queues} queues from ${dataDir} ` +
        `in ${Math.round(r.ms)} ms${r.expired > 0 ? `; ${r.expired} expired items dropped` : ''}\n`);
    }
  } else {
    opened = { engine: new QueueEngine({ maxOpen }), journal: null, persistence: MEMORY_ONLY, report: null };
  }
  const server = new RqServer(
    { host: args.host, port: args.port, limits: { maxItemSize: args['max-item-size'], maxOpen } },
    opened.persistence.durability,
    opened.engine,
    opened.persistence,
  );
  let address;
  try {
    address = await server.listen();
  } catch (err) {
    process.stderr.write(`rq serve: cannot listen on ${args.host}:${args.port}: ${(err as Error).message}\n`);
    await opened.persistence.close();
    process.exit(3);
  }
  const shown = address.host.includes(':') ? `[${address.host}]` : address.host;
  const where = args.journal ? `data dir ${dataDir}, fsync ${args.fsync}` : 'no journal: memory only';
  process.stdout.write(`rq ${VERSION} listening on ${shown}:${address.port} (${where})\n`);
  const stop = (signal: string) => {
    process.stderr.write(`rq serve: ${signal}, stopping\n`);
    server.close().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`rq serve: error while stopping: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
