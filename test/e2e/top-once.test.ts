/**
 * `rq top --once` and `--json` as a user runs them: the built bin/rq against a real `rq serve`
 * under load. Run `npm run build` first.
 */
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { RawClient } from '../helpers/raw-client.js';
import { runRq, spawnServer, type ServerProcess } from '../helpers/rq-process.js';

let server: ServerProcess;
const clients: RawClient[] = [];
let producing = false;

beforeEach(async () => {
  server = await spawnServer();
});

afterEach(async () => {
  producing = false;
  for (const c of clients.splice(0)) c.close();
  await server.stop();
  fs.rmSync(server.dataDir, { recursive: true, force: true });
});

async function client(): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  clients.push(c);
  return c;
}

const set = (q: string, data: string) => `set ${q} 0 0 ${data.length}\r\n${data}\r\n`;

/** Fixed load: jobs has 40 ready and 3 open, emails 7 ready and 10 acked; a waiter on idle. */
async function load(): Promise<void> {
  const c = await client();
  await c.request(set('jobs', 'x'.repeat(10)).repeat(43), 'STORED\r\n'.repeat(43));
  for (let i = 0; i < 3; i++) await c.request('get jobs/open\r\n', 'END\r\n');
  await c.request(set('emails', 'hello').repeat(17), 'STORED\r\n'.repeat(17));
  for (let i = 0; i < 10; i++) await c.request(i === 0 ? 'get emails/open\r\n' : 'get emails/close/open\r\n', 'END\r\n');
  await c.request('get emails/close\r\n', 'END\r\n');
  const waiter = await client();
  waiter.send('get idle/t=60000\r\n');
}

/** Pushes to `busy` one item after another until the test ends. */
async function produce(): Promise<void> {
  const c = await client();
  producing = true;
  void (async () => {
    while (producing && !c.closed) await c.request(set('busy', 'p'), 'STORED\r\n').catch(() => {});
  })();
  // Wait until the queue exists, so both of rq top's polls see it.
  const probe = await client();
  await eventually(async () => (await probe.request('stats\r\n', 'END\r\n')).includes('queue_busy_items'), 'the queue to exist');
}

function row(frame: string, queue: string): string[] {
  const line = frame.split('\n').find((l) => l.startsWith(queue + ' '));
  if (line === undefined) throw new Error(`no row for ${queue} in:\n${frame}`);
  return line.trim().split(/\s+/);
}

describe('rq top --once', () => {
  it('prints one plain frame with the right numbers and real rates', async () => {
    await load();
    await produce();
    const r = await runRq(['top', '--once', '--server', `127.0.0.1:${server.port}`, '--interval', '0.5']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/\x1b/);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^● 127\\.0\\.0\\.1:${server.port}  up \\d+s  enq [0-9.k]+/s`));
    expect(lines[2].split(/\s+/)).toEqual([
      'QUEUE',
      'READY',
      'OPEN',
      'WAIT',
      'ENQ/s',
      'DEQ/s',
      'ACK/s',
      'EXP/s',
      'AGE',
      'BYTES',
      'DEPTH',
      '1m',
    ]);
    // name ready open wait enq deq ack exp age bytes
    expect(row(r.stdout, 'jobs').slice(0, 8)).toEqual(['jobs', '40', '3', '0', '0', '0', '0', '0']);
    expect(row(r.stdout, 'jobs')[9]).toBe('430B'); // bytes count open items too
    expect(row(r.stdout, 'emails').slice(0, 4)).toEqual(['emails', '7', '0', '0']);
    expect(row(r.stdout, 'idle').slice(0, 4)).toEqual(['idle', '0', '0', '1']);
    expect(row(r.stdout, 'idle')[8]).toBe('–'); // an empty queue has no oldest item
    const busyEnq = Number(row(r.stdout, 'busy')[4]);
    expect(busyEnq).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/polled \d\d:\d\d:\d\d · 4 queues · rates over the last 500 ms\n$/);
  });

  it('prints JSON with exact figures for scripts', async () => {
    await load();
    const r = await runRq(['top', '--json', '--interval', '0.2'], { env: { RQ_SERVER: `127.0.0.1:${server.port}` } });
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { servers: Array<{ stats: Record<string, unknown> }>; queues: Array<{ name: string }> };
    expect(json.servers[0]).toMatchObject({ server: `127.0.0.1:${server.port}`, state: 'up', error: null, enqueue_per_s: 0 });
    expect(r.stdout.split('\n')).toHaveLength(2); // one line
    expect(json.servers[0].stats).toMatchObject({ version: expect.any(String) as unknown, curr_items: 50, open_items: 3 });
    const byName = Object.fromEntries(json.queues.map((q) => [q.name, q]));
    expect(byName.jobs).toMatchObject({
      items: 40,
      open: 3,
      bytes: 430,
      total_items: 43,
      acked: 0,
      enqueue_per_s: 0,
      dequeue_per_s: 0,
    });
    expect(byName.emails).toMatchObject({ items: 7, open: 0, total_items: 17, acked: 10 });
    expect(byName.idle).toMatchObject({ items: 0, waiters: 1, age_ms: null });
  });

  it('keeps going when one of several servers is down: marks it, exits 3, shows the others', async () => {
    await load();
    const r = await runRq(['top', '--once', '-d', '0.2', '--servers', `127.0.0.1:${server.port},127.0.0.1:1`]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^✗ 127\.0\.0\.1:1  down: connection refused\b.*  never reached$/m);
    expect(row(r.stdout, 'jobs').slice(0, 2)).toEqual(['jobs', '40']);
    expect(r.stderr).toMatch(/^rq top: 127\.0\.0\.1:1: connection refused\b[^\n]*\n$/);
  });

  it('rejects bad options with a usage error (exit 2)', async () => {
    const bad = [
      ['--interval', '0.05'],
      ['--interval', '3601'],
      ['--interval', 'soon'],
      ['--interval'],
      ['--server', 'h:99999'],
      ['--servers', ','],
      ['--server', 'a:1', '--server', 'b:2'],
      ['--server', 'a:1', '--servers', 'b:2'],
      ['--server'],
    ];
    for (const args of bad) {
      const r = await runRq(['top', '--once', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^rq top: /);
    }
    const env = await runRq(['top', '--once'], { env: { RQ_SERVERS: 'a:1,::1' } });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('brackets');
  });
});
