/**
 * `rq replay-journal --push-to host:port`: re-enqueues the items a restart would restore into a running
 * server over the memcache text protocol (migration, or recovery on another machine). Sets are
 * pipelined in windows; every one must be answered STORED. Expiry travels as an absolute unix time.
 */
import net from 'node:net';
import { FileStore } from '../journal/file-store.js';
import { readJournal } from '../journal/reader.js';
import type { Item } from '../queue/types.js';

/** Sets in flight at once: enough to fill the pipe, few enough to stop soon after an error. */
const WINDOW = 256;

export interface PushResult {
  readonly pushed: number;
  readonly perQueue: Map<string, number>;
}

export async function pushItems(dataDir: string, host: string, port: number, now: number): Promise<PushResult> {
  const read = readJournal(new FileStore(dataDir));
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect(port, host, () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
  const perQueue = new Map<string, number>();
  let pushed = 0;
  let inFlight = 0;
  let buffered = '';
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('latin1');
    let at: number;
    while ((at = buffered.indexOf('\r\n')) >= 0) {
      const line = buffered.slice(0, at);
      buffered = buffered.slice(at + 2);
      inFlight--;
      if (line !== 'STORED' && failure === null) failure = new Error(`the server answered ${JSON.stringify(line)} to a set`);
    }
    wake?.();
  });
  socket.on('error', (err) => {
    failure ??= err;
    wake?.();
  });
  socket.on('close', () => {
    failure ??= new Error('the server closed the connection');
    wake?.();
  });
  const until = (ready: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (ready() || failure !== null) {
          wake = null;
          resolve();
        } else wake = check;
      };
      check();
    });
  try {
    for (const [name, q] of read.state.queues) {
      const items: Item[] = [];
      q.forEach((item) => {
        if (item.expiresAt === 0 || item.expiresAt > now) items.push(item);
      });
      for (const item of items) {
        const exptime = item.expiresAt === 0 ? 0 : Math.ceil(item.expiresAt / 1000);
        socket.write(Buffer.concat([Buffer.from(`set ${name} ${item.flags} ${exptime} ${item.data.length}\r\n`, 'latin1'), item.data, CRLF]));
        inFlight++;
        pushed++;
        perQueue.set(name, (perQueue.get(name) ?? 0) + 1);
        if (inFlight >= WINDOW) await until(() => inFlight < WINDOW / 2);
        if (failure !== null) throw failure;
      }
    }
    await until(() => inFlight === 0);
    if (failure !== null) throw failure;
  } finally {
    socket.destroy();
  }
  return { pushed, perQueue };
}

const CRLF = Buffer.from('\r\n');
