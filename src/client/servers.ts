/**
 * Server addresses and how the client spreads work over several servers (docs/client.md).
 *
 * Each server is independent, as in kestrel: a push goes to one server, chosen round-robin and
 * skipping servers that are down; a pop asks the servers in turn, starting from a different one on
 * each call, and takes the first item it finds. Nothing orders items across servers.
 * Pure: no sockets here.
 */
import { DEFAULT_HOST, DEFAULT_PORT } from './defaults.js';

export interface ServerAddress {
  readonly host: string;
  readonly port: number;
}

export class AddressError extends Error {
  override readonly name = 'AddressError';
}

/** `host:port` as users write it, with IPv6 hosts in brackets. */
export function formatAddress(a: ServerAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** Parses `host`, `host:port`, `[v6]` or `[v6]:port`; the port defaults to rq's 22133. Throws AddressError. */
export function parseAddress(text: string): ServerAddress {
  const s = text.trim();
  if (s === '') throw new AddressError('empty server address');
  let host: string;
  let portText: string | undefined;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) throw new AddressError(`${JSON.stringify(text)}: missing ] after an IPv6 address`);
    host = s.slice(1, close);
    const rest = s.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) throw new AddressError(`${JSON.stringify(text)}: expected :port after ]`);
    portText = rest === '' ? undefined : rest.slice(1);
  } else {
    const colon = s.lastIndexOf(':');
    if (colon >= 0 && s.indexOf(':') !== colon) {
      throw new AddressError(`${JSON.stringify(text)}: write an IPv6 address in brackets, as [::1]:22133`);
    }
    host = colon < 0 ? s : s.slice(0, colon);
    portText = colon < 0 ? undefined : s.slice(colon + 1);
  }
  if (host === '') throw new AddressError(`${JSON.stringify(text)}: missing host`);
  if (/[\s/]/.test(host)) throw new AddressError(`${JSON.stringify(text)}: not a host name`);
  let port = DEFAULT_PORT;
  if (portText !== undefined) {
    if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      throw new AddressError(`${JSON.stringify(text)}: the port must be a number from 1 to 65535`);
    }
    port = Number(portText);
  }
  return { host, port };
}

/** Parses a comma-separated list of addresses; duplicates are refused (they would skew the rotation). */
export function parseServerList(text: string): ServerAddress[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.every((p) => p === '')) throw new AddressError('no server given');
  const list = parts.filter((p) => p !== '').map(parseAddress);
  const seen = new Set<string>();
  for (const a of list) {
    const key = formatAddress(a);
    if (seen.has(key)) throw new AddressError(`${key} is listed twice`);
    seen.add(key);
  }
  return list;
}

/**
 * Which servers, in precedence order: the command line, then RQ_SERVERS, then RQ_SERVER,
 * then the local default.
 */
export function resolveServers(flag: string | undefined, env: NodeJS.ProcessEnv): ServerAddress[] {
  const text = flag ?? (env.RQ_SERVERS || undefined) ?? (env.RQ_SERVER || undefined);
  return text === undefined ? [{ host: DEFAULT_HOST, port: DEFAULT_PORT }] : parseServerList(text);
}

/**
 * The rotation over n servers. `start` is where this client begins; clients in different processes
 * start at random places so that many short-lived `rq push` processes spread over the servers too.
 */
export class Rotation {
  private nextPush: number;
  private nextPop: number;

  constructor(
    readonly size: number,
    start = Math.floor(Math.random() * size),
  ) {
    if (size < 1) throw new Error('a rotation needs at least one server');
    this.nextPush = start % size;
    this.nextPop = start % size;
  }

  /** Server indexes for one push: the next server first, then the rest in order as fallbacks. */
  pushOrder(): number[] {
    const first = this.nextPush;
    this.nextPush = (first + 1) % this.size;
    return this.orderFrom(first);
  }

  /** Server indexes for one pop: every server once, starting one further along on each call. */
  popOrder(): number[] {
    const first = this.nextPop;
    this.nextPop = (first + 1) % this.size;
    return this.orderFrom(first);
  }

  private orderFrom(first: number): number[] {
    const order: number[] = [];
    for (let i = 0; i < this.size; i++) order.push((first + i) % this.size);
    return order;
  }
}
