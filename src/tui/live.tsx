/**
 * Runs the live `rq top` in a terminal: starts the poller, mounts the App with Ink on the alternate
 * screen, and on quit (q, Ctrl-C, SIGTERM, SIGHUP) stops polling, closes the source and gives the
 * terminal back as it was. Loaded only by `rq top`, so no other subcommand pays for React or Ink.
 */
import { render } from 'ink';
import { App } from './App.js';
import { Poller } from './poller.js';
import type { StatsSource } from './source.js';

export interface LiveOptions {
  readonly servers: readonly string[];
  readonly source: StatsSource;
  readonly intervalMs: number;
  readonly stdin?: NodeJS.ReadStream;
  readonly stdout?: NodeJS.WriteStream;
}

/** xterm's alternate screen: what full-screen programs draw on, so the shell's screen comes back on exit. */
const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';
/** Ink redraws at most this often; a poll a second needs little, and fewer frames cost less CPU. */
const MAX_FPS = 15;

export async function runLive(options: LiveOptions): Promise<void> {
  const stdout = options.stdout ?? process.stdout;
  const stdin = options.stdin ?? process.stdin;
  const poller = new Poller({ servers: options.servers, source: options.source, intervalMs: options.intervalMs });
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    stdout.write(LEAVE_ALT_SCREEN);
  };
  process.once('exit', restore);
  stdout.write(ENTER_ALT_SCREEN);
  const app = render(<App poller={poller} />, { stdout, stdin, exitOnCtrlC: false, patchConsole: true, maxFps: MAX_FPS });
  const quit = () => app.unmount();
  const signals = ['SIGTERM', 'SIGHUP', 'SIGINT'] as const;
  for (const s of signals) process.once(s, quit);
  poller.start();
  try {
    await app.waitUntilExit();
  } finally {
    for (const s of signals) process.off(s, quit);
    poller.stop();
    options.source.close();
    app.cleanup();
    restore();
    process.off('exit', restore);
  }
}
