/**
 * What `rq work` does with an item once its command has run: the one place where a run's result
 * becomes a decision (man/rq-work.1 "What happens to an item"). The slot carries the decision out.
 */
import { EXIT_COMMAND_CANNOT_RUN, EXIT_COMMAND_NOT_FOUND } from '../exit-codes.js';
import type { CommandResult } from './spawn-command.js';

/** sysexits.h EX_TEMPFAIL: "temporary failure; the user is invited to retry" (as sendmail and postfix's pipe use it). */
export const EX_TEMPFAIL = 75;

export type Decision =
  /** The command succeeded: acknowledge the item. */
  | { readonly action: 'ack' }
  /**
   * Give the item back for another try, after the back-off. `deferred`: the command asked for
   * it (EX_TEMPFAIL), which is no failure; otherwise the run failed.
   */
  | { readonly action: 'retry'; readonly why: string; readonly deferred: boolean }
  /** The command cannot be run at all: give the item back and stop the worker with `status`. */
  | { readonly action: 'stop'; readonly why: string; readonly status: number };

export function decide(result: CommandResult): Decision {
  switch (result.kind) {
    case 'exited':
      if (result.code === 0) return { action: 'ack' };
      if (result.code === EX_TEMPFAIL)
        return { action: 'retry', why: `command asked for a retry (status ${EX_TEMPFAIL}, EX_TEMPFAIL)`, deferred: true };
      return { action: 'retry', why: `command exited with status ${result.code}`, deferred: false };
    case 'signalled':
      return { action: 'retry', why: `command killed by ${result.signal}`, deferred: false };
    case 'timed-out':
      return { action: 'retry', why: `command still running after --timeout ${result.ms / 1000}: killed`, deferred: false };
    case 'failed-to-start': {
      const code = result.error.code;
      return {
        action: 'stop',
        why: code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'permission denied' : result.error.message,
        status: code === 'ENOENT' ? EXIT_COMMAND_NOT_FOUND : EXIT_COMMAND_CANNOT_RUN,
      };
    }
  }
}
