/**
 * The metrics endpoint over a real server and journal: a scrape passes `promtool check metrics`
 * and says what `stats` says, /readyz follows the journal's faults, and bad input on the metrics
 * port (garbage, huge URLs, floods of scrapes and connections) leaves the queue server unharmed.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/journal/memory-store.js';
import { Exposition } from '../../src/server/metrics/exposition.js';
import { MAX_METRICS_CONNECTIONS } from '../../src/server/metrics/metrics-server.js';
import { missingClient, runChild } from '../helpers/child.js';
import { eventually } from '../helpers/eventually.js';
import { startJournalServer, type JournalServer } from '../helpers/journal-server.js';
import { httpGet, samples, startMetrics, type TestMetrics } from '../helpers/metrics.js';
import { Connections, setText, stats } from '../helpers/raw-client.js';

const OPEN_METRICS = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5';
const noPromtool = missingClient(['prometheus'], ['/usr/bin/promtool']);

let srv: JournalServer | null = null;
let metrics: TestMetrics | null = null;
const conns = new Connections(() => srv!.port);
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  conns.closeAll();
  await metrics?.close();
  await srv?.close();
  metrics = null;
  srv = null;
});

async function start(store = new MemoryStore(), retryMs = 1000): Promise<{ srv: JournalServer; metrics: TestMetrics }> {
  const exposition = new Exposition({ journal: true, maxQueues: Infinity });
  srv = await startJournalServer(store, { retryMs, onFsync: exposition.observeFsync });
  metrics = await startMetrics(srv.server, srv.restored.journal, exposition);
  return { srv, metrics };
}

/** A server with several queues, a reservation, a lease, a waiter and a UTF-8 queue name. */
async function busyServer(): Promise<{ srv: JournalServer; metrics: TestMetrics }> {
  const started = await start();
  const producer = await conns.connect();
  for (const [queue, data] of [
    ['jobs', 'a'],
    ['jobs', 'bb'],
    ['jobs', 'ccc'],
    ['mail', 'm'],
    ['café', 'x'],
  ]) {
    expect(await producer.request(setText(Buffer.from(queue).toString('latin1'), data))).toBe('STORED\r\n');
  }
  const worker = await conns.connect();
  await worker.request('get jobs\r\n', 'END\r\n');
  await worker.request('get mail/lease=60000\r\n', 'END\r\n');
  const waiter = await conns.connect();
  waiter.send('get idle/t=30000\r\n');
  await eventually(
    () => started.srv.server.engine.stats(Date.now()).some((q) => q.name === 'idle' && q.waiters === 1),
    'a waiter on idle',
  );
  return started;
}

describe('a scrape', () => {
  it.skipIf(noPromtool !== null)(`passes promtool check metrics ${noPromtool ?? ''}`, async () => {
    const { metrics } = await busyServer();
    const reply = await httpGet(metrics.port, '/metrics');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const check = await runChild('promtool', ['check', 'metrics'], { input: reply.body });
    expect({ code: check.code, out: check.stdout + check.stderr }).toEqual({ code: 0, out: '' });
  });

  it('says what stats says, queue by queue', async () => {
    const { srv, metrics } = await busyServer();
    const c = await conns.connect();
    const got = samples((await httpGet(metrics.port, '/metrics')).body);
    const pairs = await stats(c);
    for (const q of srv.server.engine.stats(Date.now())) {
      const label = `{queue="${Buffer.from(q.name, 'latin1').toString('utf8')}"}`;
      expect({
        queue: q.name,
        ready: got.get(`rq_queue_ready_items${label}`),
        open: got.get(`rq_queue_open_items${label}`),
        waiters: got.get(`rq_queue_waiters${label}`),
        delivered: got.get(`rq_queue_delivered_items_total${label}`),
        enqueued: got.get(`rq_queue_enqueued_items_total${label}`),
        bytes: got.get(`rq_queue_data_bytes${label}`),
      }).toEqual({
        queue: q.name,
        ready: q.items,
        open: q.open,
        waiters: q.waiters,
        delivered: q.delivered,
        enqueued: q.totalItems,
        bytes: q.bytes,
      });
      expect(got.get(`rq_queue_ready_items${label}`)).toBe(Number(pairs.get(`queue_${q.name}_items`)));
    }
    expect(got.get('rq_queue_ready_items{queue="jobs"}')).toBe(2);
    expect(got.get('rq_queue_open_items{queue="mail"}')).toBe(1);
    expect(got.get('rq_queue_waiters{queue="idle"}')).toBe(1);
    expect(got.get('rq_queue_ready_items{queue="café"}')).toBe(1);
    expect(got.get('rq_queues')).toBe(4);
    expect(got.get('rq_open_connections')).toBe(Number(pairs.get('curr_connections')));
    expect(got.get('rq_journal_fsyncs_total')).toBeGreaterThan(0);
    expect(got.get('rq_journal_fsync_duration_seconds_count')).toBeGreaterThan(0);
    expect(got.get('rq_journal_disk_bytes')).toBe(Number(pairs.get('journal_bytes')));
    expect(got.get('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('is OpenMetrics when the scraper prefers it, as Prometheus does', async () => {
    const { metrics } = await busyServer();
    const reply = await httpGet(metrics.port, '/metrics', { headers: { accept: OPEN_METRICS } });
    expect(reply.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(reply.body).toContain('# TYPE rq_queue_delivered_items counter\n');
    expect(reply.body).toContain('rq_queue_delivered_items_total{queue="jobs"} 1\n');
    expect(reply.body.endsWith('\n# EOF\n')).toBe(true);
    // And the text format afterwards still has its counters' _total (prom-client renames in place).
    const text = (await httpGet(metrics.port, '/metrics')).body;
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).toContain('# TYPE rq_queue_delivered_items_total counter\n');
  });
});

describe('health and readiness', () => {
  it('/healthz is 200 and /readyz 200 while changes are taken, 503 with the reason while the journal refuses them', async () => {
    const store = new MemoryStore();
    const { srv, metrics } = await start(store, 20);
    expect(await httpGet(metrics.port, '/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
    expect(await httpGet(metrics.port, '/readyz')).toMatchObject({ status: 200, body: 'ready\n' });

    store.fault = 'ENOSPC';
    const c = await conns.connect();
    expect(await c.request(setText('q', 'x'))).toMatch(/^SERVER_ERROR journal write failed/);
    const refused = await httpGet(metrics.port, '/readyz');
    expect(refused.status).toBe(503);
    expect(refused.body).toMatch(/^not ready: journal unavailable \(ENOSPC\); changes are refused until the disk recovers\n$/);
    expect(await httpGet(metrics.port, '/healthz')).toMatchObject({ status: 200 });
    const during = samples((await httpGet(metrics.port, '/metrics')).body);
    expect(during.get('rq_accepting_changes')).toBe(0);
    expect(during.get('rq_journal_faults_total')).toBe(1);

    store.fault = null;
    await srv.restored.journal!.recovered();
    expect(await httpGet(metrics.port, '/readyz')).toMatchObject({ status: 200, body: 'ready\n' });
    expect(samples((await httpGet(metrics.port, '/metrics')).body).get('rq_accepting_changes')).toBe(1);
  });

  it('/readyz is 503 while the server stops', async () => {
    const { srv, metrics } = await start();
    const stopped = srv.server.shutdown(1000);
    expect(await httpGet(metrics.port, '/readyz')).toMatchObject({ status: 503, body: 'not ready: the server is stopping\n' });
    await stopped;
  });
});

/** Sends raw bytes to the metrics port and reads until the server closes the connection. */
function rawExchange(port: number, data: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(data));
    sockets.push(socket);
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => resolve(got));
    socket.setTimeout(5000, () => reject(new Error(`no close in time; got ${JSON.stringify(got)}`)));
  });
}

/** A set and a get on the queue port, answered as always. */
async function queueServerAnswers(): Promise<void> {
  const c = await conns.connect();
  expect(await c.request(setText('alive', 'yes'))).toBe('STORED\r\n');
  expect(await c.request('get alive\r\n', 'END\r\n')).toBe('VALUE alive 0 3\r\nyes\r\nEND\r\n');
  c.close();
}

describe('bad input on the metrics port', () => {
  it('answers paths it does not serve with 404, other methods with 405, HEAD without a body', async () => {
    const { metrics } = await start();
    expect(await httpGet(metrics.port, '/')).toMatchObject({
      status: 404,
      body: 'not found: rq serves /metrics, /healthz and /readyz\n',
    });
    expect(await httpGet(metrics.port, '/metrics/../etc/passwd')).toMatchObject({ status: 404 });
    const post = await httpGet(metrics.port, '/metrics', { method: 'POST' });
    expect(post).toMatchObject({ status: 405, headers: { allow: 'GET, HEAD' } });
    const head = await httpGet(metrics.port, '/metrics', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect((await httpGet(metrics.port, '/metrics?name[]=x&debug=1')).status).toBe(200);
  });

  it('closes a connection that does not speak HTTP, or sends a URL past 8 KiB, and the queue server goes on', async () => {
    const { metrics } = await start();
    expect(await rawExchange(metrics.port, 'set q 0 0 1\r\nx\r\n')).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(await rawExchange(metrics.port, Buffer.from([0x80, 0x01, 0x00, 0x00, 0xff, 0xfe, 0x0d, 0x0a, 0x0d, 0x0a]))).toMatch(
      /^HTTP\/1\.1 400 /,
    );
    expect(await rawExchange(metrics.port, `GET /metrics?${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`)).toMatch(
      /^HTTP\/1\.1 431 /,
    );
    expect(await rawExchange(metrics.port, `GET /metrics HTTP/1.1\r\n${'X-Junk: y\r\n'.repeat(2000)}\r\n`)).toMatch(
      /^HTTP\/1\.1 431 /,
    );
    await queueServerAnswers();
    expect((await httpGet(metrics.port, '/metrics')).status).toBe(200);
  });

  it('answers many scrapes at once, while the queue server keeps answering', async () => {
    const { metrics } = await busyServer();
    const scrapes = Array.from({ length: 40 }, (_, i) =>
      httpGet(metrics.port, '/metrics', { headers: i % 2 === 0 ? { accept: OPEN_METRICS } : {} }),
    );
    await queueServerAnswers();
    const replies = await Promise.all(scrapes);
    for (const reply of replies) {
      expect(reply.status).toBe(200);
      expect(samples(reply.body).get('rq_queue_ready_items{queue="jobs"}')).toBe(2);
    }
  });

  it(`holds at most ${MAX_METRICS_CONNECTIONS} connections; more are closed at once, and the queue server is not touched`, async () => {
    const { srv, metrics } = await start();
    const closed: boolean[] = [];
    await Promise.all(
      Array.from(
        { length: MAX_METRICS_CONNECTIONS + 20 },
        (_, i) =>
          new Promise<void>((resolve) => {
            const socket = net.connect(metrics.port, '127.0.0.1', () => resolve());
            sockets.push(socket);
            closed[i] = false;
            socket.on('close', () => (closed[i] = true));
            socket.on('error', () => {});
          }),
      ),
    );
    await eventually(
      () => closed.filter(Boolean).length >= 20,
      () => `20 connections closed (${closed.filter(Boolean).length} were)`,
    );
    await queueServerAnswers();
    expect(srv.server.counters.totalConnections).toBe(1);
    for (const s of sockets.splice(0)) s.destroy();
    await eventually(
      async () => (await httpGet(metrics.port, '/healthz').catch(() => ({ status: 0 }))).status === 200,
      'a probe answered again',
    );
  });
});
