/**
 * `rq work` and the items that fail, from a real shell through the built rq, against a server with
 * --max-deliveries 3: a poison item ends in `<queue>.dead` after three deliveries and comes back
 * with `rq redrive`; a command that exits 75 is retried without counting as failed; a long job
 * keeps its item past its lease while another reader polls; and a worker killed with -9 gives its
 * item back only when its lease ends. Needs `npm run build`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectionsBecome, queueStats } from '../helpers/clients.js';
import { eventually } from '../helpers/eventually.js';
import { exited, jsonLines, Output, readJoblog, sh, shellEachTest, start } from '../helpers/shell.js';

const shell = shellEachTest({ server: () => ({ limits: { maxDeliveries: 3 } }) });

describe('rq work with failing commands', () => {
  it('moves a poison item to <queue>.dead after --max-deliveries, backing off between tries', async () => {
    await sh('rq push jobs poison good', shell.env);
    // Four takes: the poison item three times, the good one once.
    const run = await sh(
      'rq work jobs -n 4 --retry-delay 0.05 --joblog "$T/log" -- sh -c \'[ "$(cat)" = good ] || exit 1\'',
      shell.env,
    );
    expect(run.status).toBe(123);
    expect(run.stderr.match(/command exited with status 1; back to jobs in/g)).toHaveLength(2);
    // The third delivery was the last the server allows: its reply to the release says where the item went.
    expect(run.stderr).toMatch(
      /item \d+ \(attempt 3\): command exited with status 1; that was its last delivery \(rq serve --max-deliveries\): moved to jobs\.dead\n/,
    );
    const log = readJoblog(path.join(shell.dir, 'log')).runs;
    expect(log.map((l) => [l[4], l[7], l[9]])).toEqual([
      ['1', '1', 'retry'],
      ['1', '0', 'ack'],
      ['2', '1', 'retry'],
      ['3', '1', 'dead'],
    ]);
    await connectionsBecome(shell.srv, 0);
    expect(queueStats(shell.srv, 'jobs')).toMatchObject({ items: 0, open: 0, delayed: 0, acked: 1, dead: 1 });
    const dead = jsonLines((await sh('rq peek jobs.dead --json', shell.env)).stdout)[0];
    expect(dead).toMatchObject({ queue: 'jobs.dead', data: 'poison', deliveries: 3 });
    expect((await sh('rq inspect jobs', shell.env)).stdout.toString()).toMatch(/\ndead-lettered +1\n/);
    const top = await sh('rq top --once --interval 0.1', shell.env);
    expect(top.stdout.toString()).toMatch(/^QUEUE .* DEAD /m);
    expect(top.stdout.toString()).toMatch(/^jobs\.dead +1 /m);

    // Fixed: back to jobs, its count fresh, and done this time.
    expect((await sh('rq redrive jobs', shell.env)).stderr).toBe('rq redrive: moved 1 item from jobs.dead to jobs\n');
    const again = await sh('rq work jobs --drain --json -- sh -c \'[ "$RQ_ATTEMPT" = 1 ] && cat > /dev/null\'', shell.env);
    expect(again).toMatchObject({ status: 0, stderr: '' });
    expect(JSON.parse(again.stdout.toString())).toEqual({
      queue: 'jobs',
      runs: 1,
      acked: 1,
      failed: 0,
      deferred: 0,
      released: 0,
      dead: 0,
    });
    expect(queueStats(shell.srv, 'jobs.dead')).toMatchObject({ items: 0, open: 0 });
  });

  it('retries a command that exits 75 (EX_TEMPFAIL) without counting it as failed', async () => {
    await sh('rq push jobs later', shell.env);
    const run = await sh('rq work jobs -n 2 --json --retry-delay 0.05 -- sh -c \'[ "$RQ_ATTEMPT" = 2 ] || exit 75\'', shell.env);
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/item \d+: command asked for a retry \(status 75, EX_TEMPFAIL\); back to jobs in/);
    expect(JSON.parse(run.stdout.toString())).toEqual({
      queue: 'jobs',
      runs: 2,
      acked: 1,
      failed: 0,
      deferred: 1,
      released: 1,
      dead: 0,
    });
  });
});

describe('rq work leases', () => {
  it("keeps a long job's item past its lease while another reader polls", async () => {
    await sh('rq push jobs long', shell.env);
    fs.mkdirSync(path.join(shell.dir, 'fifo-dir'));
    const fifo = path.join(shell.dir, 'fifo-dir', 'go');
    await sh(`mkfifo "${fifo}"`, shell.env);
    const worker = start(
      `exec rq work jobs -n 1 --lease 1 -- sh -c 'cat > /dev/null; echo started; read x < "${fifo}"; echo finished'`,
      shell.env,
    );
    const output = new Output(worker);
    await output.shows('started');
    // Three leases long: without renewals the item would have come back to this reader.
    expect(await sh('rq pop jobs --wait=3', shell.env)).toMatchObject({ status: 1, stderr: 'rq pop: nothing arrived on jobs\n' });
    fs.writeFileSync(fifo, 'go\n');
    expect(await output.shows('finished')).toBe('started\nfinished\n');
    expect(await exited(worker)).toBe(0);
    expect(queueStats(shell.srv, 'jobs')).toMatchObject({ items: 0, open: 0, acked: 1, released: 0 });
  });

  it('gives the item of a worker killed with -9 back when its lease ends, not before', async () => {
    await sh('rq push jobs crashed', shell.env);
    const worker = start('exec rq work jobs --lease 2 -- sh -c \'echo $$ > "$T/pid"; echo started; exec sleep 60\'', shell.env);
    const output = new Output(worker);
    await output.shows('started');
    const command = Number(fs.readFileSync(path.join(shell.dir, 'pid'), 'utf8'));
    try {
      worker.kill('SIGKILL');
      // Its command still holds the output pipe: the server seeing the connection go is the event.
      await connectionsBecome(shell.srv, 0);
      // The connection is gone, the lease is not: the item stays reserved.
      expect(queueStats(shell.srv, 'jobs')).toMatchObject({ items: 0, open: 1 });
      expect((await sh('rq pop jobs', shell.env)).status).toBe(1);
      await eventually(() => queueStats(shell.srv, 'jobs').items === 1, 'the item back once the lease ended', {
        deadlineMs: 10_000,
        intervalMs: 50,
      });
    } finally {
      // The command ran in a process group of its own, which kill -9 of rq work leaves behind.
      process.kill(-command, 'SIGKILL');
    }
    const back = jsonLines((await sh('rq pop jobs --json', shell.env)).stdout)[0];
    expect(back).toMatchObject({ data: 'crashed', deliveries: 2 });
  });
});
