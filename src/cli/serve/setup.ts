/**
 * What `rq serve` prepares before the server starts and wires around it: the log, the users of
 * `--auth-file`, the TLS certificate, and the signals (SIGTERM/SIGINT stop gracefully, SIGHUP
 * reopens the log file and reloads the certificate). Every problem found before start is a
 * SetupError whose message names the file at fault.
 */
import fs from 'node:fs';
import { AuthFileError, loadAuthFile } from '../../server/auth-file.js';
import { Authenticator } from '../../server/auth.js';
import { openLog, type Logger } from '../../server/log.js';
import type { RqServer, TlsFiles } from '../../server/server.js';
import type { TrustArgs } from './trust-options.js';

export class SetupError extends Error {}

export interface Prepared {
  readonly log: Logger;
  readonly auth?: Authenticator;
  readonly tls?: TlsFiles;
}

export function prepare(args: TrustArgs): Prepared {
  let log: Logger;
  try {
    log = openLog({ level: args['log-level'], format: args['log-format'], file: args['log-file'] });
  } catch (err) {
    throw new SetupError(`cannot open log file: ${(err as Error).message}`);
  }
  try {
    let auth: Authenticator | undefined;
    if (args['auth-file'] !== undefined) {
      const file = loadAuthFile(args['auth-file']);
      for (const warning of file.warnings) log.warn(warning);
      auth = new Authenticator(file);
      log.info('logins required', { 'auth-file': args['auth-file'], users: file.users.size });
    }
    const tls = args['tls-cert'] === undefined ? undefined : readTls(args);
    return { log, auth, tls };
  } catch (err) {
    log.close();
    if (err instanceof AuthFileError) throw new SetupError(err.message);
    throw err;
  }
}

/** Reads --tls-cert and --tls-key (again, on SIGHUP). */
export function readTls(args: TrustArgs): TlsFiles {
  const read = (flag: 'tls-cert' | 'tls-key'): Buffer => {
    const path = args[flag]!;
    try {
      return fs.readFileSync(path);
    } catch (err) {
      throw new SetupError(`cannot read --${flag} ${path}: ${(err as Error).message}`);
    }
  };
  return { cert: read('tls-cert'), key: read('tls-key') };
}

/**
 * Installs the signal handlers. The first SIGTERM or SIGINT stops gracefully (RqServer.shutdown,
 * which ends with the journal written, synced and closed) and exits 0; a second one exits 1 at
 * once. SIGHUP reopens the log file and reloads the TLS certificate and key.
 */
export function installSignals(server: RqServer, log: Logger, args: TrustArgs): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn('second signal: exiting without waiting', { signal });
      process.exit(1);
    }
    stopping = true;
    log.info('stopping', { signal, timeout_s: args['shutdown-timeout'] });
    void (async () => {
      try {
        const { forced } = await server.shutdown(args['shutdown-timeout'] * 1000);
        if (forced > 0) log.warn('connections cut off at the shutdown timeout', { connections: forced });
        log.info('stopped');
        log.close();
        process.exit(0);
      } catch (err) {
        log.error('stop failed', { reason: (err as Error).message });
        log.close();
        process.exit(1);
      }
    })();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => {
    log.reopen();
    if (args['tls-cert'] === undefined) return;
    try {
      server.reloadTls(readTls(args));
      log.info('TLS certificate reloaded', { cert: args['tls-cert'] });
    } catch (err) {
      log.error('TLS certificate not reloaded; keeping the old one', { reason: (err as Error).message });
    }
  });
}
