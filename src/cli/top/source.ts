/**
 * THE ADAPTER between `rq top` (src/tui/, which only knows the StatsSource interface) and the
 * servers: the client library (src/client), one RqClient per server, so that each server's stats
 * and peeks go to that server alone.
 *
 * A client drops a connection that failed and opens a new one on the next request, so a server
 * that comes back is reached on the next poll. The client's errors read "host:port: reason"; the
 * address is shown on the server's line already, so only the reason is passed on.
 */
import type { Security } from '../../client/connect.js';
import { parseAddress, RqClient, RqClientError } from '../../client/index.js';
import type { HeadItem, StatsPairs, StatsSource } from '../../tui/source.js';

/** An error whose message is the reason alone, keeping the client's error as its cause. */
function reason(err: unknown): unknown {
  if (!(err instanceof RqClientError)) return err;
  const prefix = `${err.server}: `;
  return new Error(err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message, { cause: err });
}

export function createTopSource(options: { timeoutMs: number; security?: Security }): StatsSource {
  const clients = new Map<string, RqClient>();
  const clientFor = (server: string): RqClient => {
    let c = clients.get(server);
    if (c === undefined) {
      c = new RqClient({ servers: [parseAddress(server)], timeoutMs: options.timeoutMs, security: options.security });
      clients.set(server, c);
    }
    return c;
  };
  const call = async <T>(server: string, request: (c: RqClient) => Promise<T>): Promise<T> => {
    try {
      return await request(clientFor(server));
    } catch (err) {
      throw reason(err);
    }
  };
  return {
    stats: (server): Promise<StatsPairs> => call(server, (c) => c.statsOf(c.names[0])),
    peek: (server, queue): Promise<HeadItem | null> =>
      call(server, async (c) => {
        const item = await c.peek(queue);
        return item === null ? null : { data: item.data, flags: item.flags, id: item.id, deliveries: item.deliveries };
      }),
    close: () => {
      for (const c of clients.values()) c.close();
      clients.clear();
    },
  };
}
