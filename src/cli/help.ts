/**
 * What `--help` shows beyond the options: the examples, each command whole on a line of its own
 * with what it does below it, and the exit statuses. Also the translation of yargs's usage
 * messages into rq's words: they name options without their dashes ("Not enough arguments
 * following: wait").
 */
import type { Argv } from 'yargs';
import { EXIT_STATUSES } from './exit-codes.js';

/**
 * Makes `y.example(command, what)` show what it does as a comment line, then the command whole on
 * a line of its own: yargs lays examples out in two columns and cuts a long command mid-word to
 * fit its column (it gives an example without a description the full width). Every subcommand's
 * builder gets its yargs instance through here (commands.ts), so the modules keep calling example().
 */
export function wholeExamples<T>(y: Argv<T>): Argv<T> {
  const example = y.example.bind(y) as (command: string, description: string) => Argv<T>;
  y.example = ((command: string, what?: string) => {
    if (what) example(`# ${what}`, '');
    example(command, '');
    return y;
  }) as Argv<T>['example'];
  return y;
}

/** The epilogue of `rq --help` (and of every command's): where the details are, and the exit statuses. */
export function mainEpilogue(): string {
  const statuses = EXIT_STATUSES.map(([status, meaning]) => `${status} ${meaning}`).join(', ');
  return `Each command has a man page: man rq-<command>; rq help <command> shows its options.\nExit status: ${statuses}.`;
}

/**
 * A yargs usage message in rq's words: options named with their dashes as the user typed them,
 * `argv` being the command line (after `rq`), and missing positionals by name from `usage`, the
 * subcommand's usage line (`pop <queue>`).
 */
export function usageMessage(message: string, argv: readonly string[], usage = ''): string {
  const positionals = new Set([...usage.matchAll(/[<[]([^>\].]+)/g)].map((r) => r[1]));
  const asTyped = (name: string): string => {
    if (positionals.has(name)) return `<${name}>`;
    const typed = argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`) || a === `-${name}` || a === `--no-${name}`);
    if (typed !== undefined) return typed.split('=')[0];
    return name.length === 1 ? `-${name}` : `--${name}`;
  };
  let m: RegExpExecArray | null;
  if ((m = /^Not enough arguments following: (\S+)$/.exec(message))) return `${asTyped(m[1])} needs a value`;
  if ((m = /^Unknown arguments?: (.+)$/.exec(message))) {
    const names = m[1]
      .split(', ')
      .map((n) => (argv.includes(n) ? `unexpected argument ${JSON.stringify(n)}` : `unknown option ${asTyped(n)}`));
    return names.join('; ');
  }
  if ((m = /^Missing required arguments?: (.+)$/.exec(message)))
    return `missing ${m[1]
      .split(', ')
      .map((n) => `<${n}>`)
      .join(', ')}`;
  if ((m = /^Invalid values:\s+Argument: (\S+), Given: (.+), Choices: (.+)$/s.exec(message)))
    return `${asTyped(m[1])} must be one of ${m[3]} (got ${m[2]})`;
  if ((m = /^Arguments (\S+) and (\S+) are mutually exclusive$/.exec(message)))
    return `${asTyped(m[1])} and ${asTyped(m[2])} cannot be combined`;
  if ((m = /^Not enough non-option arguments: got (\d+), need at least (\d+)$/.exec(message))) {
    const required = [...usage.matchAll(/<([^>]+)>/g)].map((r) => `<${r[1]}>`);
    const missing = required.slice(Number(m[1]), Number(m[2]));
    return missing.length > 0 ? `missing ${missing.join(' ')}` : message;
  }
  return message;
}
