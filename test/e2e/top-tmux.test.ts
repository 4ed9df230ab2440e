/**
 * The live `rq top` in a real pseudo-terminal: tmux runs it (on a private tmux server), the test
 * types keys with send-keys and reads the screen with capture-pane, waiting for what it expects
 * with a deadline. Checks keys, a server restart, a resize, and that quitting gives the terminal
 * back as it was. Needs tmux (scripts/install-test-deps) and `npm run build`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runs } from '../helpers/child.js';
import { eventually } from '../helpers/eventually.js';
import { RawClient } from '../helpers/raw-client.js';
import { RQ_BIN, spawnServer, type ServerProcess } from '../helpers/rq-process.js';

const hasTmux = runs('tmux');

/**
 * The tmux server of the current test: a new socket for each, since a new session on the socket of a
 * server still shutting down after the last test's kill-server fails with "server exited unexpectedly".
 */
let socketSeq = 0;
let SOCKET = '';
beforeEach(() => {
  SOCKET = `rq-top-test-${process.pid}-${++socketSeq}`;
});
let server: ServerProcess | null = null;
let port = 0;
const clients: RawClient[] = [];

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
}

function screen(): string {
  return tmux('capture-pane', '-p', '-t', 'top');
}

/** Waits until the screen matches and returns it; each look runs tmux, so looks are 50 ms apart. */
async function waitFor(pattern: RegExp | ((s: string) => boolean), what: string, deadlineMs = 10_000): Promise<string> {
  const ok = typeof pattern === 'function' ? pattern : (s: string) => pattern.test(s);
  let s = '';
  await eventually(
    () => ok((s = screen())),
    () => `the screen to show ${what}; it shows:\n${s}`,
    { deadlineMs, intervalMs: 50 },
  );
  return s;
}

function keys(...k: string[]): void {
  tmux('send-keys', '-t', 'top', ...k);
}

async function push(queue: string, ...items: string[]): Promise<void> {
  const c = await RawClient.connect(port);
  clients.push(c);
  const req = items.map((d) => `set ${queue} 0 0 ${d.length}\r\n${d}\r\n`).join('');
  await c.request(req, 'STORED\r\n'.repeat(items.length));
}

/**
 * Starts rq top in a 120×40 tmux pane, inside a shell that afterwards reports the exit status and
 * whether the terminal settings are back to what they were, then keeps the pane open.
 */
function startTop(extra = ''): void {
  const script = [
    'before=$(stty -g)',
    `${JSON.stringify(process.execPath)} ${JSON.stringify(RQ_BIN)} top --server 127.0.0.1:${port} --interval 0.2 ${extra}`,
    'code=$?',
    '[ "$before" = "$(stty -g)" ] && echo "TTY RESTORED"',
    'echo "EXIT $code"',
    'exec cat',
  ].join('; ');
  tmux('new-session', '-d', '-x', '120', '-y', '40', '-s', 'top', 'bash', '--norc', '--noprofile', '-c', script);
}

beforeEach(async () => {
  if (!hasTmux) return;
  server = await spawnServer();
  port = server.port;
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  try {
    tmux('kill-server');
  } catch {
    // already gone
  }
  if (server) {
    await server.stop();
    fs.rmSync(server.dataDir, { recursive: true, force: true });
    server = null;
  }
});

describe.skipIf(!hasTmux)('rq top in a terminal', () => {
  it('answers its keys and quits with q, giving the terminal back', async () => {
    await push('alpha', 'a-0', 'a-1', 'a-2');
    await push('beta', ...Array.from({ length: 9 }, (_, i) => `beta-${i}`));
    startTop();
    let s = await waitFor(/^beta\s+9\s[\s\S]*^alpha\s+3\s/m, 'beta above alpha (sorted by depth)');
    expect(s).toMatch(new RegExp(`^● 127\\.0\\.0\\.1:${port}  up `, 'm'));
    await waitFor(/^beta\s+9\s+0\s+0\s+0\s/m, 'beta with a rate');

    keys('s');
    await waitFor(/sort age/, 'sort age');
    keys('s');
    await waitFor(/sort rate/, 'sort rate');
    keys('s');
    await waitFor(/sort name/, 'sort name');
    await waitFor(/^alpha\s+3\s[\s\S]*^beta\s+9\s/m, 'alpha above beta (sorted by name)');

    keys('j', 'Enter');
    s = await waitFor(
      /head item \(peek, not consumed\) on 127\.0\.0\.1:\d+: id \d+ · flags 0 · 6B\n\s+beta-0/,
      'the detail view of beta with its head',
    );
    expect(s).toMatch(/^queue beta/m);
    expect(s).toMatch(/ready 9 {2}open 0/);
    keys('Escape');
    await waitFor(/^QUEUE\s+READY/m, 'the table again');

    keys('/', 'a', 'l', 'p');
    await waitFor(/filter: alp/, 'the filter being typed');
    keys('Enter');
    await waitFor(/filter "alp"/, 'the filter kept');
    await waitFor((t) => /^alpha\s/m.test(t) && !/^beta\s/m.test(t), 'only alpha');
    keys('Escape');
    await waitFor(/^beta\s/m, 'beta back after Esc clears the filter');

    keys('?');
    await waitFor(/rq top: keys/, 'the help');
    keys('x');
    await waitFor(/^QUEUE/m, 'the table after the help');

    keys('p');
    await waitFor(/PAUSED/, 'the pause');
    keys('p');
    await waitFor((t) => !/PAUSED/.test(t), 'the resume');

    keys('q');
    s = await waitFor(/EXIT 0/, 'rq top to exit');
    expect(s).toContain('TTY RESTORED');
    expect(s).not.toMatch(/QUEUE\s+READY/); // the alternate screen is gone
  });

  it('marks a server down while it restarts, shows why, and picks it up again', async () => {
    await push('before', 'x');
    startTop();
    await waitFor(/^before\s+1\s/m, 'the queue');
    await server!.stop();
    const s = await waitFor(
      new RegExp(`✗ 127\\.0\\.0\\.1:${port}  down: (connection refused|connection reset|connection closed)`),
      'the server marked down',
    );
    expect(s).toMatch(/1 of 1 server down/);
    await waitFor(/retrying in \d s/, 'the retry countdown');
    server = await spawnServer({ port, dataDir: server!.dataDir });
    await push('after', 'y', 'z');
    await waitFor(new RegExp(`● 127\\.0\\.0\\.1:${port}  up `), 'the server back up');
    await waitFor(/^after\s+2\s/m, 'the new queue');
    keys('C-c');
    const end = await waitFor(/EXIT 0/, 'rq top to exit on Ctrl-C');
    expect(end).toContain('TTY RESTORED');
  });

  it('follows a resize: narrower, names truncated, nothing wrapped', async () => {
    const long = 'a-queue-with-a-long-name-for-40-columns';
    await push(long, 'x');
    startTop();
    await waitFor(new RegExp(`^${long}\\s+1\\s`, 'm'), 'the long name in full in 120 columns');
    tmux('resize-window', '-t', 'top', '-x', '40', '-y', '15');
    const s = await waitFor(/^a-queue-with-a-\S*…\s+1\s+0\s/m, 'the name truncated in 40 columns');
    for (const line of s.split('\n')) expect(line.length).toBeLessThanOrEqual(40);
    expect(s.split('\n').filter((l) => l.trim() !== '').length).toBeLessThanOrEqual(15);
    keys('q');
    await waitFor(/EXIT 0/, 'rq top to exit');
  });
});
