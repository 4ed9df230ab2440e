/** Every subcommand of rq, in the order `rq --help` lists them. A test checks each has a man page. */
import type { CommandModule } from 'yargs';
import { toYargs, type CommandSpec } from './command-spec.js';
import { ackSpec } from './commands/ack.js';
import { inspectSpec } from './commands/inspect.js';
import { peekSpec } from './commands/peek.js';
import { popSpec } from './commands/pop.js';
import { pushSpec } from './commands/push.js';
import { releaseSpec } from './commands/release.js';
import { replayJournalCommand } from './commands/replay-journal.js';
import { serveCommand } from './commands/serve.js';
import { topCommand } from './commands/top.js';
import { workSpec } from './commands/work.js';

/** The client subcommands, described as data so that the fast path (fast-path.ts) can run them without yargs. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const clientCommands: CommandSpec<any>[] = [pushSpec, popSpec, ackSpec, releaseSpec, peekSpec, inspectSpec, workSpec];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [serveCommand, ...clientCommands.map(toYargs), topCommand, replayJournalCommand];
