/** Every subcommand of rq, in the order `rq --help` lists them. A test checks each has a man page. */
import type { CommandModule } from 'yargs';
import { replayJournalCommand } from './commands/replay-journal.js';
import { serveCommand } from './commands/serve.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [serveCommand, replayJournalCommand];
