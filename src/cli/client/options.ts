/**
 * The options every client subcommand takes (--server, --json, --timeout, and --tls, --tls-ca,
 * --user, --password for a server that requires them) and what they mean.
 * Imports only pure modules: loading this must stay cheap (see ../fast-path.ts).
 */
import fs from 'node:fs';
import { DEFAULT_TIMEOUT_MS } from '../../client/defaults.js';
import { MAX_DELAY_MS } from '../../protocol/key.js';
import { AddressError, resolveServers, type ServerAddress } from '../../client/servers.js';
import { UsageError, type OptionSpec, type RawArgs } from '../command-spec.js';

export const CLIENT_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  server: {
    type: 'string',
    alias: 's',
    describe: 'Server host:port, or several separated by commas',
    defaultDescription: '$RQ_SERVERS, $RQ_SERVER or 127.0.0.1:22133',
  },
  servers: { type: 'string', describe: 'Same as --server' },
  json: { type: 'boolean', describe: 'Machine-readable output: one JSON object per line' },
  timeout: {
    type: 'number',
    describe: 'Seconds to wait for a server to answer before giving up with status 3',
    default: DEFAULT_TIMEOUT_MS / 1000,
  },
  tls: { type: 'boolean', describe: 'Connect with TLS, checking the server certificate against the system CAs (or --tls-ca)' },
  'tls-ca': {
    type: 'string',
    describe: 'PEM file of the CA that signed the server certificate (implies --tls)',
    defaultDescription: '$RQ_TLS_CA',
  },
  user: { type: 'string', describe: 'Log in as this user (the server has --auth-file)', defaultDescription: '$RQ_USER' },
  password: {
    type: 'string',
    describe: 'The password of --user; prefer $RQ_PASSWORD, which other users cannot see in ps',
    defaultDescription: '$RQ_PASSWORD',
  },
};

/** How to reach the servers: TLS and a login, as the command line and environment say. */
export interface SecurityPlan {
  readonly tls: boolean;
  /** PEM CA certificates to trust instead of the system's (the --tls-ca file's contents). */
  readonly ca?: Buffer;
  readonly user?: string;
  readonly password?: string;
}

/** The longest --timeout: a day, as long as the longest wait. */
const MAX_TIMEOUT_S = 24 * 60 * 60;

export interface ClientPlan {
  readonly servers: readonly ServerAddress[];
  readonly json: boolean;
  readonly timeoutMs: number;
  readonly security: SecurityPlan;
}

/**
 * Reads the shared options; throws UsageError. The environment supplies servers not given.
 * `timeoutOption` names the option that holds the server timeout (rq work's is --server-timeout).
 */
export function clientPlan(raw: RawArgs, env: NodeJS.ProcessEnv = process.env, timeoutOption = 'timeout'): ClientPlan {
  const flag = raw.server ?? raw.servers;
  if (raw.server !== undefined && raw.servers !== undefined) throw new UsageError('give --server or --servers, not both');
  if (flag !== undefined && (typeof flag !== 'string' || flag.trim() === '')) throw new UsageError('--server needs host:port');
  let servers: ServerAddress[];
  try {
    servers = resolveServers(flag, env);
  } catch (err) {
    if (err instanceof AddressError) {
      const source = flag !== undefined ? '--server' : env.RQ_SERVERS ? 'RQ_SERVERS' : 'RQ_SERVER';
      throw new UsageError(`${source}: ${err.message}`);
    }
    throw err;
  }
  const timeout = raw[timeoutOption];
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0 || timeout > MAX_TIMEOUT_S) {
    throw new UsageError(`--${timeoutOption} must be a number of seconds above 0 and at most ${MAX_TIMEOUT_S}`);
  }
  return { servers, json: raw.json === true, timeoutMs: Math.ceil(timeout * 1000), security: securityPlan(raw, env) };
}

/** Reads --tls, --tls-ca, --user, --password, falling back on RQ_TLS_CA, RQ_USER and RQ_PASSWORD. */
export function securityPlan(raw: RawArgs, env: NodeJS.ProcessEnv): SecurityPlan {
  const text = (name: string, envName: string): string | undefined => {
    const v = raw[name];
    if (v !== undefined) {
      if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} needs a value`);
      return v;
    }
    return env[envName] || undefined;
  };
  const caFile = text('tls-ca', 'RQ_TLS_CA');
  const user = text('user', 'RQ_USER');
  const password = text('password', 'RQ_PASSWORD');
  if (user === undefined && password !== undefined) throw new UsageError('a password needs a user: give --user or RQ_USER');
  if (user !== undefined && password === undefined)
    throw new UsageError(`no password for ${user}: set RQ_PASSWORD (or give --password)`);
  let ca: Buffer | undefined;
  if (caFile !== undefined) {
    try {
      ca = fs.readFileSync(caFile);
    } catch (err) {
      throw new UsageError(`cannot read --tls-ca ${caFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  return { tls: raw.tls === true || caFile !== undefined, ca, user, password };
}

/**
 * A positional (or, with `label`, an option) that must be a single non-empty string (yargs may
 * hand over numbers). Messages name it as the user wrote it: `<queue>`, `--id-file`.
 */
export function stringArg(raw: RawArgs, name: string, label = `<${name}>`): string {
  const v = raw[name];
  if (v === undefined || v === null) throw new UsageError(`missing ${label}`);
  if (typeof v !== 'string' && typeof v !== 'number') throw new UsageError(`give ${label} once`);
  const s = String(v);
  if (s === '') throw new UsageError(label.startsWith('<') ? `${label} is empty` : `${label} needs a value`);
  return s;
}

/** `-n`: a whole number of items of at least 1, or `fallback` (Infinity: no limit) when absent. */
export function countArg(value: unknown, label: string, fallback: number): number {
  const n = value ?? fallback;
  if (typeof n !== 'number' || !(Number.isInteger(n) || n === Infinity) || n < 1) {
    throw new UsageError(`${label} must be a whole number of at least 1`);
  }
  return n;
}

/**
 * `--delay SECONDS` (fractions allowed) as ms, from 0 to the longest delay the server takes; 0 when
 * absent. rq push and rq release take it.
 */
export function delayArg(raw: RawArgs): number {
  return raw.delay === undefined ? 0 : secondsArg(raw.delay, '--delay', MAX_DELAY_MS / 1000);
}

/** A non-negative number of seconds as ms; `what` names the option in messages. */
export function secondsArg(value: unknown, what: string, maxSeconds: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > maxSeconds) {
    throw new UsageError(`${what} must be a number of seconds from 0 to ${maxSeconds}`);
  }
  return Math.round(value * 1000);
}
