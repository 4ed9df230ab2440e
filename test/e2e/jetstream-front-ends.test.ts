/**
 * `rq serve --store` as users run it: two front ends on one real three-node JetStream cluster
 * share their queues (push through one, pop through the other, ack by id through the first); a
 * front end killed while holding reservations gives them back after the ack wait, to a worker on
 * the other; and bad input ends start-up with status 2 or gets SERVER_ERROR, never a false STORED.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_START_MS, NatsCluster, NatsServer, NO_NATS_SERVER } from '../helpers/nats-cluster.js';
import { runChild } from '../helpers/child.js';
import { RawClient, setCommand, stats } from '../helpers/raw-client.js';
import { RQ_BIN, runRq, spawnRq, type RqServeProcess } from '../helpers/rq-process.js';

/** The ack wait of these front ends: a dead one's items come back after it. */
const ACK_WAIT_S = 2;
/**
 * A test makes replicated streams (half a second each on an idle machine); one restarts the whole
 * cluster. Room for both on a loaded 2-CPU machine.
 */
const TEST_TIMEOUT_MS = 60_000;
const RESTART_TEST_TIMEOUT_MS = 180_000;

describe.skipIf(NO_NATS_SERVER !== null)(
  `rq serve --store${NO_NATS_SERVER ? ` (${NO_NATS_SERVER})` : ''}`,
  { timeout: TEST_TIMEOUT_MS },
  () => {
    let cluster: NatsCluster;
    const started: RqServeProcess[] = [];
    const clients: RawClient[] = [];
    let prefixes = 0;

    beforeAll(async () => {
      cluster = await NatsCluster.start();
    }, CLUSTER_START_MS);
    afterEach(async () => {
      for (const c of clients.splice(0)) c.close();
      await Promise.all(started.splice(0).map((p) => p.kill('SIGKILL')));
    });
    afterAll(async () => {
      await cluster?.stop();
    });

    /** A front end on the cluster; the front ends of one test share their queues (one prefix). */
    async function frontEnds(n: number, more: string[] = []): Promise<RqServeProcess[]> {
      const prefix = `fe${++prefixes}`;
      const out: RqServeProcess[] = [];
      for (let i = 0; i < n; i++) {
        const p = await spawnRq([
          '--store',
          cluster.urls,
          '--store-prefix',
          prefix,
          '--store-ack-wait',
          String(ACK_WAIT_S),
          ...more,
        ]);
        started.push(p);
        out.push(p);
      }
      return out;
    }

    async function connect(fe: RqServeProcess): Promise<RawClient> {
      const c = await RawClient.connect(fe.port);
      clients.push(c);
      return c;
    }

    const rq = (fe: RqServeProcess, ...args: string[]) => runRq([...args, '--server', `127.0.0.1:${fe.port}`]);

    it('shares queues between front ends: push through one, pop through the other, ack by id through the first', async () => {
      const [a, b] = await frontEnds(2);
      expect((await rq(a, 'push', 'jobs', 'one', 'two')).code).toBe(0);
      const popped = await rq(b, 'pop', 'jobs', '--lease', '60', '--json');
      expect(popped.code).toBe(0);
      const item = JSON.parse(popped.stdout) as { id: number; data: string };
      expect(item.data).toBe('one');
      // Held once across both: the next pop, through either, gets the next item.
      expect(JSON.parse((await rq(a, 'pop', 'jobs', '--lease', '60', '--json')).stdout)).toMatchObject({ data: 'two' });
      expect((await rq(a, 'ack', 'jobs', String(item.id))).code).toBe(0);
      expect((await rq(b, 'ack', 'jobs', String(item.id))).code).toBe(1); // acknowledged already
      expect((await rq(b, 'pop', 'jobs')).code).toBe(1);
      // Both front ends report the queue the same way: one item open, none ready.
      for (const fe of [a, b]) {
        const s = await stats(await connect(fe));
        expect(s.get('queue_jobs_items')).toBe('0');
        expect(s.get('queue_jobs_open')).toBe('1');
        expect(s.get('store')).toBe('jetstream');
      }
      const inspect = await rq(b, 'inspect', 'jobs', '--json');
      expect(inspect.code).toBe(0);
      expect(inspect.stdout).toContain('"open":1');
    });

    it('serves any valid queue name, whatever JetStream allows in its names', async () => {
      const [a, b] = await frontEnds(2);
      const names = ['a.b', '*', '>', 'x~7e', 'caf\xc3\xa9', '\xff\x80raw', 'n'.repeat(250), '$JS.API', '_INBOX.x'];
      const c = await connect(a);
      for (const name of names) expect(await c.request(setCommand(name, `for ${name}`))).toBe('STORED\r\n');
      const d = await connect(b);
      for (const name of names) {
        const reply = await d.request(`get ${name}\r\n`, 'END\r\n');
        expect(reply).toBe(`VALUE ${name} 0 ${4 + name.length}\r\nfor ${name}\r\nEND\r\n`);
        expect(await d.request(`delete ${name}\r\n`)).toBe('DELETED\r\n');
      }
      const s = await stats(d);
      for (const name of names) expect(s.get(`queue_${name}_acked`)).toBe('1');
    });

    it('gives back the reservations of a front end killed with SIGKILL after the ack wait, to a worker on another', async () => {
      const [a, b] = await frontEnds(2);
      expect((await rq(a, 'push', 'jobs', 'one', 'two')).code).toBe(0);
      const holder = await connect(a);
      expect(await holder.request('get jobs\r\n', 'END\r\n')).toContain('one');
      expect(await holder.request('get jobs\r\n', 'END\r\n')).toContain('two');
      await a.kill('SIGKILL');
      // Still held: the dead front end's reservations stand until the ack wait ends.
      expect((await rq(b, 'pop', 'jobs')).code).toBe(1);
      const worker = await rq(b, 'pop', 'jobs', '-n', '2', '--wait', String(ACK_WAIT_S * 10));
      expect(worker.code).toBe(0);
      expect(worker.stdout.split('\n').filter(Boolean).sort()).toEqual(['one', 'two']);
    });

    it('gives back at once the reservations of a connection that closes', async () => {
      const [a, b] = await frontEnds(2);
      expect((await rq(a, 'push', 'jobs', 'one')).code).toBe(0);
      const holder = await connect(a);
      expect(await holder.request('get jobs\r\n', 'END\r\n')).toContain('one');
      holder.close();
      const worker = await rq(b, 'pop', 'jobs', '--wait', String(ACK_WAIT_S / 2));
      expect(worker.stdout).toBe('one\n');
    });

    it(
      'answers SERVER_ERROR, never STORED, while the cluster is down, and recovers by itself',
      async () => {
        const [a] = await frontEnds(1);
        const c = await connect(a);
        expect(await c.request(setCommand('jobs', 'before'))).toBe('STORED\r\n');
        await Promise.all(cluster.nodes.map((n) => n.kill('SIGKILL')));
        try {
          // Until the front end sees the connection drop, a change waits for the store's time limit (5 s).
          c.send(setCommand('jobs', 'during'));
          expect(await c.readLine(30_000)).toMatch(/^SERVER_ERROR store: /);
          c.send('get jobs\r\n');
          expect(await c.readLine(30_000)).toMatch(/^SERVER_ERROR store: /);
        } finally {
          await Promise.all(cluster.nodes.map((n) => cluster.restart(n)));
        }
        // Reconnected by itself: changes are taken again, and nothing refused was stored.
        const deadline = Date.now() + 120_000;
        let reply = '';
        while (Date.now() < deadline && reply !== 'STORED') {
          // Each attempt may take the store's time limit, more than once while JetStream recovers.
          c.send(setCommand('jobs', 'after'));
          reply = await c.readLine(30_000);
          if (reply !== 'STORED') expect(reply).toMatch(/^SERVER_ERROR /);
        }
        expect(reply).toBe('STORED');
        // The consumers take a few more seconds after a whole cluster restarts: errors meanwhile, not items lost.
        let popped = await rq(a, 'pop', 'jobs', '-n', '10');
        while (popped.code === 3 && Date.now() < deadline) {
          expect(popped.stderr).toMatch(/store: |no answer/);
          popped = await rq(a, 'pop', 'jobs', '-n', '10');
        }
        expect(popped.stdout).toBe('before\nafter\n');
      },
      RESTART_TEST_TIMEOUT_MS,
    );

    describe('bad input at start-up: exit 2 with a clear message', () => {
      const serve = (...args: string[]) =>
        runChild(process.execPath, [RQ_BIN, 'serve', '--port', '0', ...args], { deadlineMs: 20_000 });

      it('an unreachable --store', async () => {
        const r = await serve('--store', 'nats://127.0.0.1:1');
        expect(r.code).toBe(2);
        expect(r.stderr).toContain('cannot connect to --store nats://127.0.0.1:1');
      });

      it('a --store that is not a nats:// URL', async () => {
        const r = await serve('--store', 'http://example');
        expect(r.code).toBe(2);
        expect(r.stderr).toContain('--store takes nats://host:port URLs');
      });

      it('servers without JetStream, and replicas asked of a single server', async () => {
        const plain = await NatsServer.start({ jetstream: false });
        try {
          const r = await serve('--store', plain.url);
          expect(r.code).toBe(2);
          expect(r.stderr).toContain('do not serve JetStream');
        } finally {
          await plain.stop();
        }
        const solo = await NatsServer.start();
        try {
          const r = await serve('--store', solo.url, '--store-replicas', '3');
          expect(r.code).toBe(2);
          expect(r.stderr).toContain('--store-replicas 3 needs a JetStream cluster');
        } finally {
          await solo.stop();
        }
      });

      it('wrong credentials', async () => {
        const guarded = await NatsServer.start({ extraConfig: 'authorization { user: rq, password: right }' });
        try {
          const r = await serve(
            '--store',
            guarded.url,
            '--store-replicas',
            '1',
            '--store-user',
            'rq',
            '--store-password',
            'wrong',
          );
          expect(r.code).toBe(2);
          expect(r.stderr).toMatch(/cannot connect to --store .*[Aa]uthorization/);
          started.push(await spawnRq(['--store', guarded.url, '--store-user', 'rq', '--store-password', 'right']));
        } finally {
          await guarded.stop();
        }
      });
    });
  },
);
