/**
 * The fast path: `rq push q hello` or `rq serve --port 0` without loading yargs (whose start-up
 * costs more than node's own, and which leaves a server ~14 MB larger). It parses a command line
 * only when it is plainly well-formed for a command's description (command-spec.ts): known long or
 * one-letter options, each once, with their values, `--no-` before a boolean, positionals, `--`. Anything else — --help, a typo, a bundled `-n5`, an error from the command's
 * own checks — returns null, and main() hands the whole command line to yargs, which parses it
 * the same way or explains what is wrong. test/unit/cli/fast-path.test.ts keeps the two in step.
 */
import { isUsageError, protectCommandLine, type CommandSpec, type OptionSpec, type RawArgs } from './command-spec.js';
import type { LoadCommand } from './client-commands.js';

/** Parses argv (after the command name) as yargs would, or returns null to let yargs do it. */
export function fastParse(spec: CommandSpec<unknown>, argv: readonly string[]): RawArgs | null {
  const byFlag = new Map<string, [string, OptionSpec]>();
  const negated = new Set<string>();
  for (const [name, o] of Object.entries(spec.options)) {
    byFlag.set(`--${name}`, [name, o]);
    if (o.alias !== undefined) byFlag.set(`-${o.alias}`, [name, o]);
    if (o.type === 'boolean') {
      byFlag.set(`--no-${name}`, [name, o]); // yargs' negation: `--no-journal` is journal = false
      negated.add(`--no-${name}`);
    }
  }
  const values: Record<string, unknown> = {};
  const positionals: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-') return null; // yargs drops a lone `-`
    if (!arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const known = byFlag.get(flag);
    if (known === undefined) return null;
    const [name, option] = known;
    if (name in values) return null; // yargs would make an array
    let text: string | undefined;
    if (eq >= 0) {
      text = arg.slice(eq + 1);
    } else if (option.type !== 'boolean') {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('-')) {
        // yargs gives a string option with no value '', or its default if it has one (and a number
        // option NaN or its default: let yargs do those).
        if (option.type !== 'string' || option.default !== undefined) return null;
        text = '';
      } else {
        text = next;
        i++;
      }
    } else if (argv[i + 1] === 'true' || argv[i + 1] === 'false') {
      return null; // yargs would take it as the flag's value
    }
    if (option.type === 'boolean') {
      if (text !== undefined) return null;
      values[name] = !negated.has(flag);
    } else if (option.choices !== undefined && !option.choices.includes(text ?? '')) {
      return null; // yargs names the choices
    } else if (option.type === 'number') {
      if (text === undefined || !/^-?[0-9]+(\.[0-9]+)?$/.test(text)) return null;
      values[name] = Number(text);
    } else {
      values[name] = text;
    }
  }
  for (const [name, o] of Object.entries(spec.options)) {
    if (!(name in values) && o.default !== undefined) values[name] = o.default;
  }
  let p = 0;
  for (const pos of spec.positionals) {
    if (pos.variadic) {
      values[pos.name] = positionals.slice(p);
      p = positionals.length;
    } else if (p < positionals.length) {
      values[pos.name] = positionals[p++];
    } else if (!pos.optional) {
      return null;
    }
  }
  if (p < positionals.length) return null;
  return { ...values, _: [spec.name, ...rest] };
}

/**
 * Runs argv (the command's name first) without yargs when `commands` has its command and the
 * command line allows it, and resolves with null. Otherwise resolves with the command line that
 * yargs must take over (help, an unusual or wrong command line), a command's own command line
 * already protected from being read as rq's options (protectCommandLine).
 */
export async function runFastCommand(
  commands: Readonly<Record<string, LoadCommand>>,
  argv: readonly string[],
): Promise<readonly string[] | null> {
  const load = Object.hasOwn(commands, argv[0] ?? '') ? commands[argv[0]] : undefined;
  if (load === undefined) return argv;
  const spec = await load();
  const protectedArgv = [argv[0], ...protectCommandLine(spec, argv.slice(1))];
  return (await runFast(spec, protectedArgv)) ? null : protectedArgv;
}

/**
 * Runs a command without yargs when the command line allows it. Returns false when yargs
 * must take over (help, an unusual or wrong command line).
 */
async function runFast(spec: CommandSpec<unknown>, argv: readonly string[]): Promise<boolean> {
  const raw = fastParse(spec, argv.slice(1));
  if (raw === null) return false;
  let plan: unknown;
  try {
    plan = spec.plan(raw);
  } catch (err) {
    if (isUsageError(err)) return false; // yargs reports it, with the usage
    throw err;
  }
  await spec.run(plan);
  return true;
}
