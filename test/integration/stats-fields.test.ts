/**
 * Every per-queue stats field the server sends is read by the client (one table of fields,
 * protocol/queue-stats.ts), discarded and rejected items included, and `rq inspect` shows them.
 */
import { afterEach, expect, it } from 'vitest';
import { renderOverview, renderQueue } from '../../src/cli/client/inspect-output.js';
import { QUEUE_STATS_FIELDS } from '../../src/protocol/queue-stats.js';
import { Clients } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { startServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
const clients = new Clients();

afterEach(async () => {
  clients.closeAll();
  await srv.close();
});

it('reads every figure of every queue as the engine has it, and shows drops and refusals', async () => {
  srv = await startServer({ limits: { maxQueueItems: 1, discardOld: true } });
  const raw = await RawClient.connect(srv.port);
  try {
    const set = (data: string) => `set q 0 0 ${data.length}\r\n${data}\r\n`;
    expect(await raw.request(set('a') + set('b'), 'STORED\r\nSTORED\r\n')).toBe('STORED\r\nSTORED\r\n'); // a is discarded for b
    expect(await raw.request('get q\r\n', 'END\r\n')).toBe('VALUE q 0 1\r\nb\r\nEND\r\n');
    expect(await raw.request(set('c'))).toMatch(/^SERVER_ERROR queue q is full/); // b is open: nothing to discard
    const [stats] = await clients.client([srv]).stats();
    expect(stats.state).toBe('up');
    const parsed = stats.state === 'up' ? stats.queues.get('q') : undefined;
    const engine = srv.server.engine.stats(Date.now()).find((s) => s.name === 'q')!;
    for (const { name } of QUEUE_STATS_FIELDS) {
      if (name !== 'ageMs') expect(parsed?.[name], name).toBe(engine[name]);
    }
    expect(parsed).toMatchObject({ discarded: 1, rejected: 1, open: 1, totalItems: 2 });
    expect(renderOverview([stats])).toMatch(/EXPIRED {2}DISCARDED {2}REJECTED {2}WAITING\nq .* 1 +1 +0\n$/);
    expect(renderQueue('q', [stats])).toMatch(/\ndiscarded +1\nrejected +1\n/);
  } finally {
    raw.close();
  }
});
