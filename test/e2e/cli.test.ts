/**
 * The client subcommands as a user runs them: `rq` (the built CLI) from a real shell, against a
 * real server in this process. Needs `npm run build` first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectionsBecome, deadPort, queueStats } from '../helpers/clients.js';
import { eventually } from '../helpers/eventually.js';
import { startServer } from '../helpers/server.js';
import { exited, Output, sh, shellEachTest, start } from '../helpers/shell.js';

const shell = shellEachTest();

const seq = (n: number) => Array.from({ length: n }, (_, i) => `${i + 1}\n`).join('');

describe('rq push and rq pop', () => {
  it('move `seq 100` through a queue line for line, printing nothing else', async () => {
    const push = await sh('seq 100 | rq push q', shell.env);
    expect(push).toMatchObject({ status: 0, stderr: '' });
    expect(push.stdout.length).toBe(0);
    const pop = await sh('rq pop q -n 100', shell.env);
    expect(pop).toMatchObject({ status: 0, stderr: '' });
    expect(pop.stdout.toString()).toBe(seq(100));
    expect(queueStats(shell.srv, 'q')).toMatchObject({ items: 0, open: 0, acked: 100 });
  });

  it('push each argument as an item, and pop one by default', async () => {
    expect((await sh('rq push q "first item" second', shell.env)).status).toBe(0);
    expect((await sh('rq pop q', shell.env)).stdout.toString()).toBe('first item\n');
    expect((await sh('rq pop q --json', shell.env)).stdout.toString()).toMatch(/^\{"queue":"q","id":\d+,.*"data":"second"\}\n$/);
  });

  it('keep binary data byte for byte, whole or NUL-separated', async () => {
    const data = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31 + 7) & 0xff));
    fs.writeFileSync(path.join(shell.dir, 'in.bin'), data);
    expect((await sh('rq push bin --whole < "$T/in.bin"', shell.env)).status).toBe(0);
    expect((await sh('rq pop bin --raw > "$T/out.bin"', shell.env)).status).toBe(0);
    expect(fs.readFileSync(path.join(shell.dir, 'out.bin')).equals(data)).toBe(true);

    const items = Buffer.from('one\nline\0\xff\xfe\0three', 'latin1');
    expect((await sh('rq push nul -0', shell.env, items)).status).toBe(0);
    const pop = await sh('rq pop nul -n 3 -0', shell.env);
    expect(pop.stdout.equals(Buffer.concat([items, Buffer.from([0])]))).toBe(true);
  });

  it('push from an empty stdin pushes nothing and succeeds; --ttl is accepted', async () => {
    expect((await sh('rq push q < /dev/null', shell.env)).status).toBe(0);
    expect((await sh('rq push q --ttl 60 x', shell.env)).status).toBe(0);
    expect(queueStats(shell.srv, 'q').items).toBe(1);
  });

  it('report an item the server refuses, and push the rest', async () => {
    const small = await startServer({ maxItemSize: 10 });
    try {
      const env = { ...shell.env, RQ_SERVER: `127.0.0.1:${small.port}` };
      const push = await sh('printf "ok\\nthis line is too long\\nfine\\n" | rq push q', env);
      expect(push.status).toBe(3);
      expect(push.stderr).toContain('item 2 refused');
      expect(queueStats(small, 'q').items).toBe(2);
    } finally {
      await small.close();
    }
  });
});

describe('leases across processes', () => {
  it('rq pop --lease in one process, rq ack in another', async () => {
    await sh('rq push jobs job-1', shell.env);
    const pop = await sh('rq pop jobs --lease 60 2>"$T/id"', shell.env);
    expect(pop).toMatchObject({ status: 0 });
    expect(pop.stdout.toString()).toBe('job-1\n');
    const id = fs.readFileSync(path.join(shell.dir, 'id'), 'utf8').trim();
    expect(id).toMatch(/^\d+$/);
    await connectionsBecome(shell.srv, 0);
    expect(queueStats(shell.srv, 'jobs')).toMatchObject({ items: 0, open: 1 });
    expect(await sh(`rq ack jobs ${id}`, shell.env)).toMatchObject({ status: 0, stderr: '' });
    expect(queueStats(shell.srv, 'jobs')).toMatchObject({ items: 0, open: 0, acked: 1 });
    const again = await sh(`rq ack jobs ${id}`, shell.env);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('not open');
  });

  it('--id-file keeps the id apart from warnings: a script acknowledges with it though a server is down', async () => {
    const both = { ...shell.env, RQ_SERVERS: `127.0.0.1:${shell.srv.port},127.0.0.1:${await deadPort()}` };
    // The pop looks at both servers (the dead one warns on stderr), then waits for the item.
    const pop = start('exec rq pop jobs --lease 60 --wait=20 --id-file "$T/id" > "$T/job.txt"', both);
    let stderr = '';
    pop.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    await eventually(
      () => stderr.includes('connection refused') && queueStats(shell.srv, 'jobs').waiters === 1,
      () => `the warning and the wait; stderr: ${stderr}`,
      { deadlineMs: 10_000 },
    );
    await sh('rq push jobs job-1', shell.env);
    expect(await exited(pop)).toBe(0);
    const id = fs.readFileSync(path.join(shell.dir, 'id'), 'utf8');
    expect(id).toMatch(/^\d+@127\.0\.0\.1:\d+\n$/);
    expect(fs.readFileSync(path.join(shell.dir, 'job.txt'), 'utf8')).toBe('job-1\n');
    expect(await sh('rq ack jobs "$(cat "$T/id")"', both)).toMatchObject({ status: 0 });
    expect(queueStats(shell.srv, 'jobs')).toMatchObject({ items: 0, open: 0, acked: 1 });
    expect((await sh('rq pop jobs --id-file "$T/id"', shell.env)).stderr).toContain('--id-file goes with --lease');
  });

  it('rq release puts a leased item back at the head; --json gives the id as a number', async () => {
    await sh('rq push jobs a b', shell.env);
    const leased = JSON.parse((await sh('rq pop jobs --lease 60 --json', shell.env)).stdout.toString()) as {
      id: unknown;
      lease_ms: unknown;
    };
    expect(leased).toMatchObject({ id: expect.any(Number) as unknown, lease_ms: 60_000 });
    const id = String(leased.id);
    expect((await sh(`rq release jobs ${id}`, shell.env)).status).toBe(0);
    expect((await sh('rq pop jobs', shell.env)).stdout.toString()).toBe('a\n');
  });
});

describe('rq pop into a closed pipe', () => {
  it('releases what it could not write', async () => {
    await sh('seq 3 | rq push q', shell.env);
    // The reader closes its end, then lets the writer start: rq pop writes into a pipe nobody reads.
    const line = 'mkfifo "$T/go"; { read _ < "$T/go"; rq pop q -n 3; echo $? > "$T/status"; } | { exec 0<&-; echo > "$T/go"; }';
    await sh(line, shell.env);
    expect(fs.readFileSync(path.join(shell.dir, 'status'), 'utf8').trim()).toBe('1');
    await connectionsBecome(shell.srv, 0);
    expect(queueStats(shell.srv, 'q')).toMatchObject({ items: 3, open: 0, acked: 0 });
    expect((await sh('rq pop q -n 3', shell.env)).stdout.toString()).toBe(seq(3));
  });
});

describe('peek and inspect', () => {
  it('rq peek shows the head without taking it', async () => {
    await sh('rq push q head tail', shell.env);
    expect((await sh('rq peek q', shell.env)).stdout.toString()).toBe('head\n');
    expect(queueStats(shell.srv, 'q')).toMatchObject({ items: 2, open: 0 });
  });

  it('rq inspect shows a table, one queue in detail, and JSON', async () => {
    await sh('seq 5 | rq push jobs', shell.env);
    const table = await sh('rq inspect', shell.env);
    expect(table.status).toBe(0);
    expect(table.stdout.toString()).toMatch(/QUEUE +READY +OPEN +OLDEST/);
    expect(table.stdout.toString()).toMatch(/\njobs +5 +0 /);
    const detail = await sh('rq inspect jobs', shell.env);
    expect(detail.stdout.toString()).toMatch(/^jobs\n/);
    expect(detail.stdout.toString()).toMatch(/\nready +5\n/);
    const json = JSON.parse((await sh('rq inspect --json', shell.env)).stdout.toString()) as { servers: unknown[] };
    expect(json.servers[0]).toMatchObject({
      state: 'up',
      queues: [expect.objectContaining({ name: 'jobs', items: 5, total_items: 5 })],
    });
    expect((await sh('rq inspect nope', shell.env)).status).toBe(1);
  });
});

describe('two servers', () => {
  it('push spreads over both, and pop collects from both', async () => {
    const other = await startServer();
    try {
      const both = { ...shell.env, RQ_SERVERS: `127.0.0.1:${shell.srv.port},127.0.0.1:${other.port}` };
      expect((await sh('seq 10 | rq push q', both)).status).toBe(0);
      expect(queueStats(shell.srv, 'q').items).toBe(5);
      expect(queueStats(other, 'q').items).toBe(5);
      const pop = await sh('rq pop q -n 10 | sort -n', both);
      expect(pop.stdout.toString()).toBe(seq(10));
      const leased = await sh('rq push r x && rq pop r --lease 30 2>&1 >/dev/null', both);
      expect(leased.stdout.toString()).toMatch(/^\d+@127\.0\.0\.1:\d+\n$/);
      expect((await sh(`rq ack r ${leased.stdout.toString().trim()}`, both)).status).toBe(0);
    } finally {
      await other.close();
    }
  });
});

describe('exit statuses', () => {
  it('1 for nothing there, 2 for a wrong command line, 3 for an unreachable server', async () => {
    const empty = await sh('rq pop empty', shell.env);
    expect(empty).toMatchObject({ status: 1 });
    expect(empty.stdout.length).toBe(0);
    expect(empty.stderr).toContain('empty is empty');
    // With --json an empty queue is silent: the status says it.
    expect(await sh('rq pop empty --json', shell.env)).toMatchObject({ status: 1, stderr: '' });
    expect(await sh('rq peek empty --json', shell.env)).toMatchObject({ status: 1, stderr: '' });
    expect((await sh('rq peek empty', shell.env)).status).toBe(1);
    expect((await sh('rq ack q 12345', shell.env)).status).toBe(1);
    for (const line of [
      'rq pop',
      'rq pop q -n x',
      'rq pop q --bogus',
      'rq frobnicate',
      'rq push "bad name" x',
      'rq pop q --server nope:0',
    ]) {
      const r = await sh(line, shell.env);
      expect({ line, status: r.status, stdout: r.stdout.length }).toEqual({ line, status: 2, stdout: 0 });
    }
    const dead = { RQ_SERVER: `127.0.0.1:${await deadPort()}` };
    for (const line of ['rq push q x', 'rq pop q', 'rq ack q 1', 'rq inspect', 'seq 3 | rq push q']) {
      const r = await sh(line, dead);
      expect({ line, status: r.status }).toEqual({ line, status: 3 });
      expect(r.stderr).toContain('connection refused');
    }
  });

  it('every command has --help with an example', async () => {
    for (const name of ['push', 'pop', 'ack', 'release', 'peek', 'inspect', 'flush', 'drop', 'work']) {
      const help = await sh(`rq ${name} --help`, shell.env);
      expect({ name, status: help.status }).toEqual({ name, status: 0 });
      expect(help.stdout.toString()).toContain('Examples:');
    }
  });
});

describe('rq pop --follow', () => {
  it('prints items as they arrive and, on SIGINT, acknowledges what it printed and ends by the signal', async () => {
    const follower = start('exec rq pop q --follow', shell.env);
    const output = new Output(follower);
    await sh('rq push q one', shell.env);
    await output.shows('one\n');
    await sh('rq push q two', shell.env);
    expect(await output.shows('two\n')).toBe('one\ntwo\n');
    follower.kill('SIGINT');
    expect(await exited(follower)).toBe('SIGINT');
    await connectionsBecome(shell.srv, 0);
    expect(queueStats(shell.srv, 'q')).toMatchObject({ items: 0, open: 0, acked: 2 });
  });
});
