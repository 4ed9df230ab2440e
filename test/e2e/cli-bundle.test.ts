/**
 * The bundled client commands (dist/cli/fast-entry.cjs, scripts/bundle-cli.mjs) that bin/rq runs
 * first: they hold the client and none of the server, the monitor or yargs; a client command runs
 * from them without loading one ES module of dist/, nor node:tls (and node:crypto) without --tls; and a bundle older than main.js (a bare `tsc`
 * after a change) is passed over, so that rq never runs code older than dist/. `rq serve` never
 * loads it: a server has no use for the client's code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';
import { runChild } from '../helpers/child.js';
import { spawnServer } from '../helpers/rq-process.js';
import { startServer, tempDir, type TestServer } from '../helpers/server.js';
import { requireBuild, ROOT } from '../helpers/shell.js';

requireBuild();
const BUNDLE = path.join(ROOT, 'dist/cli/fast-entry.cjs');
const RECORD = [
  '--import',
  new URL('../fixtures/modules/record.mjs', import.meta.url).href,
  '--require',
  path.join(ROOT, 'test/fixtures/modules/loaded-at-exit.cjs'),
];

let srv: TestServer;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(() => srv.close());

/**
 * Runs `<root>/bin/rq args` against srv: its output, the dist/ files it loaded as ES modules, and
 * Node's own modules it loaded.
 */
async function rq(
  root: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; esm: string[]; builtins: string[] }> {
  const env = { ...process.env, RQ_SERVER: `127.0.0.1:${srv.port}` };
  const r = await runChild(process.execPath, [...RECORD, path.join(root, 'bin', 'rq'), ...args], { env });
  const dist = new URL('dist/', `file://${root}/`).href;
  const esm = [...r.stderr.matchAll(/^loaded (\S+)$/gm)].map((m) => m[1]).filter((u) => u.startsWith(dist));
  const builtins = [...r.stderr.matchAll(/^builtin (\S+)$/gm)].map((m) => m[1]);
  return { code: r.code, stdout: r.stdout, esm: esm.map((u) => u.slice(dist.length)), builtins };
}

describe('the bundled client commands', () => {
  it('are built (`npm run build`; `tsc` alone leaves them older than main.js)', () => {
    expect(fs.statSync(BUNDLE).mtimeMs).toBeGreaterThanOrEqual(fs.statSync(path.join(ROOT, 'dist/cli/main.js')).mtimeMs);
  });

  it('hold the client library and the client commands, not the server, the monitor or yargs', () => {
    const text = fs.readFileSync(BUNDLE, 'utf8');
    // esbuild heads each module it bundles with a comment naming its source.
    const modules = [...text.matchAll(/^\/\/ (src\/\S+)$/gm)].map((m) => m[1]);
    expect(modules).toEqual(expect.arrayContaining(['src/client/pipe.ts', 'src/cli/commands/pop.ts', 'src/cli/work/run.ts']));
    expect(
      modules.filter((m) => /^src\/(server|journal|queue|cli\/serve|cli\/top)\/|^src\/tui\/(?!format|preview)/.test(m)),
    ).toEqual([]);
    // Packages stay in node_modules; memjs is required where a command needs it (memjs-server.ts).
    const packages = [...text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]).filter((p) => !p.startsWith('node:'));
    expect(packages).toEqual([]);
  });

  it('run a push, a pop and --version without one ES module of dist/', async () => {
    expect(await rq(ROOT, ['--version'])).toMatchObject({ code: 0, stdout: `${VERSION}\n`, esm: [] });
    expect(await rq(ROOT, ['push', 'bundle-q', 'hello'])).toMatchObject({ code: 0, stdout: '', esm: [] });
    expect(await rq(ROOT, ['pop', 'bundle-q'])).toMatchObject({ code: 0, stdout: 'hello\n', esm: [] });
  });

  it('load node:tls, and node:crypto with it, only to speak TLS', async () => {
    const r = await rq(ROOT, ['push', 'bundle-q', 'hello']);
    expect(r.builtins).toContain('net'); // the preload reports what is loaded
    expect(r.builtins.filter((m) => /^(tls|crypto|_tls_wrap)$/.test(m))).toEqual([]);
  });

  it('leave --help to main.js and yargs', async () => {
    const r = await rq(ROOT, ['pop', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('rq pop <queue>');
    expect(r.esm).toContain('cli/main.js');
  });
});

describe('rq serve', () => {
  it('does not load the bundle', async () => {
    const server = await spawnServer({ args: ['--no-journal'], nodeArgs: RECORD });
    try {
      expect(await server.stop()).toBe(0);
    } finally {
      fs.rmSync(server.dataDir, { recursive: true, force: true });
    }
    const required = [...server.stderr().matchAll(/^required (\S+)$/gm)].map((m) => m[1]);
    expect(required).toContain(path.join(ROOT, 'bin', 'rq')); // the preload reports what is loaded
    expect(required).not.toContain(BUNDLE);
  });
});

describe('a bundle older than main.js', () => {
  let copy: { dir: string; remove: () => void };
  afterEach(() => copy?.remove());

  it('is passed over: main.js runs the command', async () => {
    copy = tempDir('rq-stale-bundle-');
    for (const d of ['bin', 'dist']) fs.cpSync(path.join(ROOT, d), path.join(copy.dir, d), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(copy.dir, 'package.json'));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy.dir, 'node_modules'));
    const bundle = path.join(copy.dir, 'dist/cli/fast-entry.cjs');
    const main = fs.statSync(path.join(copy.dir, 'dist/cli/main.js')).mtime;
    // A stale bundle that would print something else, were it run.
    fs.writeFileSync(bundle, 'exports.runClientCommand = async () => { process.stdout.write("stale\\n"); return true; };');
    fs.utimesSync(bundle, main, new Date(main.getTime() - 60_000));

    expect(await rq(copy.dir, ['push', 'stale-q', 'fresh'])).toMatchObject({ code: 0, stdout: '' });
    const r = await rq(copy.dir, ['pop', 'stale-q']);
    expect(r).toMatchObject({ code: 0, stdout: 'fresh\n' });
    expect(r.esm).toContain('cli/main.js');
  });
});
