/**
 * `rq work` from a real shell: commands that succeed, fail, crash and overrun, concurrency, a
 * graceful stop on SIGTERM, xargs's conventions (exit statuses, options that stop at the command),
 * the command's environment, the job log, and a server restart ridden out. Nothing may be lost.
 * Needs `npm run build` first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectionsBecome, queueStats } from '../helpers/clients.js';
import { eventually } from '../helpers/eventually.js';
import { exited, Output, readJoblog, sh, shellEachTest, start } from '../helpers/shell.js';

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

    const first = await sh('rq work jobs --drain --retry-delay 0.2 -- sh "$T/work.sh"', shell.env);
    // As xargs: 123 when some command failed.
    expect(first.status).toBe(123);
    expect(first.stderr).toMatch(/item \d+: command exited with status 1; back to jobs in 0\.[12] s/);
    expect(first.stderr).toContain('command killed by SIGKILL');
    // A failed item is released with a delay, retried in this run if it is due before the queue
    // is empty; else --drain ends without it, out of sight, for the next run.
    await connectionsBecome(shell.srv, 0);
    const after = queueStats(shell.srv, 'jobs');
    expect(after.open).toBe(0);
    expect(after.acked + after.items + after.delayed).toBe(5);
    const firstDone = after.acked;
    await eventually(() => queueStats(shell.srv, 'jobs').delayed === 0, 'the failed items due', {
      deadlineMs: 10_000,
      intervalMs: 20,
    });

    const second = await sh('rq work jobs --drain --json -- sh "$T/work.sh"', shell.env);
    expect(second).toMatchObject({ status: 0, stderr: '' });
    expect(JSON.parse(second.stdout.toString())).toEqual({
      queue: 'jobs',
      runs: 5 - firstDone,
      acked: 5 - firstDone,
      failed: 0,
      deferred: 0,
      released: 0,
      dead: 0,
    });
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
    const worker = start(
      `exec rq work jobs -- sh -c 'cat > /dev/null; echo started; read x < "${fifo}"; echo finished'`,
      shell.env,
    );
    const output = new Output(worker);
    const stderr: Buffer[] = [];
    worker.stderr!.on('data', (c: Buffer) => stderr.push(c));
    await output.shows('started');
    worker.kill('SIGTERM');
    fs.writeFileSync(fifo, 'go\n');
    expect(await output.shows('finished')).toBe('started\nfinished\n');
    // Stopped by the signal, it ends by it, as shells expect (they report 143).
    expect(await exited(worker)).toBe('SIGTERM');
    expect(Buffer.concat(stderr).toString()).toBe('');
    await connectionsBecome(shell.srv, 0);
    expect(queueStats(shell.srv, 'jobs')).toMatchObject({ items: 1, open: 0, acked: 1 });
    expect((await sh('rq pop jobs', shell.env)).stdout.toString()).toBe('second\n');
  });

  it("stops with xargs's 127 when the command is not found, 126 when it cannot run, keeping the item", async () => {
    await sh('rq push jobs x', shell.env);
    const run = await sh('rq work jobs --drain -- /no/such/command', shell.env);
    expect(run.status).toBe(127);
    expect(run.stderr).toContain('cannot run /no/such/command: not found');
    fs.writeFileSync(path.join(shell.dir, 'not-executable'), 'echo hi\n');
    const cannot = await sh('rq work jobs --drain "$T/not-executable"', shell.env);
    expect(cannot.status).toBe(126);
    expect(cannot.stderr).toContain('permission denied');
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
    expect(await exited(worker)).toBe('SIGTERM');
    await connectionsBecome(shell.srv, 0);
    expect(queueStats(shell.srv, 'jobs')).toMatchObject({ waiters: 0, open: 0 });
  });
});

describe('rq work, as xargs and GNU parallel are used', () => {
  it('reads options up to the command: `sh -c` keeps its -c, a -- is not needed', async () => {
    await sh('rq push jobs one', shell.env);
    const run = await sh('rq work jobs -n 1 sh -c \'echo "got $(cat) $0"\' name', shell.env);
    expect(run).toMatchObject({ status: 0, stderr: '' });
    expect(run.stdout.toString()).toBe('got one name\n');
  });

  it('kills a command past --timeout, counts the run failed, and retries the item', async () => {
    await sh('rq push jobs slow', shell.env);
    // Two takes: the first run, then its retry once the back-off has passed.
    const run = await sh(
      'rq work jobs -n 2 --timeout 0.3 --retry-delay 0.1 --joblog "$T/log" sh -c \'[ "$RQ_ATTEMPT" = 2 ] || sleep 10\'',
      shell.env,
    );
    expect(run.status).toBe(123);
    expect(run.stderr).toMatch(/item \d+: command still running after --timeout 0.3: killed; back to jobs in 0\.1 s/);
    const log = readJoblog(path.join(shell.dir, 'log'));
    expect(log.header).toEqual(['seq', 'queue', 'id', 'server', 'attempt', 'start_at', 'runtime_s', 'exit', 'signal', 'outcome']);
    expect(log.runs.map((l) => [l[0], l[1], l[4], l[7], l[8], l[9]])).toEqual([
      ['1', 'jobs', '1', '-1', 'timeout', 'retry'],
      ['2', 'jobs', '2', '0', '', 'ack'],
    ]);
    expect(Number(log.runs[0][6])).toBeLessThan(5);
    await connectionsBecome(shell.srv, 0);
    expect(queueStats(shell.srv, 'jobs')).toMatchObject({ items: 0, open: 0, acked: 1 });
  });

  it("tells the command its item and attempt, and keeps rq's password from it unless asked", async () => {
    await sh('rq push jobs a b', shell.env);
    const env = { ...shell.env, RQ_PASSWORD: 'secret', RQ_USER: 'worker' };
    const show = 'echo "$RQ_QUEUE $RQ_ATTEMPT ${RQ_ITEM_ID:+id} ${RQ_ITEM_SERVER:+server} ${RQ_USER:-none} ${RQ_PASSWORD:-none}"';
    // The server asks for no login: the client's credentials are unused, and --user is not needed.
    const hidden = await sh(`rq work jobs -n 1 sh -c '${show}'`, env);
    expect(hidden.stdout.toString()).toBe('jobs 1 id server worker none\n');
    const passed = await sh(`rq work jobs -n 1 --pass-credentials sh -c '${show}'`, env);
    expect(passed.stdout.toString()).toBe('jobs 1 id server worker secret\n');
  });
});
