/**
 * `rq --help` and its relatives as a user meets them, through the built bin/rq: -h, `rq help
 * <command>`, examples shown whole, usage errors that name the command and the option, the exit
 * statuses, and `rq completion bash|zsh` completing in a real bash. Needs `npm run build`.
 */
import { describe, expect, it } from 'vitest';
import { EXIT_STATUSES } from '../../src/cli/exit-codes.js';
import { clientCommands } from '../../src/cli/commands.js';
import { sh, requireBuild } from '../helpers/shell.js';

const env = { COLUMNS: '80' };
requireBuild();

describe('help', () => {
  it('-h is --help, and `rq help <command>` is `rq <command> --help`', async () => {
    const long = await sh('rq pop --help', env);
    expect(long.status).toBe(0);
    expect((await sh('rq pop -h', env)).stdout.toString()).toBe(long.stdout.toString());
    expect((await sh('rq help pop', env)).stdout.toString()).toBe(long.stdout.toString());
    expect((await sh('rq help', env)).stdout.toString()).toBe((await sh('rq --help', env)).stdout.toString());
  });

  it('shows every example command whole, on a line of its own, in 80 columns', async () => {
    for (const spec of clientCommands) {
      const help = (await sh(`rq ${spec.name} --help`, env)).stdout.toString();
      for (const [command, what] of spec.examples) {
        const line = command.replace(/\$0/g, 'rq');
        expect({ command: spec.name, line: help.split('\n').some((l) => l.trim() === line) }).toEqual({
          command: spec.name,
          line: true,
        });
        expect(help).toContain(`# ${what}`);
      }
    }
  });

  it('lists every exit status in rq --help', async () => {
    const help = (await sh('rq --help', { COLUMNS: '200' })).stdout.toString().replace(/\s+/g, ' ');
    for (const [status, meaning] of EXIT_STATUSES) expect(help).toContain(`${status} ${meaning}`);
  });

  it('says "--timeout" waits "beyond any --wait" only where there is a --wait', async () => {
    expect((await sh('rq pop --help', { COLUMNS: '200' })).stdout.toString()).toContain('beyond any --wait');
    expect((await sh('rq ack --help', { COLUMNS: '200' })).stdout.toString()).not.toContain('--wait');
  });
});

describe('usage errors', () => {
  it.each([
    ['rq pop q --bogus', 'rq pop: unknown option --bogus'],
    ['rq pop q -n', 'rq pop: -n needs a value'],
    ['rq pop', 'rq pop: missing <queue>'],
    ['rq work q', 'rq work: give the command to run'],
    // A bare number option is refused, never read as its default: `rq serve --port` must not serve on 22133.
    ['rq serve --port', 'rq serve: --port needs a value'],
    ['rq serve --port --no-journal', 'rq serve: --port needs a value'],
    ['rq serve --log-format yaml', 'rq serve: --log-format must be one of "text", "json" (got "yaml")'],
    ['rq top --interval 0.01', 'rq top: --interval must be a number of seconds from 0.1 to 3600'],
    ['rq completion fish', 'rq completion: <shell> must be one of "bash", "zsh" (got "fish")'],
  ])('`%s` says: %s, and how to get help', async (line, message) => {
    const r = await sh(line, env);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toMatch(/Try `rq( \S+)? --help`\./);
  });
});

describe('rq completion', () => {
  it('bash: completes the commands, and the options of one, in a real bash', async () => {
    const complete = (words: string) =>
      sh(
        `bash -c 'source <(rq completion bash); COMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _rq_yargs_completions; printf "%s\\n" "\${COMPREPLY[@]}"'`,
        env,
      );
    const commands = await complete('rq po');
    expect(commands.stdout.toString().split('\n')).toContain('pop');
    expect((await complete('rq t')).stdout.toString().split('\n')).toEqual(expect.arrayContaining(['top', 'touch']));
    expect((await complete('rq re')).stdout.toString().split('\n')).toEqual(expect.arrayContaining(['redrive', 'release']));
    expect((await complete('rq work q --retry')).stdout.toString().split('\n')).toEqual(
      expect.arrayContaining(['--retry-delay', '--retry-max-delay']),
    );
    const options = await complete('rq pop --fo');
    expect(options.stdout.toString().split('\n')).toContain('--follow');
  });

  it('zsh: prints a completion function', async () => {
    const r = await sh('rq completion zsh', env);
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toMatch(/^#compdef rq/);
    expect(r.stdout.toString()).toContain('rq --get-yargs-completions');
  });
});
