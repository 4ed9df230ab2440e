/**
 * THE ADAPTER between `rq top` (src/tui/, which only knows the StatsSource interface) and the
 * servers. Until the client library (src/client, issue 3) lands, this speaks the memcache TEXT
 * protocol itself over node:net: `stats` → `STAT name value` … `END`, and `gets <q>/peek` for the
 * head item. Switching to the client library is a change to this file only: make createTopSource()
 * return an object whose stats()/peek()/close() call the client.
 *
 * One connection per server, reused across polls (so rq top adds one connection, not one a second,
 * to the server's figures); requests on it are answered in order. Every request has a deadline, and
 * a reply that is malformed, an error line or larger than MAX_REPLY closes the connection and
 * rejects, so the next poll starts clean.
 */
import net from 'node:net';
import type { HeadItem, StatsPairs, StatsSource } from '../tui/source.js';
import { splitAddress } from './top-servers.js';

/** A stats reply of ten thousand queues is a few MB; past this the server is misbehaving. */
const MAX_REPLY = 64 * 1024 * 1024;

/** Parses a complete reply at the start of `buf`: the value and the bytes it used, or null for "need more". */
type Parse<T> = (buf: Buffer) => { value: T; used: number } | null;

class ReplyError extends Error {}

const ERROR_LINE = /^(ERROR|CLIENT_ERROR|SERVER_ERROR)\b/;

function line(buf: Buffer, from: number): { text: string; next: number } | null {
  const end = buf.indexOf('\r\n', from);
  return end < 0 ? null : { text: buf.toString('latin1', from, end), next: end + 2 };
}

const parseStats: Parse<StatsPairs> = (buf) => {
  const pairs: Array<[string, string]> = [];
  for (let at = 0; ;) {
    const l = line(buf, at);
    if (l === null) return null;
    if (l.text === 'END') return { value: pairs, used: l.next };
    if (ERROR_LINE.test(l.text)) throw new ReplyError(l.text);
    const m = /^STAT (\S+) (.*)$/.exec(l.text);
    if (!m) throw new ReplyError(`unexpected stats line ${JSON.stringify(l.text.slice(0, 60))}`);
    pairs.push([m[1], m[2]]);
    at = l.next;
  }
};

const parsePeek: Parse<HeadItem | null> = (buf) => {
  const l = line(buf, 0);
  if (l === null) return null;
  if (l.text === 'END') return { value: null, used: l.next };
  if (ERROR_LINE.test(l.text)) throw new ReplyError(l.text);
  const m = /^VALUE \S+ ([0-9]+) ([0-9]+)(?: ([0-9]+))?$/.exec(l.text);
  if (!m) throw new ReplyError(`unexpected reply ${JSON.stringify(l.text.slice(0, 60))}`);
  const size = Number(m[2]);
  const dataEnd = l.next + size;
  const end = line(buf, dataEnd + 2);
  if (buf.length < dataEnd + 2 || end === null) return null;
  if (buf.toString('latin1', dataEnd, dataEnd + 2) !== '\r\n' || end.text !== 'END') throw new ReplyError('malformed VALUE reply');
  const item: HeadItem = { flags: Number(m[1]), data: Buffer.from(buf.subarray(l.next, dataEnd)), ...(m[3] ? { id: Number(m[3]) } : {}) };
  return { value: item, used: end.next };
};

interface Pending {
  parse: Parse<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

class TextConnection {
  /** Bytes received and not yet parsed, as chunks (joined only when a reply may be complete). */
  private chunks: Buffer[] = [];
  private size = 0;
  private readonly pending: Pending[] = [];
  private readonly socket: net.Socket;
  closed = false;

  constructor(address: string, private readonly timeoutMs: number) {
    const { host, port } = splitAddress(address);
    this.socket = net.connect({ host, port });
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk) => this.receive(chunk));
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => this.fail(Object.assign(new Error('connection closed'), { code: 'ECONNRESET' })));
  }

  request<T>(text: string, parse: Parse<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`no reply within ${Math.round(this.timeoutMs / 1000)} s`)), this.timeoutMs);
      this.pending.push({ parse, resolve: resolve as (v: unknown) => void, reject, timer });
      this.socket.write(text, 'latin1');
    });
  }

  private receive(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size > MAX_REPLY) return this.fail(new Error('reply too large'));
    // Every reply ends with a line end, so only a chunk holding one can complete a reply: no
    // re-parsing (or copying) of a large reply for each of its chunks.
    if (!chunk.includes(0x0a)) return;
    let buffer = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    try {
      while (this.pending.length > 0) {
        const done = this.pending[0].parse(buffer);
        if (done === null) break;
        const p = this.pending.shift()!;
        clearTimeout(p.timer);
        buffer = buffer.subarray(done.used);
        p.resolve(done.value);
      }
    } catch (err) {
      return this.fail(err as Error);
    }
    if (this.pending.length === 0 && buffer.length > 0) return this.fail(new Error('reply nobody asked for'));
    this.chunks = buffer.length > 0 ? [buffer] : [];
    this.size = buffer.length;
  }

  /** Closes the connection and rejects everything waiting on it. */
  fail(err: Error): void {
    this.closed = true;
    this.socket.destroy();
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(err);
    }
  }
}

export function createTopSource(options: { timeoutMs: number }): StatsSource {
  const connections = new Map<string, TextConnection>();
  const connection = (server: string): TextConnection => {
    let c = connections.get(server);
    if (c === undefined || c.closed) {
      c = new TextConnection(server, options.timeoutMs);
      connections.set(server, c);
    }
    return c;
  };
  return {
    stats: async (server) => connection(server).request('stats\r\n', parseStats),
    peek: async (server, queue) => connection(server).request(`gets ${queue}/peek\r\n`, parsePeek),
    close: () => {
      for (const c of connections.values()) c.fail(new Error('closed'));
      connections.clear();
    },
  };
}
