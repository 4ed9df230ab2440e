/**
 * Runs other programs (real memcache clients, the rq binary) as child processes with a deadline,
 * and tells whether a Debian package they come from is installed.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';

export interface ChildResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly deadlineMs?: number;
  readonly input?: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Runs a program to its end; rejects (after killing it) if it has not ended within the deadline. */
export function runChild(command: string, args: readonly string[], options: RunOptions = {}): Promise<ChildResult> {
  const deadlineMs = options.deadlineMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')}: no exit within ${deadlineMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, deadlineMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** True when dpkg says the package is installed. */
export function debianPackageInstalled(name: string): boolean {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', name], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).includes('install ok installed');
  } catch {
    return false;
  }
}

/**
 * Why a client test cannot run, or null when it can: a missing Debian package or program.
 * The message names the fix, `scripts/install-test-deps`.
 */
export function missingClient(packages: readonly string[], programs: readonly string[] = []): string | null {
  const missing = packages.filter((p) => !debianPackageInstalled(p));
  const absent = programs.filter((p) => !fs.existsSync(p));
  if (missing.length === 0 && absent.length === 0) return null;
  const what = [...missing.map((p) => `Debian package ${p}`), ...absent.map((p) => `program ${p}`)].join(', ');
  return `skipped: ${what} not installed (run scripts/install-test-deps)`;
}

/** True when `program` runs (asked for its version, or with `args`): tmux, man, … */
export function runs(program: string, args: readonly string[] = ['-V']): boolean {
  try {
    execFileSync(program, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
