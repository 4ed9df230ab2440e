/**
 * Which servers `rq top` watches: --server (or its synonym --servers) with one address or several
 * separated by commas, else RQ_SERVERS, else RQ_SERVER, else the local default; as the client
 * subcommands read them. Each is `host:port`, `host` (default port) or `[v6]:port`. When the client
 * library lands, its resolveServers can replace this file.
 */
import { DEFAULT_HOST, DEFAULT_PORT } from '../server/defaults.js';

/** Parses one address into canonical `host:port` (IPv6 in brackets). Throws with a reason. */
export function parseAddress(text: string): string {
  const t = text.trim();
  if (t === '') throw new Error('empty server address');
  let host: string;
  let port: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(t);
  if (v6) {
    host = `[${v6[1]}]`;
    port = v6[2];
  } else if ((t.match(/:/g) ?? []).length > 1) {
    throw new Error(`server address ${JSON.stringify(t)}: put an IPv6 address in brackets, as in [::1]:${DEFAULT_PORT}`);
  } else {
    const at = t.lastIndexOf(':');
    host = at < 0 ? t : t.slice(0, at);
    port = at < 0 ? undefined : t.slice(at + 1);
  }
  if (host === '' || /[\s/]/.test(host)) throw new Error(`server address ${JSON.stringify(t)} has no valid host`);
  if (port === undefined) return `${host}:${DEFAULT_PORT}`;
  if (!/^[0-9]{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    throw new Error(`server address ${JSON.stringify(t)}: the port must be 1–65535`);
  }
  return `${host}:${Number(port)}`;
}

function list(text: string): string[] {
  return text.split(',').map(parseAddress);
}

export function resolveServers(args: { server?: string; servers?: string }, env: NodeJS.ProcessEnv): string[] {
  if (args.server !== undefined && args.servers !== undefined) throw new Error('give --server or --servers, not both');
  const flag = args.server ?? args.servers;
  const chosen = flag !== undefined ? list(flag)
    : env.RQ_SERVERS ? list(env.RQ_SERVERS)
    : env.RQ_SERVER ? list(env.RQ_SERVER)
    : [`${DEFAULT_HOST}:${DEFAULT_PORT}`];
  return [...new Set(chosen)];
}

/** Splits canonical `host:port` for node:net. */
export function splitAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at);
  return { host: host.startsWith('[') ? host.slice(1, -1) : host, port: Number(address.slice(at + 1)) };
}
