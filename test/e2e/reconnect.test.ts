/**
 * `rq pop --follow` and `rq work` ride out a server restart (rq serve stopped and started again on
 * the same port and data dir): they say so on stderr, reconnect, and go on; with --no-reconnect
 * they exit with status 3. Needs `npm run build`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { spawnServer, type ServerProcess } from '../helpers/rq-process.js';
import { exited, Output, sh, start, requireBuild } from '../helpers/shell.js';
import { tempDir } from '../helpers/server.js';

let server: ServerProcess | null = null;
const dirs: Array<() => void> = [];

afterEach(async () => {
  await server?.stop();
  if (server) fs.rmSync(server.dataDir, { recursive: true, force: true });
  server = null;
  for (const remove of dirs.splice(0)) remove();
});

async function world(): Promise<{ env: Record<string, string>; dir: string }> {
  requireBuild();
  server = await spawnServer();
  const tmp = tempDir('rq-reconnect-');
  dirs.push(tmp.remove);
  return { env: { RQ_SERVER: `127.0.0.1:${server.port}`, T: tmp.dir }, dir: tmp.dir };
}

async function restart(): Promise<void> {
  const { port, dataDir } = server!;
  await server!.stop();
  server = await spawnServer({ port, dataDir });
}

function stderrOf(child: ReturnType<typeof start>): () => string {
  let text = '';
  child.stderr!.on('data', (c: Buffer) => (text += c.toString()));
  return () => text;
}

describe('across a server restart', () => {
  it('rq pop --follow says it lost the server, reconnects, and goes on', async () => {
    const { env } = await world();
    const follower = start('exec rq pop q --follow', env);
    const output = new Output(follower);
    const stderr = stderrOf(follower);
    await sh('rq push q before', env);
    await output.shows('before\n');
    // The item is acknowledged after it is written: restarting before the ack arrives would
    // rightly bring it back (at least once), and print it twice.
    await eventually(
      async () => /"items":0,"open":0/.test((await sh('rq inspect q --json', env)).stdout.toString()),
      'the acknowledgement of the first item',
      { deadlineMs: 10_000 },
    );
    await restart();
    await eventually(
      () => /connected to 127\.0\.0\.1:\d+ again/.test(stderr()),
      () => `the reconnection; stderr: ${stderr()}`,
      { deadlineMs: 15_000 },
    );
    await sh('rq push q after', env);
    expect(await output.shows('after\n')).toBe('before\nafter\n');
    expect(stderr()).toMatch(
      /rq pop: 127\.0\.0\.1:\d+: connection (closed by the server|reset by the server|refused.*); reconnecting in \d\.\d s/,
    );
    follower.kill('SIGINT');
    expect(await exited(follower)).toBe('SIGINT');
  });

  it('rq work reconnects and works on the items pushed after the restart', async () => {
    const { env, dir } = await world();
    const worker = start('exec rq work q sh -c \'cat >> "$T/done"; echo >> "$T/done"\'', env);
    const stderr = stderrOf(worker);
    await sh('rq push q one', env);
    const done = path.join(dir, 'done');
    await eventually(() => fs.existsSync(done) && fs.readFileSync(done, 'utf8').includes('one'), 'the first item done', {
      deadlineMs: 10_000,
    });
    await restart();
    await sh('rq push q two', env);
    await eventually(
      () => fs.readFileSync(done, 'utf8').includes('two'),
      () => `the second item done; stderr: ${stderr()}`,
      { deadlineMs: 15_000 },
    );
    expect(stderr()).toMatch(/rq work: 127\.0\.0\.1:\d+: .*; reconnecting in \d\.\d s/);
    worker.kill('SIGTERM');
    expect(await exited(worker)).toBe('SIGTERM');
    expect((await sh('rq inspect q --json', env)).stdout.toString()).toMatch(/"items":0,"open":0/);
  });

  it('with --no-reconnect, both exit with status 3 when the server goes', async () => {
    const { env } = await world();
    const follower = start('exec rq pop q --follow --no-reconnect', env);
    const worker = start('exec rq work q --no-reconnect cat', env);
    const followerErr = stderrOf(follower);
    const workerErr = stderrOf(worker);
    await eventually(
      async () => (await sh('rq inspect q --json', env)).stdout.toString().includes('"waiters":2'),
      'both to wait',
      { deadlineMs: 10_000, intervalMs: 50 },
    );
    await server!.stop();
    expect(await exited(follower)).toBe(3);
    expect(await exited(worker)).toBe(3);
    expect(followerErr()).not.toContain('reconnecting');
    expect(workerErr()).toMatch(/what this worker held comes back to the queue when its lease ends/);
  });
});
