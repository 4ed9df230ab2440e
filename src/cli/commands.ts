/** Every subcommand of rq, in the order `rq --help` lists them. A test checks each has a man page. */
import type { Argv, CommandModule } from 'yargs';
import { toYargs, type CommandSpec } from './command-spec.js';
import { wholeExamples } from './help.js';
import { ackSpec } from './commands/ack.js';
import { completionCommand } from './commands/completion.js';
import { dropSpec } from './commands/drop.js';
import { flushSpec } from './commands/flush.js';
import { inspectSpec } from './commands/inspect.js';
import { peekSpec } from './commands/peek.js';
import { popSpec } from './commands/pop.js';
import { pushSpec } from './commands/push.js';
import { redriveSpec } from './commands/redrive.js';
import { releaseSpec } from './commands/release.js';
import { replayJournalCommand } from './commands/replay-journal.js';
import { serveSpec } from './commands/serve.js';
import { topCommand } from './commands/top.js';
import { touchSpec } from './commands/touch.js';
import { workSpec } from './commands/work.js';

/** The client subcommands, described as data so that the fast path (fast-path.ts) can run them without yargs. */
export const clientCommands: ReadonlyArray<CommandSpec<unknown>> = [
  pushSpec,
  popSpec,
  ackSpec,
  releaseSpec,
  touchSpec,
  peekSpec,
  inspectSpec,
  flushSpec,
  dropSpec,
  redriveSpec,
  workSpec,
];

/** The subcommands the fast path can run (fast-commands.ts loads them by name). */
export const fastCommands: ReadonlyArray<CommandSpec<unknown>> = [serveSpec, ...clientCommands];

/** A subcommand as main() registers it: its usage line, and how to add it to yargs. */
export interface Registration {
  /** As `rq --help` shows it: the name, then the positionals (`replay-journal <data-dir>`). */
  readonly command: string;
  register(y: Argv): Argv;
}

function registration<Args>(module: CommandModule<object, Args>): Registration {
  const builder = module.builder as (y: Argv) => Argv<Args>;
  const command = String(module.command);
  const manPage = `rq-${command.split(' ')[0]}`;
  return {
    command,
    register: (y) =>
      y.command({ ...module, builder: (b: Argv) => builder(wholeExamples(b)).epilogue(`More in the manual: man ${manPage}`) }),
  };
}

/** Every subcommand, in the order `rq --help` lists them. */
export const commands: readonly Registration[] = [
  registration(toYargs(serveSpec)),
  ...clientCommands.map((spec) => registration(toYargs(spec))),
  registration(topCommand),
  registration(replayJournalCommand),
  registration(completionCommand),
];
