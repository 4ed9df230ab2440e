/** `rq replay-journal <data-dir>`: reads a journal offline and reports what a restart would restore (man/rq-replay-journal.1). */
import fs from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { CLIENT_OPTIONS, securityPlan } from '../client/options.js';
import { EXIT_DAMAGED, EXIT_NOTHING, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE } from '../exit-codes.js';

export interface ReplayJournalArgs {
  'data-dir': string;
  records: boolean;
  json: boolean;
  verify: boolean;
  repair: boolean;
  'push-to'?: string;
  tls?: boolean;
  'tls-ca'?: string;
  user?: string;
  password?: string;
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
      .option('repair', {
        type: 'boolean',
        default: false,
        describe:
          'Repair as rq serve does at startup: keep damaged originals, cut torn tails, write what was read as a new snapshot (not while a server uses the directory)',
      })
      .option('push-to', {
        type: 'string',
        describe: 'Copy the live items into the server at host:port (the journal is left as it is)',
      })
      .option('tls', { type: 'boolean', describe: `With --push-to: ${CLIENT_OPTIONS.tls.describe}` })
      .option('tls-ca', {
        type: 'string',
        describe: `With --push-to: ${CLIENT_OPTIONS['tls-ca'].describe}`,
        defaultDescription: '$RQ_TLS_CA',
      })
      .option('user', {
        type: 'string',
        describe: `With --push-to: ${CLIENT_OPTIONS.user.describe}`,
        defaultDescription: '$RQ_USER',
      })
      .option('password', {
        type: 'string',
        describe: `With --push-to: ${CLIENT_OPTIONS.password.describe}`,
        defaultDescription: '$RQ_PASSWORD',
      })
      .check((argv) => {
        if (argv['push-to'] !== undefined && !/^[^:\s]+:\d+$|^\[[0-9a-fA-F:]+\]:\d+$/.test(argv['push-to'])) {
          throw new Error('--push-to takes host:port');
        }
        if (argv['push-to'] !== undefined) securityPlan({ ...argv, _: [] }, process.env);
        return true;
      })
      .example('$0 replay-journal ~/.local/share/rq', 'per-queue counts, bytes and oldest age')
      .example('$0 replay-journal /var/lib/rq --records --json | jq .type', 'every record as JSON')
      .example('$0 replay-journal /var/lib/rq --verify --repair', 'check, and repair what is damaged')
      .example('$0 replay-journal /var/lib/rq --push-to 10.0.0.2:22133', 'copy the items to another server'),
  handler: async (args) => {
    const dir = args['data-dir'];
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      process.stderr.write(`rq replay-journal: ${dir} is not a directory\n`);
      process.exit(EXIT_USAGE);
    }
    const { formatRecordLine, formatReport, reportJournal } = await import('../replay-journal/report.js');
    const { jsonLine } = await import('../output/json.js');
    const { writeOut } = await import('../output/items.js');
    const { OutputError } = await import('../client/failure.js');
    const { DataDirLockedError } = await import('../../journal/lock.js');
    const fail = (message: string, code: number) => {
      process.stderr.write(`rq replay-journal: ${message}\n`);
      process.exitCode = code;
    };
    const now = Date.now();
    // Lines go out in batches, each written before reading on, so that a pipe loses nothing.
    let batch: string[] = [];
    const flushBatch = () => {
      if (batch.length === 0) return null;
      const text = batch.join('');
      batch = [];
      return writeOut(text);
    };
    let report;
    try {
      report = await reportJournal(dir, now, {
        onRecord: args.records ? (l) => batch.push(args.json ? jsonLine(l) : formatRecordLine(l) + '\n') : undefined,
        pause: flushBatch,
        repair: args.repair,
      });
      await flushBatch();
      if (args.records) {
        for (const u of report.unreadable) process.stderr.write(`rq replay-journal: error: ${u}\n`);
        for (const w of report.warnings) process.stderr.write(`rq replay-journal: ${w}\n`);
        for (const c of report.repaired) process.stderr.write(`rq replay-journal: repaired: ${c}\n`);
      } else {
        await writeOut(args.json ? jsonLine(report) : formatReport(report));
      }
    } catch (err) {
      if (err instanceof DataDirLockedError) return fail(`cannot repair: ${err.message}`, EXIT_UNREACHABLE);
      if (err instanceof OutputError) return fail(err.message, EXIT_NOTHING);
      const e = err as NodeJS.ErrnoException;
      return fail(`cannot read ${dir}: ${e.code ?? ''} ${e.message}`.replace(/\s+/g, ' '), EXIT_DAMAGED);
    }
    const pushTo = args['push-to'];
    if (pushTo !== undefined && report.unreadable.length > 0) {
      fail(`not pushing to ${pushTo}: some journal files cannot be read`, EXIT_DAMAGED);
      return;
    }
    if (pushTo !== undefined) {
      const { parseAddress } = await import('../../client/servers.js');
      const { pushItems } = await import('../replay-journal/push-items.js');
      const { plural } = await import('../output/plural.js');
      try {
        const pushed = await pushItems(dir, parseAddress(pushTo), now, securityPlan({ ...args, _: [] }, process.env));
        process.stderr.write(
          `rq replay-journal: copied ${plural(pushed, 'item')} to ${pushTo}; ${dir} is unchanged (remove it, or start no server on it, to make this a move)\n`,
        );
      } catch (err) {
        return fail(`push to ${pushTo} failed: ${(err as Error).message}`, EXIT_UNREACHABLE);
      }
    }
    // A file that could not be read makes any report incomplete; damage matters with --verify.
    const damaged = report.unreadable.length > 0 || (args.verify && !report.intact);
    process.exitCode = damaged ? EXIT_DAMAGED : EXIT_OK;
  },
};
