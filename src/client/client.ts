/**
 * rq's client library: the one way the CLI (and `rq top`) talks to servers. It sits above
 * protocol/ (keys, binary packets) and knows nothing of the queue engine or the journal.
 *
 * Single requests (push one item, reserve, ack, release, peek, stats, flush) go through memjs
 * (memjs-server.ts); bulk transfers (a stream of pushes, a pop of many items) through a pipelined
 * connection of our own (pipe.ts), for the reasons given there. Each path is loaded when first
 * used, so that a one-shot command loads only what it needs. Several servers are independent
 * (servers.ts): pushes spread round-robin, pops look everywhere. Results that mean "nothing there"
 * are null or false; failures to talk to a server are RqClientError.
 */
import { STATUS, STATUS_TEXT } from '../protocol/binary/constants.js';
import { readCas } from '../protocol/binary/packet.js';
import { exptimeFor } from '../protocol/exptime.js';
import { DEAD_LETTERED_REPLY } from '../protocol/key.js';
import type { Security } from './connect.js';
import { DEFAULT_TIMEOUT_MS, MULTI_WAIT_SLICE_MS, WAIT_SLICE_MS } from './defaults.js';
import { RqClientError } from './errors.js';
import type { Item } from './item.js';
import { ackIdKey, deliveriesOf, peekKey, releaseIdKey, reserveKey, setKey, touchKey, wireName } from './keys.js';
import type { MemjsServer, Reply } from './memjs-server.js';
import type { PopManyReport } from './pop-many.js';
import type { Deliver } from './pop-session.js';
import type { PushReport } from './push-stream.js';
import {
  encodeDelete,
  encodeFlush,
  encodeGet,
  encodePushItems,
  encodeSets,
  encodeTouch,
  errorText,
  flagsOf,
  type PushItem,
} from './requests.js';
import { formatAddress, Rotation, type ServerAddress } from './servers.js';
import type { ServerStats, StatsPairs } from './stats.js';

export interface ClientOptions {
  readonly servers: readonly ServerAddress[];
  /** How long a request may go unanswered beyond its own wait, in ms. */
  readonly timeoutMs?: number;
  /** Where the round-robin starts; random unless given (tests pin it). */
  readonly rotationStart?: number;
  /** Told about each server skipped because it could not be reached. */
  readonly onServerSkipped?: (error: RqClientError) => void;
  /** TLS and a login for every connection (connect.ts); plain TCP when absent. */
  readonly security?: Security;
}

export interface PushOptions {
  /** Seconds until the item expires; 0 or absent = never. */
  readonly ttlSeconds?: number;
  /** memcache flags stored with the item. */
  readonly flags?: number;
  /** Ms until the item becomes ready (invisible to reserve and peek until then); 0 or absent = at once. */
  readonly delayMs?: number;
}

/**
 * What release() did: put the item back (true), found it not open (false), or saw the server move
 * it to `<queue>.dead` instead (`'dead-lettered'`).
 */
export type Released = boolean | 'dead-lettered';

export interface ReleaseOptions {
  /** Ms until the item is ready again, at the tail in due order; 0 or absent = at once, at the head. */
  readonly delayMs?: number;
}

export interface ReserveOptions {
  /** How long to wait for an item when the queues are empty, in ms (Infinity = until one comes). */
  readonly waitMs?: number;
  /** Reserve with a lease of this many ms: the reservation survives this client's connection. */
  readonly leaseMs?: number;
}

export { exptimeFor };

export class RqClient {
  readonly servers: readonly ServerAddress[];
  /** The servers as `host:port`, in the order given. */
  readonly names: readonly string[];
  private readonly timeoutMs: number;
  private readonly rotation: Rotation;
  private readonly connections: Array<Promise<MemjsServer> | undefined>;
  private readonly onServerSkipped: (error: RqClientError) => void;
  private readonly security: Security | undefined;

  constructor(options: ClientOptions) {
    if (options.servers.length === 0) throw new Error('RqClient needs at least one server');
    this.servers = options.servers;
    this.names = options.servers.map(formatAddress);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.rotation = new Rotation(options.servers.length, options.rotationStart);
    this.connections = options.servers.map(() => undefined);
    this.onServerSkipped = options.onServerSkipped ?? (() => {});
    this.security = options.security;
  }

  /** Pushes one item to one server; resolves with the server that stored it. */
  async push(queue: string, data: Buffer | string, options: PushOptions = {}): Promise<string> {
    const wire = setKey(wireName(queue), options.delayMs);
    const items = [typeof data === 'string' ? Buffer.from(data) : data];
    const exptime = exptimeFor(options.ttlSeconds ?? 0, Date.now());
    let lastSkip: RqClientError | null = null;
    for (const i of this.rotation.pushOrder()) {
      let reply: Reply;
      try {
        const conn = await this.connection(i);
        reply = await conn.request((opaque) => encodeSets(wire, items, options.flags ?? 0, exptime, opaque));
      } catch (err) {
        // Move on only when nothing was sent; otherwise the item may be stored and a retry would duplicate it.
        if (!(err instanceof RqClientError) || !err.notSent) throw err;
        this.onServerSkipped(err);
        lastSkip = err;
        continue;
      }
      if (reply.header.status !== STATUS.SUCCESS) throw this.refusal(i, reply);
      return this.names[i];
    }
    throw lastSkip ?? new RqClientError('unreachable', this.names.join(','), 'no server could be reached');
  }

  /**
   * Pushes every item of `source` (arrays of items, as a splitter yields them), pipelined.
   * Never throws for a server failure: the report says what was confirmed and what was not.
   */
  async pushAll(queue: string, source: AsyncIterable<readonly Buffer[]>, options: PushOptions = {}): Promise<PushReport> {
    const wire = setKey(wireName(queue), options.delayMs);
    const flags = options.flags ?? 0;
    const exptime = exptimeFor(options.ttlSeconds ?? 0, Date.now());
    const { pushStream } = await import('./push-stream.js');
    return pushStream(
      this.servers,
      this.rotation,
      source,
      {
        bytes: (item) => item.length,
        encode: (batch, firstOpaque) => encodeSets(wire, batch, flags, exptime, firstOpaque),
      },
      { timeoutMs: this.timeoutMs, security: this.security },
    );
  }

  /**
   * Pushes items that each name their queue and keep their flags and expiry (moving items between
   * servers, as `rq replay-journal --push-to` does), pipelined and reported as pushAll. Refused
   * items (a bad name, a full queue) are counted in the report, not thrown.
   */
  async pushItems(source: AsyncIterable<readonly PushItem[]>): Promise<PushReport> {
    const { pushStream } = await import('./push-stream.js');
    return pushStream(
      this.servers,
      this.rotation,
      source,
      {
        bytes: (item) => item.data.length,
        encode: encodePushItems,
      },
      { timeoutMs: this.timeoutMs, security: this.security },
    );
  }

  /**
   * Pops up to `count` items, handing them to `deliver` and acknowledging each only after deliver
   * resolved for it; if deliver rejects, the items it was given are released (but for those a
   * PartlyDelivered rejection counts as delivered) and the rejection is passed on. Resolves with
   * how many were popped.
   */
  async popMany(
    queue: string,
    options: { count: number; waitMs?: number; signal?: AbortSignal; onConnected?: (server: string) => void },
    deliver: Deliver,
  ): Promise<PopManyReport> {
    const { popMany } = await import('./pop-many.js');
    return popMany(
      this.servers,
      this.rotation,
      queue,
      {
        count: options.count,
        waitMs: options.waitMs ?? 0,
        timeoutMs: this.timeoutMs,
        security: this.security,
        signal: options.signal,
        onConnected: options.onConnected,
      },
      deliver,
    );
  }

  /**
   * Reserves the head item (the first found, trying the servers in turn). The reservation belongs
   * to this client's connection: it is released if the client closes without ack() — unless leased.
   */
  async reserve(queue: string, options: ReserveOptions = {}): Promise<Item | null> {
    const wire = wireName(queue);
    const waitMs = options.waitMs ?? 0;
    const until = waitMs === Infinity ? Infinity : Date.now() + waitMs;
    const order = this.rotation.popOrder();
    const single = order.length === 1;
    const slice = single ? WAIT_SLICE_MS : MULTI_WAIT_SLICE_MS;
    const down = new Set<number>();
    let first = true;
    for (;;) {
      for (const i of order) {
        if (down.has(i)) continue;
        const left = until - Date.now();
        // The first pass never waits: an item on any server beats waiting on one.
        const wait = first && !single ? 0 : Math.max(0, Math.min(slice, left));
        const key = reserveKey(wire, { waitMs: wait, leaseMs: options.leaseMs });
        const item = await this.fetchItem(i, queue, key, wait, down);
        if (item !== null) return item;
      }
      first = false;
      if (down.size === order.length) throw this.allDown;
      if (Date.now() >= until) return null;
    }
  }

  /**
   * The head item of the queue without reserving it: the first found, trying the servers in turn,
   * or on `server` only (`rq top` shows each server's head).
   */
  async peek(queue: string, server?: string): Promise<Item | null> {
    const key = peekKey(wireName(queue));
    const down = new Set<number>();
    const order = server === undefined ? this.rotation.popOrder() : [this.serverIndex(server)];
    for (const i of order) {
      const item = await this.fetchItem(i, queue, key, 0, down);
      if (item !== null) return item;
    }
    if (down.size === order.length) throw this.allDown;
    return null;
  }

  /** Acknowledges item `id` (from any connection). False when it is not open there. */
  async ack(queue: string, id: number, server?: string): Promise<boolean> {
    return this.deleteKey(this.serverIndex(server), ackIdKey(wireName(queue), id));
  }

  /**
   * Puts item `id` back at the head of its queue, or with `delayMs` at its tail once that many ms
   * have passed. False when it is not open there; `'dead-lettered'` when the server moved it to
   * `<queue>.dead` instead, as it had had its last delivery (`rq serve --max-deliveries`).
   */
  async release(queue: string, id: number, server?: string, options: ReleaseOptions = {}): Promise<Released> {
    const i = this.serverIndex(server);
    const key = releaseIdKey(wireName(queue), id, options.delayMs);
    const reply = await (await this.connection(i)).request((opaque) => encodeDelete(key, opaque));
    if (!this.found(i, reply)) return false;
    return reply.val.toString('latin1') === DEAD_LETTERED_REPLY ? 'dead-lettered' : true;
  }

  /**
   * Renews the lease of item `id` (reserved by anyone) to `leaseMs` from now. False when it is not
   * open there (never reserved, or acknowledged, released or its lease already over).
   */
  async touch(queue: string, id: number, leaseMs: number, server?: string): Promise<boolean> {
    const i = this.serverIndex(server);
    const key = touchKey(wireName(queue), id, leaseMs);
    const reply = await (await this.connection(i)).request((opaque) => encodeTouch(key, leaseMs, opaque));
    return this.found(i, reply);
  }

  /** Removes every ready item of the queue on every server (open reservations stay open). */
  async flush(queue: string): Promise<void> {
    const key = wireName(queue);
    await Promise.all(
      this.servers.map(async (_, i) => {
        const reply = await (await this.connection(i)).request((opaque) => encodeFlush(key, opaque));
        if (reply.header.status !== STATUS.SUCCESS) throw this.refusal(i, reply);
      }),
    );
  }

  /**
   * Removes the queue with everything in it, open reservations included (`delete_queue`), on every
   * server. Resolves with whether each server had it, in the order of `servers`.
   */
  async dropQueue(queue: string): Promise<boolean[]> {
    const key = wireName(queue);
    const { textCommand } = await import('./text-command.js');
    return Promise.all(
      this.servers.map(async (address, i) => {
        const reply = await textCommand(address, this.security, this.timeoutMs, `delete_queue ${key}`);
        if (reply === 'DELETED') return true;
        if (reply === 'NOT_FOUND') return false;
        throw new RqClientError('protocol', this.names[i], reply);
      }),
    );
  }

  /** One server's `stats` pairs, in the server's order. Rejects with RqClientError. */
  async statsOf(server: string): Promise<StatsPairs> {
    return (await this.connection(this.serverIndex(server))).stats();
  }

  /** Every server's stats, parsed; a server that cannot answer is `down`, never an exception. */
  async stats(): Promise<ServerStats[]> {
    const { parseStats } = await import('./stats.js');
    return Promise.all(
      this.names.map(async (server): Promise<ServerStats> => {
        try {
          return { server, state: 'up', ...parseStats(await this.statsOf(server)) };
        } catch (err) {
          const error = err instanceof RqClientError ? err : new RqClientError('protocol', server, String(err));
          return { server, state: 'down', error };
        }
      }),
    );
  }

  /** Closes every connection; the servers release what this client reserved without a lease. */
  close(): void {
    for (const c of this.connections)
      c?.then(
        (conn) => conn.close(),
        () => {},
      );
  }

  /** Drops every connection at once: requests in flight fail; the servers release what they held. */
  destroy(): void {
    for (const c of this.connections)
      c?.then(
        (conn) => conn.destroy(),
        () => {},
      );
  }

  private get allDown(): RqClientError {
    return new RqClientError('unreachable', this.names.join(','), 'no server could be reached');
  }

  /**
   * The connection to server i, opened on first use and kept while it works. One that could not
   * be opened or broke (refused, reset, closed by either side, timed out) is dropped at once, so
   * the next request opens a new one, with the same deadlines: a long-lived client (`rq top`,
   * `rq work`) reaches a server again when it comes back.
   */
  private connection(i: number): Promise<MemjsServer> {
    const cached = this.connections[i];
    if (cached !== undefined) return cached;
    const drop = () => {
      if (this.connections[i] === connecting) this.connections[i] = undefined;
    };
    const connecting = import('./memjs-server.js').then(({ MemjsServer }) =>
      MemjsServer.create(this.servers[i], this.timeoutMs, drop, this.security),
    );
    connecting.catch(drop);
    this.connections[i] = connecting;
    return connecting;
  }

  /** The index of a server named `host:port`; with no name, the only server. */
  private serverIndex(server: string | undefined): number {
    if (server === undefined) {
      if (this.servers.length === 1) return 0;
      throw new Error('with several servers, say which one holds the item');
    }
    const i = this.names.indexOf(server);
    if (i < 0) throw new Error(`${server} is not one of this client's servers (${this.names.join(', ')})`);
    return i;
  }

  /** A GET that returns an item or null; a server that cannot be reached is skipped and remembered. */
  private async fetchItem(i: number, queue: string, key: string, waitMs: number, down: Set<number>): Promise<Item | null> {
    let reply: Reply;
    try {
      reply = await (await this.connection(i)).request((opaque) => encodeGet(key, opaque), waitMs);
    } catch (err) {
      if (!(err instanceof RqClientError) || this.servers.length === 1) throw err;
      // A reply lost on a broken connection is released by the server; trying elsewhere loses nothing.
      down.add(i);
      this.onServerSkipped(err);
      return null;
    }
    const status = reply.header.status;
    if (status === STATUS.KEY_NOT_FOUND) return null;
    if (status !== STATUS.SUCCESS) throw this.refusal(i, reply);
    const deliveries = deliveriesOf(reply.key);
    if (deliveries === null)
      throw new RqClientError('protocol', this.names[i], 'the reply has no delivery count (a server older than this client?)');
    // memjs hands over the header's 8 CAS bytes: the item id (docs/protocol.md: binary GET).
    return { queue, id: readCas(reply.header.cas, 0), data: reply.val, flags: flagsOf(reply), server: this.names[i], deliveries };
  }

  private async deleteKey(i: number, key: string): Promise<boolean> {
    return this.found(i, await (await this.connection(i)).request((opaque) => encodeDelete(key, opaque)));
  }

  /** A reply that says done (true) or not found (false); anything else is a refusal. */
  private found(i: number, reply: Reply): boolean {
    const status = reply.header.status;
    if (status === STATUS.SUCCESS) return true;
    if (status === STATUS.KEY_NOT_FOUND) return false;
    throw this.refusal(i, reply);
  }

  private refusal(i: number, reply: Reply): RqClientError {
    const status = reply.header.status;
    return new RqClientError('protocol', this.names[i], errorText(reply.val, STATUS_TEXT[status] ?? `status ${status}`), status);
  }
}
