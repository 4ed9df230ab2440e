/**
 * Item ids as users give them to `rq ack` and `rq release`: `42`, or `42@host:port` when several
 * servers are in use (ids are unique per server only; `rq pop --lease` prints the second form then).
 */
import { AddressError, formatAddress, parseAddress, type ServerAddress } from '../../client/servers.js';
import { UsageError } from '../command-spec.js';

export interface ItemRef {
  readonly id: number;
  /** `host:port`, or undefined for the only server. */
  readonly server?: string;
  /** As the user wrote it, for messages. */
  readonly text: string;
}

export function parseItemRef(text: string, servers: readonly ServerAddress[]): ItemRef {
  const at = text.indexOf('@');
  const idText = at < 0 ? text : text.slice(0, at);
  if (!/^[0-9]{1,16}$/.test(idText) || !Number.isSafeInteger(Number(idText)) || Number(idText) < 1) {
    throw new UsageError(`${JSON.stringify(text)} is not an item id (a positive whole number, as rq pop --lease prints)`);
  }
  const id = Number(idText);
  const names = servers.map(formatAddress);
  if (at < 0) {
    if (servers.length > 1) {
      throw new UsageError(`with several servers, give the id as rq pop --lease printed it: ${id}@host:port`);
    }
    return { id, text };
  }
  let server: string;
  try {
    server = formatAddress(parseAddress(text.slice(at + 1)));
  } catch (err) {
    if (err instanceof AddressError) throw new UsageError(`${JSON.stringify(text)}: ${err.message}`);
    throw err;
  }
  if (!names.includes(server)) {
    throw new UsageError(
      `${JSON.stringify(text)}: ${server} is not among the servers (${names.join(', ')}); add it with --server`,
    );
  }
  return { id, server, text };
}
