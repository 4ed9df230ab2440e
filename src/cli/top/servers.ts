/**
 * Which servers `rq top` watches, read as every client subcommand reads them (the client library's
 * resolveServers): --server (or its synonym --servers) with one address or several separated by
 * commas, else RQ_SERVERS, else RQ_SERVER, else 127.0.0.1:22133. Returned as `host:port` names.
 */
import { formatAddress, resolveServers } from '../../client/index.js';

/** The servers for the options and environment; throws with a reason fit for a usage error. */
export function topServers(args: { server?: unknown; servers?: unknown }, env: NodeJS.ProcessEnv): string[] {
  for (const name of ['server', 'servers'] as const) {
    if (Array.isArray(args[name])) throw new Error(`give --${name} once, with the addresses separated by commas`);
  }
  if (args.server !== undefined && args.servers !== undefined) throw new Error('give --server or --servers, not both');
  const flag = args.server ?? args.servers;
  if (flag !== undefined && typeof flag !== 'string') throw new Error('--server needs host:port');
  return resolveServers(flag, env).map(formatAddress);
}
