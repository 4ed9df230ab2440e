/**
 * The entry of the bundled client commands: scripts/bundle-cli.mjs builds this module and all it
 * loads into one CommonJS file, dist/cli/fast-entry.cjs, which bin/rq requires first. Node then
 * reads one file instead of some forty modules, and starts no ES module loader, which together
 * cost more than half of `rq push` or `rq pop` (bench/RESULTS.md: start-up of one command).
 *
 * It runs a well-formed client command (push, pop, ack, …) and `rq --version`, nothing else:
 * `rq serve`, `rq top`, --help, and any command line the fast path leaves to yargs resolve false,
 * and bin/rq hands them to main.ts, so the bundle never holds the server, the monitor or yargs.
 */
import { CLIENT_COMMANDS } from './client-commands.js';
import { runFastCommand } from './fast-path.js';
import { printVersion } from './version-flag.js';

/** Runs argv (the command's name first) and resolves true, or resolves false having run nothing. */
export async function runClientCommand(argv: readonly string[]): Promise<boolean> {
  return printVersion(argv) || (await runFastCommand(CLIENT_COMMANDS, argv)) === null;
}
