/**
 * The client commands in a real terminal: tmux runs an interactive bash (on a private tmux server),
 * the test types into it with send-keys and reads the screen with capture-pane. Ctrl-C stops
 * `rq pop --follow` in a pipeline and gives the prompt back; items are escaped on a terminal;
 * `rq drop` asks before removing; a long push shows its progress. Needs tmux and `npm run build`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runs } from '../helpers/child.js';
import { connectionsBecome, queueStats } from '../helpers/clients.js';
import { eventually } from '../helpers/eventually.js';
import { sh, shellEachTest, shellEnv } from '../helpers/shell.js';

const hasTmux = runs('tmux');

const shell = shellEachTest();
/**
 * The tmux server of the current test: a new socket for each, since a new session on the socket of a
 * server still shutting down after the last test's kill-server fails with "server exited unexpectedly".
 */
let socketSeq = 0;
let SOCKET = '';
beforeEach(() => {
  SOCKET = `rq-terminal-test-${process.pid}-${++socketSeq}`;
});

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
}

function screen(): string {
  return tmux('capture-pane', '-p', '-J', '-t', 'term');
}

async function waitFor(pattern: RegExp, what: string, deadlineMs = 10_000): Promise<string> {
  let s = '';
  await eventually(
    () => pattern.test((s = screen())),
    () => `the screen to show ${what}; it shows:\n${s}`,
    { deadlineMs, intervalMs: 50 },
  );
  return s;
}

/** Types a line and Enter. */
function type(line: string): void {
  tmux('send-keys', '-t', 'term', '-l', line);
  tmux('send-keys', '-t', 'term', 'Enter');
}

/** An interactive bash in a 150×40 pane, with the built rq on PATH and the test server as RQ_SERVER; its prompt is `$ `. */
function startTerminal(): void {
  const env = shellEnv(shell.env);
  const vars = ['PATH', 'RQ_SERVER', 'T'].map((k) => `${k}=${env[k]}`);
  tmux(
    'new-session',
    '-d',
    '-x',
    '150',
    '-y',
    '40',
    '-s',
    'term',
    'env',
    ...vars,
    'PS1=$ ',
    'bash',
    '--norc',
    '--noprofile',
    '-i',
  );
}

afterEach(() => {
  if (!hasTmux) return;
  try {
    tmux('kill-server');
  } catch {
    // already gone
  }
});

describe.skipIf(!hasTmux)('in a terminal', () => {
  it('Ctrl-C stops `rq pop --follow | while read …` at once, gives the prompt back, and loses nothing', async () => {
    startTerminal();
    await waitFor(/\$ $/m, 'the prompt');
    type('rq pop c1 --follow | while read -r job; do echo "got $job"; sleep 1; done');
    await eventually(() => queueStats(shell.srv, 'c1').waiters === 1, 'rq pop to wait');
    await sh('seq 5 | rq push c1', shell.env);
    await waitFor(/got 2/, 'two items worked on');
    tmux('send-keys', '-t', 'term', 'C-c');
    // Within a second on an idle machine; the bound leaves room for a loaded one. Without a complaint:
    // the reader left because of the same Ctrl-C, which rq stops on as interrupted.
    await waitFor(/\^C\n\$ $/m, 'the prompt back at once, and no complaint from rq pop', 2000);
    // Ended by SIGINT, rq pop as the loop: bash reports 130 for both.
    type('echo "status ${PIPESTATUS[*]}"');
    const s = await waitFor(/^status 130 130$/m, 'the statuses');
    const got = s.match(/^got \d+$/gm) ?? [];
    await connectionsBecome(shell.srv, 0);
    const stats = queueStats(shell.srv, 'c1');
    // Every item is acknowledged or back; the loop had read at most one more than it printed.
    expect(stats.items + stats.acked).toBe(5);
    expect(stats.open).toBe(0);
    expect(stats.acked - got.length).toBeGreaterThanOrEqual(0);
    expect(stats.acked - got.length).toBeLessThanOrEqual(1);
  });

  it('rq peek and rq pop escape control bytes on a terminal; a pipe still gets them byte for byte', async () => {
    await sh('printf "evil\\033]2;pwned\\007\\033[31mred\\n" | rq push esc', shell.env);
    startTerminal();
    await waitFor(/\$ $/m, 'the prompt');
    type('rq peek esc');
    await waitFor(/^evil\\x1b]2;pwned\\x07\\x1b\[31mred$/m, 'the item escaped');
    const piped = await sh('rq pop esc | od -An -c', shell.env);
    expect(piped.stdout.toString()).toContain('033');
  });

  it('rq drop says what it will remove and asks; no keeps the queue, y removes it; --yes does not ask', async () => {
    await sh('seq 3 | rq push doomed', shell.env);
    startTerminal();
    await waitFor(/\$ $/m, 'the prompt');
    type('rq drop doomed; echo "status $?"');
    await waitFor(
      /rq drop: remove queue doomed with its 3 ready items and 0 reserved items, for good\? \[y\/N\] $/m,
      'the question',
    );
    type('n');
    await waitFor(/nothing done\nstatus 1/, 'the refusal');
    expect(queueStats(shell.srv, 'doomed').items).toBe(3);
    type('rq drop doomed; echo "status $?"');
    await waitFor(/\[y\/N\] $/m, 'the question again');
    type('y');
    await waitFor(/status 0\n\$ $/m, 'the queue dropped');
    expect(shell.srv.server.engine.stats(Date.now()).some((q) => q.name === 'doomed')).toBe(false);
    await sh('rq push doomed x', shell.env);
    type('rq flush doomed --yes; echo "status $?"');
    await waitFor(/status 0\n\$ $/m, 'flushed without a question');
    expect(queueStats(shell.srv, 'doomed').items).toBe(0);
  });

  it('a long push shows its progress on the terminal, and nothing in a pipe', async () => {
    startTerminal();
    await waitFor(/\$ $/m, 'the prompt');
    // The second half comes once the test has seen the progress of the first (while $T/go is missing).
    type('{ seq 1000; until [ -e "$T/go" ]; do sleep 0.1; done; seq 1000; } | rq push slow; echo done');
    await waitFor(/rq push: 1,000 items read · [\d,]+\/s · 0:0\d/, 'the progress line');
    fs.writeFileSync(path.join(shell.dir, 'go'), '');
    await waitFor(/^done$/m, 'the push to end');
    const s = screen();
    expect(s).toMatch(/rq push: 2,000 items read/);
    const piped = await sh('{ seq 1000; sleep 1.2; seq 1000; } | rq push slow2', shell.env);
    expect(piped).toMatchObject({ status: 0, stderr: '' });
  });
});
