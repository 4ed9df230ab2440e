/**
 * What `rq work` does with an item once its command has run: the one place where a run's result
 * becomes a decision (man/rq-work.1 "What happens to an item"). The slot carries the decision out;
 * retries with a server-side delay, a dead-letter limit or EX_TEMPFAIL (75) would be rows of this
 * table.
 */
import { EXIT_COMMAND_CANNOT_RUN, EXIT_COMMAND_NOT_FOUND } from '../exit-codes.js';
import type { CommandResult } from './spawn-command.js';

export type Decision =
  /** The command succeeded: acknowledge the item. */
  | { readonly action: 'ack' }
  /** The command failed: give the item back for another try, after a back-off. */
  | { readonly action: 'retry'; readonly why: string }
  /** The command cannot be run at all: give the item back and stop the worker with `status`. */
  | { readonly action: 'stop'; readonly why: string; readonly status: number };

export function decide(result: CommandResult): Decision {
  switch (result.kind) {
    case 'exited':
      return result.code === 0 ? { action: 'ack' } : { action: 'retry', why: `command exited with status ${result.code}` };
    case 'signalled':
      return { action: 'retry', why: `command killed by ${result.signal}` };
    case 'timed-out':
      return { action: 'retry', why: `command still running after --timeout ${result.ms / 1000}: killed` };
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
