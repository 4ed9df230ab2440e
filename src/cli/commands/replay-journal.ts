/** `rq replay-journal <data-dir>`: reads a journal offline and reports what a restart would restore (man/rq-replay-journal.1). */
import fs from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { EXIT_DAMAGED, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE } from '../exit-codes.js';

export interface ReplayJournalArgs {
  'data-dir': string;
  records: boolean;
  json: boolean;
  verify: boolean;
  repair: boolean;
  'push-to'?: string;
}

export const replayJournalCommand: CommandModule<object, ReplayJournalArgs> = {
  command: 'replay-journal <data-dir>',
  describe: 'Report what a restart would restore from a journal (read-only)',
  builder: (y: Argv) =>
    y
      .positional('data-dir', { type: 'string', demandOption: true, describe: 'The data directory of an rq serve' })
      .option('records', { type: 'boolean', default: false, describe: 'Print every record, one per line' })
      .option('json', { type: 'boolean', default: false, describe: 'JSON output (one object per record with --records)' })
      .option('verify', { type: 'boolean', default: false, describe: `Exit ${EXIT_DAMAGED} if the journal is damaged` })
      .option('repair', { type: 'boolean', default: false, describe: 'Cut damaged files at their last good record, as rq serve does at startup (not while a server uses the directory)' })
      .option('push-to', { type: 'string', describe: 'Re-enqueue the live items into the server at host:port' })
      .check((argv) => {
        if (argv['push-to'] !== undefined && !/^[^:\s]+:\d+$|^\[[0-9a-fA-F:]+\]:\d+$/.test(argv['push-to'])) {
          throw new Error('--push-to takes host:port');
        }
        return true;
      })
      .example('$0 replay-journal ~/.local/share/rq', 'per-queue counts, bytes and oldest age')
      .example('$0 replay-journal /var/lib/rq --records --json | jq .type', 'every record as JSON')
      .example('$0 replay-journal /var/lib/rq --verify --repair', 'check, and cut a torn tail')
      .example('$0 replay-journal /var/lib/rq --push-to 10.0.0.2:22133', 'move the items to another server'),
  handler: async (args) => {
    const dir = args['data-dir'];
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      process.stderr.write(`rq replay-journal: ${dir} is not a directory\n`);
      process.exit(EXIT_USAGE);
    }
    const { formatRecordLine, formatReport, reportJournal } = await import('../replay-journal/report.js');
    const { jsonLine } = await import('../output/json.js');
    const now = Date.now();
    const out = (s: string) => process.stdout.write(s);
    const { DataDirLockedError } = await import('../../journal/lock.js');
    let report;
    try {
      report = reportJournal(dir, now, args.records ? (l) => out(args.json ? jsonLine(l) : formatRecordLine(l) + '\n') : undefined, args.repair);
    } catch (err) {
      if (!(err instanceof DataDirLockedError)) throw err;
      process.stderr.write(`rq replay-journal: cannot repair: ${err.message}\n`);
      process.exit(EXIT_UNREACHABLE);
    }
    if (args.records) {
      for (const w of report.warnings) process.stderr.write(`rq replay-journal: ${w}\n`);
      for (const c of report.repaired) process.stderr.write(`rq replay-journal: repaired: ${c}\n`);
    } else {
      out(args.json ? jsonLine(report) : formatReport(report));
    }
    const pushTo = args['push-to'];
    if (pushTo !== undefined) {
      const { parseAddress } = await import('../../client/servers.js');
      const { pushItems } = await import('../replay-journal/push-items.js');
      try {
        const pushed = await pushItems(dir, parseAddress(pushTo), now);
        process.stderr.write(`rq replay-journal: pushed ${pushed} items to ${pushTo}\n`);
      } catch (err) {
        process.stderr.write(`rq replay-journal: push to ${pushTo} failed: ${(err as Error).message}\n`);
        process.exit(EXIT_UNREACHABLE);
      }
    }
    process.exit(args.verify && !report.intact ? EXIT_DAMAGED : EXIT_OK);
  },
};
