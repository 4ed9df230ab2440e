/**
 * The package as a user installs it: `npm pack` (from a copy of the checkout, so that prepack's
 * fresh build does not pull dist/ from under the tests running beside this one), then a global
 * install of the tarball into a temporary prefix with --omit=dev (dependencies from npm's cache
 * when it has them), then the installed rq: --version, its man pages through `man -M`, and a push
 * and a pop against a server it started. Also: a checkout that was never built, without
 * TypeScript, says what to do and exits 70 (not 3, "server unreachable").
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';
import { runChild, runs } from '../helpers/child.js';
import { ROOT } from '../helpers/shell.js';
import { tempDir } from '../helpers/server.js';

const hasMan = runs('man', ['--version']);

let tmp: { dir: string; remove: () => void };
let prefix: string;
let tarball: string;
let installLog = '';

/** The files of the checkout, as git sees them (tracked, or new and not ignored), copied to `dest`. */
function copyCheckout(dest: string): void {
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const f of files) {
    if (!fs.existsSync(path.join(ROOT, f))) continue; // deleted, not yet committed
    fs.mkdirSync(path.dirname(path.join(dest, f)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, f), path.join(dest, f));
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dest, 'node_modules'));
}

beforeAll(async () => {
  tmp = tempDir('rq-package-');
  const checkout = path.join(tmp.dir, 'checkout');
  copyCheckout(checkout);
  const pack = await runChild('npm', ['pack', '--pack-destination', tmp.dir, '--json'], { cwd: checkout, deadlineMs: 120_000 });
  if (pack.code !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
  tarball = path.join(tmp.dir, (JSON.parse(pack.stdout) as Array<{ filename: string }>)[0].filename);
  prefix = path.join(tmp.dir, 'prefix');
  const install = await runChild(
    'npm',
    ['install', '--global', '--prefix', prefix, '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', tarball],
    {
      cwd: tmp.dir,
      deadlineMs: 180_000,
    },
  );
  installLog = install.stderr + install.stdout;
  if (install.code !== 0) throw new Error(`npm install failed: ${installLog}`);
}, 300_000);

afterAll(() => tmp?.remove());

describe('the packed and installed rq', () => {
  it('holds what an installed rq needs, and nothing that points at unshipped sources', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
    expect(files).toEqual(
      expect.arrayContaining([
        'bin/rq',
        'bin/package.json',
        'dist/cli/main.js',
        'dist/cli/fast-entry.cjs',
        'man/rq-pop.1',
        'man/rq.1',
        'LICENSE',
        'README.md',
        'package.json',
      ]),
    );
    expect(files.filter((f) => f.endsWith('.map') || f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
    // npm 11 warns of a package's install scripts; the package has none.
    expect(installLog).not.toMatch(/install-scripts|prepare/);
  });

  it('answers --version', async () => {
    const r = await runChild(path.join(prefix, 'bin', 'rq'), ['--version']);
    expect(r).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
  });

  it.skipIf(!hasMan)('has its man pages where man -M finds them', async () => {
    const r = await runChild('man', ['-M', path.join(prefix, 'share', 'man'), '-P', 'cat', 'rq-pop'], {
      env: { ...process.env, MANWIDTH: '80' },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/rq-pop - print items from an rq queue/);
    expect(r.stdout).toContain(`rq ${VERSION}`);
  });

  it('serves, pushes and pops', async () => {
    const rq = path.join(prefix, 'bin', 'rq');
    const { spawn } = await import('node:child_process');
    const server = spawn(rq, ['serve', '--port', '0', '--data-dir', path.join(tmp.dir, 'data')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        server.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        server.once('exit', (code) => reject(new Error(`rq serve exited ${code}`)));
      });
      const env = { ...process.env, RQ_SERVER: `127.0.0.1:${port}` };
      expect(await runChild(rq, ['push', 'q', 'hello'], { env })).toMatchObject({ code: 0 });
      expect(await runChild(rq, ['pop', 'q'], { env })).toMatchObject({ code: 0, stdout: 'hello\n' });
    } finally {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
    }
  });
});

describe('a checkout that was never built', () => {
  it('says to build it, without TypeScript to do it, and exits 70', async () => {
    const bare = path.join(tmp.dir, 'bare');
    fs.mkdirSync(path.join(bare, 'bin'), { recursive: true });
    fs.mkdirSync(path.join(bare, 'src', 'cli'), { recursive: true });
    for (const f of ['rq', 'package.json']) fs.copyFileSync(path.join(ROOT, 'bin', f), path.join(bare, 'bin', f));
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(bare, 'package.json'));
    fs.writeFileSync(path.join(bare, 'src', 'cli', 'main.ts'), '');
    const r = await runChild(process.execPath, [path.join(bare, 'bin', 'rq'), '--version']);
    expect(r.code).toBe(70);
    expect(r.stderr).toContain('TypeScript (a dev dependency) is not installed');
  });
});
