/**
 * The subcommands described as data (command-spec.ts) by name, each loaded on demand: the fast path
 * (fast-path.ts) loads only the command it runs. commands.ts registers the same commands with
 * yargs; a unit test keeps the two lists equal.
 */
import { CLIENT_COMMANDS, type LoadCommand } from './client-commands.js';

export const FAST_COMMANDS: Readonly<Record<string, LoadCommand>> = {
  serve: async () => (await import('./commands/serve.js')).serveSpec,
  ...CLIENT_COMMANDS,
};
