/**
 * `rq work` from a real shell: commands that succeed, fail and crash, concurrency, and a graceful
 * stop on SIGTERM. Nothing may be lost. Needs `npm run build` first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectionsBecome, queueStats } from '../helpers/clients.js';
import { eventually } from '../helpers/eventually.js';
import { exited, Output, sh, shellEachTest, start } from '../helpers/shell.js';

const shell = shellEachTest();

const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

/**
 * A worker script: records the item and its id; the first time it sees `fail` it exits 1, the first
 * time it sees `crash` it kills itself with SIGKILL.
 */
const SCRIPT = `
d=$(cat)
if [ "$d" = fail ] && [ ! -e "$T/failed" ]; then touch "$T/failed"; exit 1; fi
if [ "$d" = crash ] && [ ! -e "$T/crashed" ]; then touch "$T/crashed"; kill -9 $$; fi
echo "$d $RQ_ITEM_ID" >> "$T/done"
`;

describe('rq work', () => {
  it('survives a failing and a crashing command without losing an item', async () => {
    fs.writeFileSync(path.join(shell.dir, 'work.sh'), SCRIPT);
    expect((await sh('printf "a\\nfail\\nb\\ncrash\\nc\\n" | rq push jobs', shell.env)).status).toBe(0);

    const first = await sh('rq work jobs --drain -- sh "$T/work.sh"', shell.env);
    expect(first.status).toBe(0);
    expect(first.stderr).toContain('command exited with status 1');
    expect(first.stderr).toContain('command killed by SIGKILL');
    // A failed item is retried once its back-off ends, in this run if the queue lasts that long,
    // else released when the queue is empty and done by the next run.
    const firstDone = lines(path.join(shell.dir, 'done')).length;
    await connectionsBecome(shell.srv, 0);
    expect(queueStats(shell.srv, 'jobs')).toMatchObject({ items: 5 - firstDone, open: 0, acked: firstDone });

    const second = await sh('rq work jobs --drain --json -- sh "$T/work.sh"', shell.env);
    expect(second).toMatchObject({ status: 0, stderr: '' });
    expect(JSON.parse(second.stdout.toString())).toEqual({ queue: 'jobs', acked: 5 - firstDone, released: 0 });
    const done = lines(path.join(shell.dir, 'done'));
    expect(done.map((l) => l.split(' ')[0]).sort()).toEqual(['a', 'b', 'c', 'crash', 'fail']);
    expect(new Set(done.map((l) => l.split(' ')[1])).size).toBe(5);
    expect(queueStats(shell.srv, 'jobs')).toMatchObject({ items: 0, open: 0, acked: 5 });
  });

  it('runs N commands at once and stops after -n items', async () => {
    await sh('seq 20 | rq push jobs', shell.env);
    const run = await sh('rq work jobs -c 4 -n 12 -- sh -c \'cat >> "$T/out.$RQ_ITEM_ID"\'', shell.env);
    expect(run.status).toBe(0);
    const files = fs.readdirSync(shell.dir).filter((f) => f.startsWith('out.'));
    expect(files).toHaveLength(12);
    await connectionsBecome(shell.srv, 0);
    expect(queueStats(shell.srv, 'jobs')).toMatchObject({ items: 8, open: 0, acked: 12 });
  });

  it('on SIGTERM takes no new item, lets the running command finish, and acknowledges it', async () => {
    await sh('rq push jobs first second', shell.env);
    fs.mkdirSync(path.join(shell.dir, 'fifo-dir'));
    const fifo = path.join(shell.dir, 'fifo-dir', 'go');
    await sh(`mkfifo "${fifo}"`, shell.env);
    const worker = start(`exec rq work jobs -- sh -c 'cat > /dev/null; echo started; read x < "${fifo}"; echo finished'`, shell.env);
    const output = new Output(worker);
    const stderr: Buffer[] = [];
    worker.stderr!.on('data', (c: Buffer) => stderr.push(c));
    await output.shows('started');
    worker.kill('SIGTERM');
    fs.writeFileSync(fifo, 'go\n');
    expect(await output.shows('finished')).toBe('started\nfinished\n');
    expect(await exited(worker)).toBe(0);
    expect(Buffer.concat(stderr).toString()).toBe('');
    await connectionsBecome(shell.srv, 0);
    expect(queueStats(shell.srv, 'jobs')).toMatchObject({ items: 1, open: 0, acked: 1 });
    expect((await sh('rq pop jobs', shell.env)).stdout.toString()).toBe('second\n');
  });

  it('stops with status 2 when the command cannot be run, keeping the item', async () => {
    await sh('rq push jobs x', shell.env);
    const run = await sh('rq work jobs --drain -- /no/such/command', shell.env);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('cannot run /no/such/command');
    await connectionsBecome(shell.srv, 0);
    expect(queueStats(shell.srv, 'jobs')).toMatchObject({ items: 1, open: 0 });
  });
});

describe('rq work, stopped while waiting for items', () => {
  it('leaves no connection or waiter behind on the server', async () => {
    const worker = start('exec rq work jobs -c 2 -- cat', shell.env);
    // Both slots block waiting for an item: two connections, two waiters.
    await eventually(() => queueStats(shell.srv, 'jobs').waiters >= 2, 'both slots to wait', { deadlineMs: 10_000 });
    worker.kill('SIGTERM');
    expect(await exited(worker)).toBe(0);
    await connectionsBecome(shell.srv, 0);
    expect(queueStats(shell.srv, 'jobs')).toMatchObject({ waiters: 0, open: 0 });
  });
});
