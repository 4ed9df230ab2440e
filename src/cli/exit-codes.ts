/**
 * rq's exit statuses: stable across versions, listed in `rq --help` and man/rq.1 from the table
 * below (a test keeps the page and the table equal).
 */
export const EXIT_OK = 0;
/** Nothing there: an empty queue, an unknown id (like grep finding nothing). */
export const EXIT_NOTHING = 1;
/** The command line was wrong. */
export const EXIT_USAGE = 2;
/** The server could not be reached, or answered with a protocol error. */
export const EXIT_UNREACHABLE = 3;
/** `rq replay-journal --verify`: the journal is damaged (the report says where). */
export const EXIT_DAMAGED = 4;
/** rq itself is not installed whole: its built files are missing (bin/rq, which cannot import this, says 70 too). */
export const EXIT_NOT_INSTALLED = 70;
/** `rq work`: some command run failed (xargs's status for the same). */
export const EXIT_SOME_FAILED = 123;
/** `rq work`: the command was found but cannot be run (xargs's 126). */
export const EXIT_COMMAND_CANNOT_RUN = 126;
/** `rq work`: the command was not found (xargs's 127). */
export const EXIT_COMMAND_NOT_FOUND = 127;

/** Every status with what it means, for `rq --help` and rq(1); 130 and 143 are the shell's for a signal. */
export const EXIT_STATUSES: ReadonlyArray<readonly [number, string]> = [
  [EXIT_OK, 'done'],
  [EXIT_NOTHING, 'nothing there (an empty queue, an unknown id)'],
  [EXIT_USAGE, 'a wrong command line'],
  [EXIT_UNREACHABLE, 'a server unreachable or refusing'],
  [EXIT_DAMAGED, 'a damaged journal (replay-journal --verify)'],
  [EXIT_NOT_INSTALLED, 'rq is not installed whole (not built)'],
  [EXIT_SOME_FAILED, 'some command failed (work)'],
  [EXIT_COMMAND_CANNOT_RUN, 'the command cannot be run (work)'],
  [EXIT_COMMAND_NOT_FOUND, 'the command was not found (work)'],
  [130, 'stopped by SIGINT (Ctrl-C)'],
  [143, 'stopped by SIGTERM'],
];
