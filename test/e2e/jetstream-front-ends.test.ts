/**
 * `rq serve --store` as users run it: two front ends on one real three-node JetStream cluster
 * share their queues (push through one, pop through the other, ack by id through the first); a
 * front end killed while holding reservations gives them back after the ack wait, to a worker on
 * the other; a lease renewed by touch through another front end; `rq work` retrying with a back-off
 * and renewing its lease; and bad input ends start-up with status 2 or gets SERVER_ERROR, never a
 * false STORED.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OP, STATUS, TOUCH_EXTRAS_BYTES } from '../../src/protocol/binary/constants.js';
import { BinaryClient } from '../helpers/binary-client.js';
import { CLUSTER_START_MS, NatsCluster, NatsServer, NO_NATS_SERVER } from '../helpers/nats-cluster.js';
import { runChild } from '../helpers/child.js';
import { RawClient, setCommand, stats } from '../helpers/raw-client.js';
import { RQ_BIN, runRq, spawnRq, type RqServeProcess } from '../helpers/rq-process.js';
import { tempDir } from '../helpers/server.js';
import { exited, Output, readJoblog, sh, start } from '../helpers/shell.js';

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

    it('renews a lease by id through another front end, in text and binary', async () => {
      const [a, b] = await frontEnds(2);
      expect((await rq(a, 'push', 'jobs', 'one', 'two')).code).toBe(0);
      const holder = await connect(a);
      expect(await holder.request('gets jobs/lease=1000\r\n', 'END\r\n')).toMatch(/^VALUE jobs\/lease=1000 0 3 1\r\none\r\n/);
      const other = await connect(b);
      expect(await other.request('touch jobs/id=1 60\r\n')).toBe('TOUCHED\r\n');
      expect(await other.request('touch jobs/id=2 60\r\n')).toBe('NOT_FOUND\r\n'); // not delivered
      expect(await other.request('touch jobs 60\r\n')).toBe('NOT_FOUND\r\n'); // this connection holds none
      const binary = await BinaryClient.connect(b.port);
      try {
        const extras = Buffer.alloc(TOUCH_EXTRAS_BYTES);
        extras.writeUInt32BE(60);
        expect((await binary.request({ opcode: OP.TOUCH, key: 'jobs/id=1', extras })).status).toBe(STATUS.SUCCESS);
        expect((await binary.request({ opcode: OP.TOUCH, key: 'jobs/id=9', extras })).status).toBe(STATUS.KEY_NOT_FOUND);
      } finally {
        binary.close();
      }
      // Three of its first leases long: renewed, the item is not delivered again meanwhile.
      expect(JSON.parse((await rq(b, 'pop', 'jobs', '--json')).stdout)).toMatchObject({ id: 2, data: 'two' });
      expect((await rq(b, 'pop', 'jobs', '--wait', '3')).code).toBe(1);
      expect(await other.request('delete jobs/id=1\r\n')).toBe('DELETED\r\n');
    });

    it('runs rq work: a failed item comes back after its back-off, and a long job keeps its item', async () => {
      const [a, b] = await frontEnds(2);
      const tmp = tempDir();
      try {
        const env = { RQ_SERVER: `127.0.0.1:${b.port}`, T: tmp.dir };
        expect((await rq(a, 'push', 'jobs', 'flaky')).code).toBe(0);
        const retried = await sh(
          'rq work jobs -n 2 --json --retry-delay 1 --joblog "$T/log" -- sh -c \'[ "$RQ_ATTEMPT" = 2 ] || exit 75\'',
          env,
        );
        expect(retried.stderr).toMatch(/command asked for a retry \(status 75, EX_TEMPFAIL\); back to jobs in/);
        expect(retried.status).toBe(0);
        expect(JSON.parse(retried.stdout.toString())).toMatchObject({ runs: 2, acked: 1, deferred: 1, released: 1 });
        const runs = readJoblog(path.join(tmp.dir, 'log')).runs;
        expect(runs.map((r) => [r[4], r[9]])).toEqual([
          ['1', 'retry'],
          ['2', 'ack'],
        ]);
        // Not before its back-off (1 s, less up to a quarter at random) after the first run ended.
        const [first, second] = runs.map((r) => ({ start: Number(r[5]), runtime: Number(r[6]) }));
        expect(second.start - (first.start + first.runtime)).toBeGreaterThanOrEqual(0.74);

        // A job three leases long, through one front end, while a reader polls through the other.
        expect((await rq(a, 'push', 'jobs', 'long')).code).toBe(0);
        const fifo = path.join(tmp.dir, 'go');
        await sh(`mkfifo "${fifo}"`, env);
        const worker = start(
          `exec rq work jobs -n 1 --lease 1 -- sh -c 'cat > /dev/null; echo started; read x < "${fifo}"; echo finished'`,
          env,
        );
        const output = new Output(worker);
        await output.shows('started');
        expect((await rq(a, 'pop', 'jobs', '--wait', '3')).code).toBe(1);
        fs.writeFileSync(fifo, 'go\n');
        expect(await output.shows('finished')).toBe('started\nfinished\n');
        expect(await exited(worker)).toBe(0);
        expect((await rq(a, 'pop', 'jobs')).code).toBe(1);
      } finally {
        tmp.remove();
      }
    });

    it('moves a poison item to <queue>.dead with --max-deliveries: given back by rq work, or its lease run out', async () => {
      const [a, b] = await frontEnds(2, ['--max-deliveries', '2']);
      const tmp = tempDir();
      try {
        expect((await rq(a, 'push', 'jobs', 'poison')).code).toBe(0);
        const run = await sh("rq work jobs -n 2 --retry-delay 0.05 -- sh -c 'exit 1'", {
          RQ_SERVER: `127.0.0.1:${b.port}`,
          T: tmp.dir,
        });
        expect(run.status).toBe(123);
        expect(run.stderr.match(/command exited with status 1; /g)).toHaveLength(2);
        // The front end that delivered it says where it went (the outcome option), as the embedded store does.
        expect(run.stderr).toContain('that was its last delivery (rq serve --max-deliveries): moved to jobs.dead');
        // Given back after its second delivery: in jobs.dead at once, with its count, through either front end.
        expect((await rq(a, 'pop', 'jobs')).code).toBe(1);
        expect(JSON.parse((await rq(a, 'pop', 'jobs.dead', '--json')).stdout)).toMatchObject({ data: 'poison', deliveries: 3 });
        expect((await stats(await connect(b))).get('queue_jobs_dead')).toBe('1');

        // Delivered twice, its lease run out the second time: the next reservation moves it instead.
        expect((await rq(a, 'push', 'jobs', 'slow')).code).toBe(0);
        expect(await (await connect(a)).request('get jobs/lease=500\r\n', 'END\r\n')).toContain('slow');
        const second = await connect(a);
        expect(await second.request('get jobs/lease=500/t=10000\r\n', 'END\r\n')).toContain('slow');
        expect((await rq(b, 'pop', 'jobs', '--wait', '3')).code).toBe(1);
        expect(JSON.parse((await rq(b, 'pop', 'jobs.dead', '--json')).stdout)).toMatchObject({ data: 'slow', deliveries: 3 });
      } finally {
        tmp.remove();
      }
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
