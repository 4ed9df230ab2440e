/**
 * The subcommands that talk to a server as its clients, by name, each loaded on demand: the
 * commands the bundled entry runs (fast-entry.ts), which must not reach the server's modules.
 * fast-commands.ts adds `rq serve` for main.ts.
 */
import type { CommandSpec } from './command-spec.js';

export type LoadCommand = () => Promise<CommandSpec<unknown>>;

export const CLIENT_COMMANDS: Readonly<Record<string, LoadCommand>> = {
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
