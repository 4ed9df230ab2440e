/**
 * The subcommands described as data (command-spec.ts) by name, each loaded on demand: the fast path
 * (fast-path.ts) loads only the command it runs. commands.ts registers the same commands with
 * yargs; a unit test keeps the two lists equal.
 */
import type { CommandSpec } from './command-spec.js';

type Load = () => Promise<CommandSpec<unknown>>;

export const FAST_COMMANDS: Readonly<Record<string, Load>> = {
  serve: async () => (await import('./commands/serve.js')).serveSpec,
  push: async () => (await import('./commands/push.js')).pushSpec,
  pop: async () => (await import('./commands/pop.js')).popSpec,
  ack: async () => (await import('./commands/ack.js')).ackSpec,
  release: async () => (await import('./commands/release.js')).releaseSpec,
  touch: async () => (await import('./commands/touch.js')).touchSpec,
  peek: async () => (await import('./commands/peek.js')).peekSpec,
  inspect: async () => (await import('./commands/inspect.js')).inspectSpec,
  flush: async () => (await import('./commands/flush.js')).flushSpec,
  drop: async () => (await import('./commands/drop.js')).dropSpec,
  redrive: async () => (await import('./commands/redrive.js')).redriveSpec,
  work: async () => (await import('./commands/work.js')).workSpec,
};
