/** `rq completion bash|zsh`: prints a shell completion script (man/rq-completion.1). */
import type { Argv, CommandModule } from 'yargs';

export interface CompletionArgs {
  shell: 'bash' | 'zsh';
}

export const completionCommand: CommandModule<object, CompletionArgs> = {
  command: 'completion <shell>',
  describe: 'Print a completion script for bash or zsh (commands, options)',
  builder: (y: Argv) =>
    y
      .positional('shell', { choices: ['bash', 'zsh'] as const, demandOption: true, describe: 'The shell to complete for' })
      .example('source <(rq completion bash)', 'complete rq in this bash')
      .example('rq completion zsh > "${fpath[1]}/_rq"', 'install it for zsh (then restart zsh)'),
  handler: async (args) => {
    // yargs writes the script of the shell named in SHELL (read when an instance is made); the
    // script calls `rq --get-yargs-completions …`, which main() hands to yargs like any command line.
    const { default: yargs } = await import('yargs');
    const saved = process.env.SHELL;
    process.env.SHELL = `/bin/${args.shell}`;
    try {
      // @types/yargs 17 lacks showCompletionScript's ($0, command) parameters; yargs 18 has them.
      const y = yargs([]).scriptName('rq') as unknown as { showCompletionScript($0: string, command: string): void };
      y.showCompletionScript('rq', `completion ${args.shell}`);
    } finally {
      if (saved === undefined) delete process.env.SHELL;
      else process.env.SHELL = saved;
    }
  },
};
