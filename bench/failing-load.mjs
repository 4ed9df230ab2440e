// The load of `journal-churn.mjs --failing`: work that fails, over the text protocol on raw sockets.
// Each connection loops on one request per cycle: `delete` (or release) of the item it holds, a `set`
// and a `get`, pipelined in one write. Of the items it sets, POISON_SHARE are poison (a worker always
// releases them, with RETRY_DELAY_MS, as `rq work` does, until the server's --max-deliveries moves
// them to `<queue>.dead`) and, independently, DELAYED_SHARE are set with `delay=` (uniform from 1 ms
// to MAX_DELAY_MS). The rest are acknowledged. Nothing here waits for time: a cycle is sent as soon
// as the previous one is answered.
import net from 'node:net';

export const POISON_SHARE = 0.01;
export const DELAYED_SHARE = 0.1;
/** Long enough that a delayed item outlives several journal segments (8 MiB each) at this rate. */
export const MAX_DELAY_MS = 30_000;
/** How long a released poison item stays away: a short back-off, as rq work's first ones. */
export const RETRY_DELAY_MS = 100;

const POISON = 0x50; // 'P', the first byte of a poison item's data
const GOOD = 0x47; // 'G'

/** One connection's replies, read in the order its requests were sent. */
class Replies {
  constructor(socket) {
    this.buf = Buffer.alloc(0);
    this.expect = [];
    this.got = [];
    this.done = null;
    socket.on('data', (d) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.pump();
    });
  }

  /** Resolves with the replies to `kinds` ('line' or 'get') once all have come. */
  await(kinds) {
    this.expect = kinds;
    this.got = [];
    return new Promise((resolve, reject) => {
      this.done = { resolve, reject };
      this.pump();
    });
  }

  pump() {
    let pos = 0;
    while (this.done !== null && this.got.length < this.expect.length) {
      const parsed = parse(this.buf, pos, this.expect[this.got.length]);
      if (parsed === null) break;
      if (parsed.error) {
        const done = this.done;
        this.done = null;
        done.reject(new Error(parsed.error));
        return;
      }
      this.got.push(parsed.value);
      pos = parsed.next;
    }
    this.buf = this.buf.subarray(pos);
    if (this.done !== null && this.got.length === this.expect.length) {
      const done = this.done;
      this.done = null;
      done.resolve(this.got);
    }
  }
}

/** One reply at `pos`: a line, or a get's (null for none, else the item's first data byte); null if incomplete. */
function parse(buf, pos, kind) {
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return null;
  const line = buf.toString('latin1', pos, eol);
  if (kind === 'line') {
    return line === 'STORED' || line === 'DELETED' ? { next: eol + 2, value: line } : { error: `unexpected reply: ${line}` };
  }
  if (line === 'END') return { next: eol + 2, value: null };
  if (!line.startsWith('VALUE ')) return { error: `unexpected reply to get: ${line}` };
  const bytes = Number(line.split(' ')[3]);
  const end = eol + 2 + bytes + 2 + 5; // data, CRLF, END CRLF
  if (buf.length < end) return null;
  return { next: end, value: buf[eol + 2] };
}

export class FailingLoad {
  /** Opens `conns` connections to the server on `port`, for items of `size` bytes on `queue`. */
  static async open(port, queue, size, conns) {
    const sockets = await Promise.all(
      Array.from(
        { length: conns },
        () =>
          new Promise((resolve, reject) => {
            const s = net.connect(port, '127.0.0.1', () => resolve(s));
            s.once('error', reject);
            s.setNoDelay(true);
          }),
      ),
    );
    return new FailingLoad(sockets, queue, size);
  }

  constructor(sockets, queue, size) {
    this.sockets = sockets;
    this.queue = queue;
    this.size = size;
    this.counts = { cycles: 0, pushedBytes: 0, poison: 0, delayed: 0, acked: 0, released: 0 };
    this.held = sockets.map(() => null);
    this.replies = sockets.map((s) => new Replies(s));
  }

  /** Sets `items` good items, pipelined on the first connection: the live data the churn runs through. */
  async prefill(items) {
    const data = Buffer.alloc(this.size, GOOD);
    const head = Buffer.from(`set ${this.queue} 0 0 ${this.size}\r\n`);
    const one = Buffer.concat([head, data, Buffer.from('\r\n')]);
    for (let done = 0; done < items;) {
      const n = Math.min(1000, items - done);
      this.sockets[0].write(Buffer.concat(Array.from({ length: n }, () => one)));
      await this.replies[0].await(Array.from({ length: n }, () => 'line'));
      done += n;
    }
  }

  /** Runs every connection's loop for `seconds`; resolves when each has finished its last cycle. */
  async run(seconds) {
    const until = Date.now() + seconds * 1000;
    await Promise.all(this.sockets.map((_, i) => this.loop(i, until)));
  }

  async loop(i, until) {
    const q = this.queue;
    while (Date.now() < until) {
      const parts = [];
      const kinds = [];
      const held = this.held[i];
      if (held !== null) {
        parts.push(held === POISON ? `delete ${q}/abort/delay=${RETRY_DELAY_MS}\r\n` : `delete ${q}\r\n`);
        kinds.push('line');
        if (held === POISON) this.counts.released++;
        else this.counts.acked++;
      }
      const poison = Math.random() < POISON_SHARE;
      const delayed = Math.random() < DELAYED_SHARE;
      if (poison) this.counts.poison++;
      if (delayed) this.counts.delayed++;
      const key = delayed ? `${q}/delay=${1 + Math.floor(Math.random() * MAX_DELAY_MS)}` : q;
      parts.push(`set ${key} 0 0 ${this.size}\r\n`);
      const data = Buffer.alloc(this.size, poison ? POISON : GOOD);
      const tail = `\r\nget ${q}\r\n`;
      kinds.push('line', 'get');
      this.sockets[i].write(Buffer.concat([Buffer.from(parts.join('')), data, Buffer.from(tail)]));
      const got = await this.replies[i].await(kinds);
      this.held[i] = got[got.length - 1];
      this.counts.cycles++;
      this.counts.pushedBytes += this.size;
    }
  }

  close() {
    for (const s of this.sockets) s.destroy();
  }
}
