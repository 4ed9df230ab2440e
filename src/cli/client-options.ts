/**
 * The options every client subcommand takes (--server, --json, --timeout) and what they mean.
 * Imports only pure modules: loading this must stay cheap (see fast-path.ts).
 */
import { DEFAULT_TIMEOUT_MS } from '../client/defaults.js';
import { AddressError, resolveServers, type ServerAddress } from '../client/servers.js';
import { UsageError, type OptionSpec, type RawArgs } from './command-spec.js';

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
    describe: 'Seconds to wait for a server to answer (beyond any --wait) before giving up with status 3',
    default: DEFAULT_TIMEOUT_MS / 1000,
  },
};

/** The longest --timeout: a day, as long as the longest wait. */
const MAX_TIMEOUT_S = 24 * 60 * 60;

export interface ClientPlan {
  readonly servers: readonly ServerAddress[];
  readonly json: boolean;
  readonly timeoutMs: number;
}

/** Reads the shared options; throws UsageError. The environment supplies servers not given. */
export function clientPlan(raw: RawArgs, env: NodeJS.ProcessEnv = process.env): ClientPlan {
  const flag = raw.server ?? raw.servers;
  if (raw.server !== undefined && raw.servers !== undefined) throw new UsageError('give --server or --servers, not both');
  if (flag !== undefined && (typeof flag !== 'string' || flag.trim() === '')) throw new UsageError('--server needs host:port');
  let servers: ServerAddress[];
  try {
    servers = resolveServers(flag as string | undefined, env);
  } catch (err) {
    if (err instanceof AddressError) {
      const source = flag !== undefined ? '--server' : env.RQ_SERVERS ? 'RQ_SERVERS' : 'RQ_SERVER';
      throw new UsageError(`${source}: ${err.message}`);
    }
    throw err;
  }
  const timeout = raw.timeout;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0 || timeout > MAX_TIMEOUT_S) {
    throw new UsageError(`--timeout must be a number of seconds above 0 and at most ${MAX_TIMEOUT_S}`);
  }
  return { servers, json: raw.json === true, timeoutMs: Math.ceil(timeout * 1000) };
}

/** A positional that must be a single non-empty string (yargs may hand over numbers). */
export function stringArg(raw: RawArgs, name: string): string {
  const v = raw[name];
  if (v === undefined || v === null) throw new UsageError(`missing <${name}>`);
  const s = String(v);
  if (s === '') throw new UsageError(`<${name}> is empty`);
  return s;
}

/** A non-negative number of seconds as ms; `what` names the option in messages. */
export function secondsArg(value: unknown, what: string, maxSeconds: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > maxSeconds) {
    throw new UsageError(`${what} must be a number of seconds from 0 to ${maxSeconds}`);
  }
  return Math.round(value * 1000);
}
