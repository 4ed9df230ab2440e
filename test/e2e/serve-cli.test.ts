/**
 * `rq serve`'s own command line as a user meets it (the built bin/rq): a data dir that cannot be
 * created fails at once instead of spinning, and with --log-format json the line on stdout is JSON
 * too. Needs `npm run build`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';
import { runChild } from '../helpers/child.js';
import { RQ_BIN, spawnRq, type RqServeProcess } from '../helpers/rq-process.js';
import { tempDir } from '../helpers/server.js';

const dirs: Array<() => void> = [];
let server: RqServeProcess | null = null;

afterEach(async () => {
  await server?.stop();
  server = null;
  for (const remove of dirs.splice(0)) remove();
});

function dataDir(): string {
  const d = tempDir('rq-serve-cli-');
  dirs.push(d.remove);
  return d.dir;
}

describe('rq serve --data-dir', () => {
  it.each([
    ['/proc/rq-data', /cannot create \/proc\/rq-data: /],
    ['/proc/self/rq/data', /cannot create \/proc\/self\/rq: /],
  ])("exits 3 at once, saying why, for %s, which cannot be made (Node's mkdir -p would spin)", async (dir, reason) => {
    const r = await runChild(process.execPath, [RQ_BIN, 'serve', '--port', '0', '--data-dir', dir], { deadlineMs: 5000 });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(reason);
    expect(r.stdout).toBe('');
  });

  it('exits 3 when a file stands where a directory should be, and makes missing parents', async () => {
    const base = dataDir();
    fs.writeFileSync(path.join(base, 'file'), '');
    const r = await runChild(process.execPath, [RQ_BIN, 'serve', '--port', '0', '--data-dir', path.join(base, 'file', 'data')], {
      deadlineMs: 5000,
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${path.join(base, 'file', 'data')}: ENOTDIR`);
    server = await spawnRq(['--data-dir', path.join(base, 'a', 'b', 'c')]);
    expect(fs.statSync(path.join(base, 'a', 'b', 'c')).isDirectory()).toBe(true);
  });
});

describe('rq serve --log-format json', () => {
  it('prints its listening line as a JSON object too', async () => {
    const dir = dataDir();
    server = await spawnRq(['--data-dir', dir, '--log-format', 'json']);
    const line = server.stdout().trim();
    expect(JSON.parse(line)).toMatchObject({
      level: 'info',
      event: 'listening',
      address: `127.0.0.1:${server.port}`,
      version: VERSION,
      'data-dir': dir,
      fsync: '50',
    });
  });
});
