/**
 * `rq top`'s handler body, loaded only when `rq top` runs: picks the live screen (a terminal on both
 * stdin and stdout, no --once/--json) or one frame, and loads Ink and React only for the former.
 */
import { EXIT_OK, EXIT_UNREACHABLE } from '../exit-codes.js';
import { intervalMs, topSecurity, type TopArgs } from '../commands/top.js';
import { jsonLine } from '../output/json.js';
import { createTopSource } from './source.js';
import { topServers } from './servers.js';

/** How long one poll may take before the server is called down: 2 s, or the interval if longer. */
function timeoutFor(intervalMs: number): number {
  return Math.max(2000, intervalMs);
}

export async function runTop(args: TopArgs): Promise<void> {
  const servers = topServers(args, process.env);
  const interval = intervalMs(args);
  const source = createTopSource({ timeoutMs: timeoutFor(interval), security: topSecurity(args) });
  const live = !args.once && !args.json && process.stdout.isTTY === true && process.stdin.isTTY === true;
  if (live) {
    // React's development build checks and times every render (several times the CPU); rq top
    // ships the production one unless the user asks otherwise.
    process.env.NODE_ENV ??= 'production';
    // Ink draws only a last frame when it sees CI or CONTINUOUS_INTEGRATION in the environment;
    // the live screen runs only on a terminal, so a shell that exports CI still gets a live screen.
    for (const name of ['CI', 'CONTINUOUS_INTEGRATION']) if (name in process.env) process.env[name] = 'false';
    const { runLive } = await import('../../tui/live.js');
    await runLive({ servers, source, intervalMs: interval });
    process.exitCode = EXIT_OK;
    return;
  }
  const [{ pollTwice }, { plainFrame, snapshotJson }] = await Promise.all([
    import('../../tui/once.js'),
    import('../../tui/frame.js'),
  ]);
  const snapshot = await pollTwice({ servers, source, intervalMs: interval });
  source.close();
  const out = args.json
    ? jsonLine(snapshotJson(snapshot))
    : plainFrame(snapshot, process.stdout.isTTY ? process.stdout.columns : undefined);
  process.stdout.write(out);
  const down = snapshot.servers.filter((s) => s.state !== 'up');
  for (const s of down) process.stderr.write(`rq top: ${s.address}: ${s.error ?? 'no reply'}\n`);
  process.exitCode = down.length > 0 ? EXIT_UNREACHABLE : EXIT_OK;
}
