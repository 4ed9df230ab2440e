/**
 * `rq pop` into a pipe whose reader stops early (rq-pop(1) "What written means"): nothing the
 * reader did not read is acknowledged; everything else goes back to the queue. And `rq pop
 * --follow` stopped by a signal: within a second, giving back what it holds, with the status a
 * shell expects. Through the built bin/rq in real shell pipelines.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectionsBecome, queueStats } from '../helpers/clients.js';
import { eventually } from '../helpers/eventually.js';
import { exited, Output, ROOT, sh, shellEachTest, start } from '../helpers/shell.js';

const shell = shellEachTest();

const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

/** This checkout's rq, as it shows in a process's command line. */
const RQ = path.join(ROOT, 'bin', 'rq');

/** The pid of the rq process (node running this checkout's bin/rq) whose arguments start with `args`. */
async function rqPid(args: string): Promise<number> {
  let pid = '';
  await eventually(
    async () => {
      pid = (await sh(`pgrep -f "^[^ ]*node ${RQ} ${args}"`, shell.env)).stdout.toString().trim();
      return /^\d+$/.test(pid);
    },
    `one rq ${args}`,
    { intervalMs: 20 },
  );
  return Number(pid);
}

/** Every item is either acknowledged or back in the queue, and nothing is held. */
async function accounted(queue: string, total: number): Promise<{ items: number; acked: number }> {
  await connectionsBecome(shell.srv, 0);
  const stats = queueStats(shell.srv, queue);
  expect({ ...stats, sum: stats.items + stats.acked }).toMatchObject({ open: 0, sum: total });
  return stats;
}

describe('rq pop into a pipe whose reader stops early', () => {
  it('acknowledges only the one item `head -1` read, of a thousand', async () => {
    await sh('seq 1000 | rq push sp', shell.env);
    const r = await sh('rq pop sp -n 1000 | head -1', shell.env);
    expect(r.stdout.toString()).toBe('1\n');
    expect(await accounted('sp', 1000)).toMatchObject({ acked: 1, items: 999 });
    expect((await sh('rq pop sp', shell.env)).stdout.toString()).toBe('2\n');
  });

  it('acknowledges the three items `head -3` read, popping or following', async () => {
    await sh('seq 1000 | rq push sp', shell.env);
    expect((await sh('rq pop sp -n 1000 | head -3', shell.env)).stdout.toString()).toBe('1\n2\n3\n');
    expect(await accounted('sp', 1000)).toMatchObject({ acked: 3 });
    const follow = await sh('rq pop sp --follow | head -3', shell.env);
    expect(follow.stdout.toString()).toBe('4\n5\n6\n');
    expect(await accounted('sp', 1000)).toMatchObject({ acked: 6 });
  });

  it('acknowledges exactly the line a reader of one line took', async () => {
    await sh('seq 50 | rq push sp', shell.env);
    // `read` takes one line from a pipe, byte by byte, and leaves the rest in it.
    const r = await sh('rq pop sp -n 50 | { read -r first; echo "$first"; }', shell.env);
    expect(r.stdout.toString()).toBe('1\n');
    expect(await accounted('sp', 50)).toMatchObject({ acked: 1, items: 49 });
  });

  it('acknowledges what an interrupted `while read` loop read, and gives back the rest', async () => {
    await sh('seq 100 | rq push sp', shell.env);
    const got = path.join(shell.dir, 'got');
    // As Ctrl-C in a terminal: SIGINT to the whole pipeline, while the loop is busy with an item.
    const pipeline = start(
      'rq pop sp --follow | while read -r job; do echo "$job" >> "$T/got"; sleep 0.2; done',
      shell.env,
      undefined,
      true,
    );
    await eventually(() => lines(got).length >= 3, 'the loop to take three items', { deadlineMs: 10_000 });
    process.kill(-pipeline.pid!, 'SIGINT');
    await exited(pipeline);
    const stats = await accounted('sp', 100);
    // An item is acknowledged once read; the loop may have read one more than it recorded.
    expect(stats.acked - lines(got).length).toBeGreaterThanOrEqual(0);
    expect(stats.acked - lines(got).length).toBeLessThanOrEqual(1);
    expect(lines(got)).toEqual(Array.from({ length: lines(got).length }, (_, i) => String(i + 1)));
  });

  it('waits for a slow reader to read the last items before acknowledging them and exiting', async () => {
    await sh('seq 3 | rq push sp', shell.env);
    const r = await sh('rq pop sp -n 3 | { sleep 0.5; cat; }', shell.env);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout.toString()).toBe('1\n2\n3\n');
    expect(await accounted('sp', 3)).toMatchObject({ acked: 3 });
  });
});

describe('rq pop --follow stopped by a signal', () => {
  for (const [signal, status] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`on ${signal}, while waiting for more, gives back what it holds within a second and ends by the signal (${status})`, async () => {
      // The shell reports the status, as it would to a script.
      const follower = start('rq pop c1 --follow > "$T/out"; echo "status $?"', shell.env);
      const output = new Output(follower);
      await sh('seq 5 | rq push c1', shell.env);
      await eventually(() => lines(path.join(shell.dir, 'out')).length === 5, 'the five items', { deadlineMs: 10_000 });
      await eventually(() => queueStats(shell.srv, 'c1').waiters === 1, 'rq pop to wait for more');
      const pid = await rqPid('pop c1 --follow');
      const sent = Date.now();
      process.kill(pid, signal);
      expect(await output.shows(`status ${status}`)).toContain(`status ${status}`);
      expect(Date.now() - sent).toBeLessThan(1000);
      expect(await accounted('c1', 5)).toMatchObject({ acked: 5, waiters: 0 });
    });
  }

  it('on SIGINT while the reader is busy, releases the items still in the pipe', async () => {
    await sh('seq 20 | rq push c2', shell.env);
    const pipeline = start('rq pop c2 --follow | { read -r a; echo "$a" > "$T/first"; sleep 30; }', shell.env, undefined, true);
    await eventually(() => fs.existsSync(path.join(shell.dir, 'first')), 'the reader to take one item', { deadlineMs: 10_000 });
    process.kill(await rqPid('pop c2 --follow'), 'SIGINT');
    await eventually(
      async () => (await sh(`pgrep -f "^[^ ]*node ${RQ} pop c2"`, shell.env)).status === 1,
      'rq pop to end within a second',
      { deadlineMs: 1000, intervalMs: 20 },
    );
    process.kill(-pipeline.pid!, 'SIGKILL');
    expect(await accounted('c2', 20)).toMatchObject({ acked: 1, items: 19 });
  });
});
