/**
 * rq's command line: yargs wiring only. Each subcommand is one module (command, describe, builder
 * with an example, handler) registered from the list in commands.ts; handlers load what they need
 * lazily so that `rq push` never pays for the server or for Ink. A well-formed `rq serve` or client
 * command runs without loading yargs at all (fast-path.ts); everything else, --help and errors
 * included, goes to yargs.
 */
import { EXIT_USAGE } from './exit-codes.js';
import { FAST_COMMANDS } from './fast-commands.js';
import { printVersion } from './version-flag.js';

export async function main(args: string[]): Promise<void> {
  let argv = args;
  if (printVersion(argv)) return;
  // `rq help pop` is `rq pop --help`, as git and go have it.
  if (argv[0] === 'help') argv = argv.length > 1 ? [argv[1], '--help'] : ['--help'];
  if (Object.hasOwn(FAST_COMMANDS, argv[0] ?? '')) {
    const { runFastCommand } = await import('./fast-path.js');
    const rest = await runFastCommand(FAST_COMMANDS, argv);
    if (rest === null) return;
    argv = [...rest];
  }
  const [{ default: yargs }, { commands }, { VERSION }, { mainEpilogue, usageMessage }] = await Promise.all([
    import('yargs'),
    import('./commands.js'),
    import('../version.js'),
    import('./help.js'),
  ]);
  const usage = commands.find((c) => c.command.split(' ')[0] === argv[0])?.command;
  const subcommand = usage === undefined ? 'rq' : `rq ${argv[0]}`;
  let cli = yargs(argv)
    .scriptName('rq')
    .usage('$0 <command> [options]\n\nA persistent work queue that speaks the memcache protocol.')
    .version(VERSION)
    .help()
    .alias('help', 'h')
    .strict()
    .demandCommand(1, 'Name a command; `rq --help` lists them.')
    .recommendCommands()
    .wrap(Math.min(100, process.stdout.columns || 100))
    .epilogue(mainEpilogue())
    .fail((message, error) => {
      // yargs gives a message for every usage failure, a check that threw included (`--port 70000`);
      // an error thrown by a command's handler comes without one and is no usage error.
      if (error && message == null) throw error;
      process.stderr.write(`${subcommand}: ${usageMessage(message, argv, usage)}\nTry \`${subcommand} --help\`.\n`);
      process.exit(EXIT_USAGE);
    });
  for (const command of commands) cli = command.register(cli);
  await cli.parseAsync();
}
