/**
 * What `rq work`, `rq release` and `rq pop` say about an item given back after its last delivery, against a
 * real `rq serve --max-deliveries 2` process (the built bin/rq): the server's reply to the release
 * (its `outcome` option) says that the item went to `<queue>.dead`, and they pass that on, rather
 * than working it out themselves. Needs `npm run build`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnRq, type RqServeProcess } from '../helpers/rq-process.js';
import { tempDir } from '../helpers/server.js';
import { jsonLines, requireBuild, sh } from '../helpers/shell.js';

let server: RqServeProcess;
let data: { dir: string; remove: () => void };
let env: Record<string, string>;

beforeEach(async () => {
  requireBuild();
  data = tempDir('rq-work-dead-');
  server = await spawnRq(['--data-dir', data.dir, '--max-deliveries', '2']);
  env = { RQ_SERVER: `127.0.0.1:${server.port}`, T: data.dir };
});

afterEach(async () => {
  try {
    expect(await server.stop()).toBe(0);
  } finally {
    data.remove();
  }
});

describe('rq serve --max-deliveries 2', () => {
  it('rq work says the failed item went to <queue>.dead on its last delivery, not back to the queue', async () => {
    await sh('rq push jobs poison', env);
    const run = await sh("rq work jobs -n 2 --json --retry-delay 0.05 -- sh -c 'cat > /dev/null; exit 1'", env);
    expect(run.status).toBe(123);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^rq work: item \d+: command exited with status 1; back to jobs in 0\.\d s$/);
    expect(lines[1]).toMatch(
      /^rq work: item \d+ \(attempt 2\): command exited with status 1; that was its last delivery \(rq serve --max-deliveries\): moved to jobs\.dead$/,
    );
    expect(JSON.parse(run.stdout.toString())).toEqual({
      queue: 'jobs',
      runs: 2,
      acked: 0,
      failed: 2,
      deferred: 0,
      released: 1,
      dead: 1,
    });
    expect(jsonLines((await sh('rq peek jobs.dead --json', env)).stdout)[0]).toMatchObject({ data: 'poison', deliveries: 2 });
    expect((await sh('rq pop jobs', env)).status).toBe(1);
  });

  it('rq release says so too, and counts the item as released', async () => {
    await sh('rq push jobs once', env);
    for (const last of [false, true]) {
      const popped = jsonLines((await sh('rq pop jobs --lease 60 --json', env)).stdout)[0];
      const released = await sh(`rq release jobs ${String(popped.id)} --json`, env);
      expect(released.status).toBe(0);
      expect(JSON.parse(released.stdout.toString())).toMatchObject({ queue: 'jobs', id: popped.id, released: true });
      expect(released.stderr).toBe(
        last
          ? `rq release: item ${String(popped.id)}: that was its last delivery (rq serve --max-deliveries): moved to jobs.dead\n`
          : '',
      );
    }
    expect(jsonLines((await sh('rq peek jobs.dead --json', env)).stdout)[0]).toMatchObject({ data: 'once', deliveries: 2 });
  });

  it('rq pop, when it cannot record an item it took, says where giving it back sent it', async () => {
    await sh('rq push jobs unread', env);
    // The item is written out, but its id cannot be: rq pop gives it back by id.
    const first = await sh('rq pop jobs --lease 60 --id-file /dev/full', env);
    expect(first.stderr).toMatch(/: item \d+ was released back to jobs\n$/);
    const second = await sh('rq pop jobs --lease 60 --id-file /dev/full', env);
    expect(second.stderr).toMatch(
      /: item \d+ was released: that was its last delivery \(rq serve --max-deliveries\): moved to jobs\.dead\n$/,
    );
    expect(jsonLines((await sh('rq peek jobs.dead --json', env)).stdout)[0]).toMatchObject({ data: 'unread', deliveries: 2 });
  });
});
