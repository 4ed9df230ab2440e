/**
 * Starts the server for `rq serve`: prepares the log, logins and TLS; locks the data dir and replays
 * its journal (or, with --no-journal, starts empty); listens, prints where, warns when strangers
 * could reach it; and stops gracefully on SIGINT/SIGTERM (setup.ts), the journal synced and
 * closed and the lock released.
 */
import type { Journal } from '../../journal/journal.js';
import { DataDirLockedError } from '../../journal/lock.js';
import { parseFsyncPolicy, type FsyncPolicy } from '../../journal/policy.js';
import { openFileLimit } from '../../server/descriptors.js';
import { memoryOnly, restoreDataDir, type Backing, type Restored } from '../../server/persistence.js';
import { formatLine } from '../../server/log.js';
import type { QueueStore } from '../../server/queue-ops/store.js';
import { RqServer } from '../../server/server.js';
import { VERSION } from '../../version.js';
import type { ServeArgs } from '../commands/serve.js';
import { EXIT_UNREACHABLE, EXIT_USAGE } from '../exit-codes.js';
import { chooseMaxConnections } from './connection-limit.js';
import { makeDataDir } from './data-dir.js';
import { exposureWarnings, metricsExposureWarnings } from './exposure.js';
import { giveBackWhenIdle } from './idle-give-back.js';
import { prepareMetrics } from './metrics.js';
import { limitsOf } from './trust-options.js';
import { installSignals, prepare, SetupError } from './setup.js';
import { storeLimits, storeOptionsOf } from './store-options.js';

function fail(message: string, code: number): never {
  process.stderr.write(`rq serve: ${message}\n`);
  process.exit(code);
}

export async function runServe(args: ServeArgs): Promise<void> {
  let prepared;
  try {
    prepared = prepare(args);
  } catch (err) {
    if (err instanceof SetupError) fail(err.message, EXIT_USAGE);
    throw err;
  }
  const { log, auth, tls } = prepared;
  const openFiles = openFileLimit();
  const connections = chooseMaxConnections(args['max-connections'], openFiles);
  const fdFields = { max_connections: connections.max === Infinity ? 0 : connections.max, open_files: openFiles ?? 'unknown' };
  if (connections.warning !== null) log.warn(connections.warning, fdFields);
  let limits = limitsOf(args, connections.max);
  const dataDir = args['data-dir'];
  const storeRequest = storeOptionsOf(args);
  const metrics = await prepareMetrics({ ...args, journal: args.journal && storeRequest === null }, log);
  let backing: Backing | QueueStore;
  let journal: Journal | null = null;
  let where = args.journal ? `data dir ${dataDir}, fsync ${args.fsync}` : 'no journal: memory only';
  if (storeRequest !== null) {
    // Loaded only here: the NATS client costs the embedded server nothing.
    const { openStore, storeDescription } = await import('./open-store.js');
    const opened = await openStore(storeRequest, storeLimits(limits), log);
    where = storeDescription(opened.store);
    backing = opened.store;
    limits = opened.limits;
  } else if (args.journal) {
    let restored: Restored;
    try {
      makeDataDir(dataDir);
      restored = restoreDataDir(dataDir, limits, {
        fsync: parseFsyncPolicy(args.fsync) as FsyncPolicy,
        warn: (line) => log.warn(line),
        onFsync: metrics?.onFsync,
      });
    } catch (err) {
      const why =
        err instanceof DataDirLockedError ? err.message : `cannot open the journal in ${dataDir}: ${(err as Error).message}`;
      log.close();
      fail(why, EXIT_UNREACHABLE);
    }
    const r = restored.report!;
    if (r.records > 0) {
      log.info(`restored ${r.items} items (${r.bytes} bytes) in ${r.queues} queues`, {
        'data-dir': dataDir,
        ms: Math.round(r.ms),
        expired: r.expired,
      });
    }
    backing = restored;
    journal = restored.journal;
  } else {
    backing = memoryOnly(limits);
  }
  if ('engine' in backing) {
    backing.engine.cannotDeadLetter = (queue) =>
      log.warn(
        'items that ran out of deliveries stay in their queue: its dead-letter queue name would be longer than 250 bytes',
        { queue },
      );
  }
  let server: RqServer;
  try {
    server = new RqServer({ host: args.host, port: args.port, limits, log, auth, tls }, backing);
  } catch (err) {
    // node:tls refuses a certificate or key it cannot read, or a key that does not match.
    await backing.persistence.close();
    fail(`cannot use --tls-cert ${args['tls-cert']} with --tls-key ${args['tls-key']}: ${(err as Error).message}`, EXIT_USAGE);
  }
  let address;
  try {
    address = await server.listen();
  } catch (err) {
    await backing.persistence.close();
    fail(`cannot listen on ${args.host}:${args.port}: ${(err as Error).message}`, EXIT_UNREACHABLE);
  }
  let metricsAddress = null;
  if (metrics !== null) {
    try {
      metricsAddress = await metrics.start(server, journal);
    } catch (err) {
      await server.close();
      fail(`cannot serve metrics on ${args.metrics}: ${(err as Error).message}`, EXIT_UNREACHABLE);
    }
  }
  // Before the line that tells a supervisor (or a test) the server is up: a SIGTERM sent on seeing
  // it must stop the server gracefully, not kill it.
  installSignals(server, log, args);
  giveBackWhenIdle();
  const shown = address.host.includes(':') ? `[${address.host}]` : address.host;
  // The banner on stdout speaks the log's format: a JSON line with --log-format json.
  const journaled = storeRequest === null && args.journal;
  process.stdout.write(
    args['log-format'] === 'json'
      ? formatLine('json', new Date(), 'info', 'listening', {
          address: `${shown}:${address.port}`,
          version: VERSION,
          'data-dir': journaled ? dataDir : null,
          fsync: journaled ? args.fsync : null,
          store: storeRequest === null ? null : where,
        })
      : `rq ${VERSION} listening on ${shown}:${address.port} (${where})\n`,
  );
  log.info('listening', {
    address: `${shown}:${address.port}`,
    tls: tls !== undefined,
    auth: auth !== undefined,
    version: VERSION,
    ...fdFields,
  });
  const warnings = exposureWarnings(address.host, address.port, auth !== undefined, tls !== undefined);
  if (metricsAddress !== null) {
    const url = `http://${metricsAddress.host.includes(':') ? `[${metricsAddress.host}]` : metricsAddress.host}:${metricsAddress.port}/metrics`;
    process.stdout.write(
      args['log-format'] === 'json'
        ? formatLine('json', new Date(), 'info', 'serving metrics', { url })
        : `rq metrics on ${url}\n`,
    );
    log.info('serving metrics', { url });
    warnings.push(...metricsExposureWarnings(metricsAddress.host, metricsAddress.port));
  }
  for (const warning of warnings) {
    // On the terminal whatever the log's destination: whoever starts the server must see it.
    if (args['log-file'] !== undefined) process.stderr.write(`rq serve: warning: ${warning}\n`);
    log.warn(warning);
  }
}
