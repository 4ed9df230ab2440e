/**
 * Runs every shell example of the README and the man pages (read out of them by
 * test/helpers/doc-examples.ts, whose header has the rules), as a newcomer would, in order, each
 * document in a world of its own:
 *
 * - a real server in this process, as RQ_SERVER; the examples' own addresses (127.0.0.1:22133,
 *   10.0.0.2:22133, port 22133) are this server's, and their data directories (/var/lib/rq,
 *   ~/.local/share/rq, /mnt/old-disk/rq) a journal written for the test;
 * - a temporary directory as the working directory, HOME, TMPDIR and XDG_DATA_HOME, holding the
 *   files the examples name (handle.sh, photo.jpg, some *.log files, out/, small/);
 * - before each example, queue `jobs` holds at least JOBS items (examples pop and lease from it).
 *
 * Each example runs under `bash -e -o pipefail` and must exit 0 within the deadline. One that runs
 * until Ctrl-C is interrupted (SIGINT to its process group) once it is under way: a worker waits
 * on the server, or a server says it listens. An example marked "not run" is listed as skipped,
 * with its reason. Needs `npm run build`, jq and netcat (scripts/install-test-deps).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RqClient } from '../../src/client/index.js';
import { manExamples, readmeExamples, type DocExample, type Extracted } from '../helpers/doc-examples.js';
import { eventually } from '../helpers/eventually.js';
import { startDataDirServer, startServer, tempDir, type TestServer } from '../helpers/server.js';
import { ROOT, requireBuild, shellEnv } from '../helpers/shell.js';

/** Items queue `jobs` holds before each example: enough for `rq pop jobs -n 100` and more. */
const JOBS = 150;
const DEADLINE_MS = 30_000;

const documents: Array<[string, Extracted]> = [
  ['README.md', readmeExamples(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'))],
  ...fs
    .readdirSync(path.join(ROOT, 'man'))
    .filter((f) => f.endsWith('.1'))
    .sort()
    .map((f): [string, Extracted] => [`man/${f}`, manExamples(fs.readFileSync(path.join(ROOT, 'man', f), 'utf8'), `man/${f}`)]),
];

it('every document follows the rules for its examples', () => {
  expect(documents.flatMap(([, d]) => d.problems)).toEqual([]);
  // The pages that teach the command line have examples, and most of them run.
  const all = documents.flatMap(([, d]) => d.examples);
  expect(all.filter((e) => e.notRun === null).length).toBeGreaterThanOrEqual(25);
});

interface World {
  readonly server: TestServer;
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly client: RqClient;
  readonly dataDir: string;
}

/** Makes a journal with a few items in it, as a server leaves its data directory. */
async function journal(dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const srv = await startDataDirServer(dir);
  const c = new RqClient({ servers: [{ host: '127.0.0.1', port: srv.port }] });
  try {
    for (const item of ['one', 'two', 'three']) await c.push('old-jobs', item);
  } finally {
    c.close();
    await srv.close();
  }
}

async function makeWorld(): Promise<World & { remove(): Promise<void> }> {
  const server = await startServer();
  const tmp = tempDir('rq-doc-');
  const dir = tmp.dir;
  const files: Record<string, string | Buffer> = {
    'handle.sh': '#!/bin/sh\ncat > /dev/null\n',
    handle: '#!/bin/sh\ncat > /dev/null\n',
    'resize.sh': '#!/bin/sh\ncat > /dev/null\n',
    'photo.jpg': Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) & 0xff)),
    'logs/a.log': 'a\n',
    'logs/b.log': 'b\n',
  };
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content, { mode: 0o755 });
  }
  for (const d of ['out', 'small', 'home', 'xdg']) fs.mkdirSync(path.join(dir, d));
  const dataDir = path.join(dir, 'data');
  await journal(dataDir);
  const env = shellEnv({
    RQ_SERVER: `127.0.0.1:${server.port}`,
    HOME: path.join(dir, 'home'),
    TMPDIR: dir,
    XDG_DATA_HOME: path.join(dir, 'xdg'),
  });
  const client = new RqClient({ servers: [{ host: '127.0.0.1', port: server.port }] });
  return {
    server,
    dir,
    env,
    client,
    dataDir,
    async remove() {
      client.close();
      await server.close();
      tmp.remove();
    },
  };
}

/** The example as it runs in the world: its addresses and data directories are the world's. */
function localize(code: string, world: World): string {
  return code
    .replace(/\b10\.0\.0\.2:22133\b/g, `127.0.0.1:${world.server.port}`)
    .replace(/\b22133\b/g, String(world.server.port))
    .replace(/(~|\/var\/lib|\/mnt\/old-disk)(\/\.local\/share)?\/rq\b/g, world.dataDir);
}

/** Tops queue `jobs` up to JOBS items. */
async function fillJobs(world: World): Promise<void> {
  const have = world.server.server.engine.stats(Date.now()).find((q) => q.name === 'jobs')?.items ?? 0;
  for (let i = have; i < JOBS; i++) await world.client.push('jobs', `job-${i + 1}`);
}

/** Something in the world waits: a worker on the server, or a server that says it listens. */
function underWay(world: World, output: string): boolean {
  return /listening on/.test(output) || world.server.server.engine.stats(Date.now()).some((q) => q.waiters > 0);
}

async function run(example: DocExample, world: World): Promise<{ status: number | string | null; output: string }> {
  const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', localize(example.code, world)], {
    cwd: world.dir,
    env: world.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const done = new Promise<number | string | null>((resolve) => child.on('close', (code, signal) => resolve(code ?? signal)));
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), DEADLINE_MS);
  try {
    if (example.interrupt) {
      await eventually(
        () => underWay(world, output),
        () => `the example to get under way; output: ${output}`,
        { deadlineMs: 15_000, intervalMs: 20 },
      );
      process.kill(-child.pid!, 'SIGINT');
    }
    return { status: await done, output };
  } finally {
    clearTimeout(timer);
  }
}

beforeAll(requireBuild);

for (const [name, extracted] of documents) {
  if (extracted.examples.length === 0) continue;
  describe(name, () => {
    let world: (World & { remove(): Promise<void> }) | null = null;
    beforeAll(async () => {
      world = await makeWorld();
    });
    afterAll(async () => {
      await world?.remove();
    });
    for (const example of extracted.examples) {
      const title = `${example.where}: ${example.code.split('\n')[0]}`;
      if (example.notRun !== null) {
        it.skip(`${title} (not run: ${example.notRun})`, () => {});
        continue;
      }
      it(
        title,
        async () => {
          await fillJobs(world!);
          const { status, output } = await run(example, world!);
          const ok = example.interrupt ? [0, 130, 'SIGINT'] : [0];
          expect({ status: ok.includes(status!) ? 'ok' : status, output }).toMatchObject({ status: 'ok' });
        },
        DEADLINE_MS + 20_000,
      );
    }
  });
}
