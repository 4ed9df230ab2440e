/**
 * `rq replay-journal --push-to host:port`: copies the items a restart would restore into a
 * running server (migration, or recovery on another machine), through the client library's bulk
 * push: pipelined, each item on its queue with its flags and its expiry as an absolute time, with
 * TLS and a login as the client commands take them. The journal is only read: a copy, not a move.
 * Every item must be stored; the first refusal or failure is the error. A progress line shows on
 * a terminal.
 */
import { RqClient, type PushItem, type ServerAddress } from '../../client/index.js';
import { FileStore } from '../../journal/file-store.js';
import { readJournal } from '../../journal/reader.js';
import type { SecurityPlan } from '../client/options.js';
import { clock, ProgressLine, rate } from '../output/progress.js';

/** Items handed to the client at a time: it pipelines them in larger batches of its own. */
const CHUNK = 1024;

/** Pushes every live item of the journal in `dataDir` (live at `now`) to `server`; resolves with how many. */
export async function pushItems(dataDir: string, server: ServerAddress, now: number, security?: SecurityPlan): Promise<number> {
  const read = readJournal(new FileStore(dataDir));
  let live = 0;
  for (const q of read.state.queues.values())
    q.forEach((item) => {
      if (item.expiresAt === 0 || item.expiresAt > now) live++;
    });
  let sent = 0;
  const progress = new ProgressLine(
    'replay-journal',
    (ms) => `${sent.toLocaleString('en-US')} of ${live.toLocaleString('en-US')} items sent · ${rate(sent, ms)}/s · ${clock(ms)}`,
  );
  async function* chunks(): AsyncGenerator<PushItem[]> {
    for (const [name, q] of read.state.queues) {
      const queue = Buffer.from(name, 'latin1');
      const items: PushItem[] = [];
      q.forEach((item) => {
        if (item.expiresAt === 0 || item.expiresAt > now)
          items.push({ queue, data: item.data, flags: item.flags, expiresAt: item.expiresAt });
      });
      for (let i = 0; i < items.length; i += CHUNK) {
        const chunk = items.slice(i, i + CHUNK);
        yield chunk;
        sent += chunk.length;
      }
    }
  }
  const client = new RqClient({ servers: [server], security });
  try {
    const report = await client.pushItems(chunks());
    if (report.failure !== null) throw report.failure;
    if (report.refused > 0) {
      const first = report.refusals[0];
      throw new Error(`${report.refused} items refused, the first (item ${first.index}): ${first.reason}`);
    }
    return report.pushed;
  } finally {
    progress.end();
    client.destroy();
  }
}
