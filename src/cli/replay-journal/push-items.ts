/**
 * `rq replay-journal --push-to host:port`: re-enqueues the items a restart would restore into a
 * running server (migration, or recovery on another machine), through the client library's bulk
 * push: pipelined, each item on its queue with its flags and its expiry as an absolute time. Every
 * item must be stored; the first refusal or failure is the error.
 */
import { RqClient, type PushItem, type ServerAddress } from '../../client/index.js';
import { FileStore } from '../../journal/file-store.js';
import { readJournal } from '../../journal/reader.js';

/** Items handed to the client at a time: it pipelines them in larger batches of its own. */
const CHUNK = 1024;

/** Pushes every live item of the journal in `dataDir` (live at `now`) to `server`; resolves with how many. */
export async function pushItems(dataDir: string, server: ServerAddress, now: number): Promise<number> {
  const read = readJournal(new FileStore(dataDir));
  async function* chunks(): AsyncGenerator<PushItem[]> {
    for (const [name, q] of read.state.queues) {
      const queue = Buffer.from(name, 'latin1');
      const items: PushItem[] = [];
      q.forEach((item) => {
        if (item.expiresAt === 0 || item.expiresAt > now) items.push({ queue, data: item.data, flags: item.flags, expiresAt: item.expiresAt });
      });
      for (let i = 0; i < items.length; i += CHUNK) yield items.slice(i, i + CHUNK);
    }
  }
  const client = new RqClient({ servers: [server] });
  try {
    const report = await client.pushItems(chunks());
    if (report.failure !== null) throw report.failure;
    if (report.refused > 0) {
      const first = report.refusals[0];
      throw new Error(`${report.refused} items refused, the first (item ${first.index}): ${first.reason}`);
    }
    return report.pushed;
  } finally {
    client.destroy();
  }
}
