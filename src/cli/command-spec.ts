/**
 * A subcommand described as data (`rq serve` and the client commands). yargs builds the command's
 * --help and parses from this description; the fast path (fast-path.ts) parses the same table
 * without loading yargs, which alone costs more than node's own start-up (and ~14 MB of a server's
 * memory). Both hand the raw arguments to the command's `plan` function, so the meaning of the
 * arguments lives in one place; a unit test checks that the two parsers agree.
 */
import type { Argv, CommandModule, Options } from 'yargs';

export interface OptionSpec {
  readonly type: 'string' | 'number' | 'boolean';
  /** One short (single-character) alias. */
  readonly alias?: string;
  readonly describe: string;
  /** The only values the option takes: yargs lists them in --help and names them when refusing another. */
  readonly choices?: readonly string[];
  readonly default?: string | number | boolean;
  readonly defaultDescription?: string;
}

export interface PositionalSpec {
  readonly name: string;
  readonly describe: string;
  readonly optional?: boolean;
  /** Takes every remaining argument (and everything after `--`). */
  readonly variadic?: boolean;
}

/** Arguments as either parser produces them: option and positional names as keys, `_` = [command, …after `--`]. */
export type RawArgs = { readonly _: ReadonlyArray<string | number> } & Readonly<Record<string, unknown>>;

export interface CommandSpec<Plan> {
  readonly name: string;
  readonly describe: string;
  readonly positionals: readonly PositionalSpec[];
  readonly options: Readonly<Record<string, OptionSpec>>;
  /**
   * The last positional is a command line to run (`rq work q sh -c …`): from its first word on,
   * every argument is the command's, options included (see protectCommandLine).
   */
  readonly commandLine?: boolean;
  readonly examples: ReadonlyArray<readonly [string, string]>;
  /** What the arguments ask for; throws UsageError. Shared by both parsers. */
  readonly plan: (raw: RawArgs) => Plan;
  /**
   * Does it. Loads what it needs lazily. A method, so that a CommandSpec<PushPlan> is also a
   * CommandSpec<unknown> (method parameters are bivariant): the command lists hold specs of every
   * plan type, and only ever hand run() what the same spec's plan() returned.
   */
  run(plan: Plan): Promise<void>;
}

/** A command line that is wrong: exit status 2 with the message. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Errors that mean the command line is wrong: bad usage, a bad queue name, a bad server address. */
export function isUsageError(err: unknown): boolean {
  const name = (err as Error | null)?.name;
  // By name, so that this module does not load the client library.
  return err instanceof UsageError || name === 'QueueNameError' || name === 'AddressError';
}

/** The values of a variadic positional: those before `--` and everything after it. */
export function variadic(raw: RawArgs, name: string): string[] {
  const before = (raw[name] as ReadonlyArray<string | number> | undefined) ?? [];
  return [...before, ...raw._.slice(1)].map(String);
}

/**
 * The arguments (after the subcommand's name) with `--` put before the command line of a spec with
 * `commandLine`, so that neither parser reads the command's options as rq's: `rq work q sh -c x`
 * is `rq work q -- sh -c x`, as xargs and GNU parallel read it. The command line starts at the
 * first argument, after the other positionals, that is neither an option nor an option's value.
 */
export function protectCommandLine(spec: CommandSpec<unknown>, argv: readonly string[]): readonly string[] {
  if (spec.commandLine !== true) return argv;
  const valueTaking = new Set<string>();
  for (const [name, o] of Object.entries(spec.options)) {
    if (o.type === 'boolean') continue;
    valueTaking.add(`--${name}`);
    if (o.alias !== undefined) valueTaking.add(`-${o.alias}`);
  }
  let positionals = 0;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return argv;
    if (arg.startsWith('-') && arg !== '-') {
      if (valueTaking.has(arg)) i++; // `--timeout 5`, `-c 4`; `--timeout=5` and `-c4` carry their value
      continue;
    }
    if (positionals === spec.positionals.length - 1) return [...argv.slice(0, i), '--', ...argv.slice(i)];
    positionals++;
  }
  return argv;
}

function usageLine(spec: CommandSpec<unknown>): string {
  const parts = spec.positionals.map((p) => {
    const n = p.variadic ? `${p.name}..` : p.name;
    return p.optional ? `[${n}]` : `<${n}>`;
  });
  return [spec.name, ...parts].join(' ');
}

export function toYargs(spec: CommandSpec<unknown>): CommandModule<object, RawArgs> {
  return {
    command: usageLine(spec),
    describe: spec.describe,
    builder: (y: Argv) => {
      let b = y;
      for (const p of spec.positionals) {
        b = b.positional(p.name, { type: 'string', describe: p.describe, array: p.variadic === true });
      }
      const options: Record<string, Options> = {};
      for (const [name, o] of Object.entries(spec.options)) {
        // Only the keys that are set: an explicit `default: undefined` changes how yargs reads a bare `--wait`.
        // An option with choices shows them in --help instead of its type.
        options[name] = Object.fromEntries(
          Object.entries(o).filter(([key, v]) => v !== undefined && !(key === 'type' && o.choices !== undefined)),
        );
        // `-n` with nothing after it is an error, not a NaN (a string option may stand alone: `--wait`).
        if (o.type === 'number') options[name].requiresArg = true;
      }
      // A usage error thrown here reaches main's fail handler, which prints it and exits with 2.
      b = b.options(options).check((raw) => {
        spec.plan(raw);
        return true;
      });
      for (const [cmd, what] of spec.examples) b = b.example(cmd, what);
      return b;
    },
    handler: async (raw) => spec.run(spec.plan(raw)),
  };
}
