/** rq's exit codes: documented in man/rq.1 and stable across versions. */
export const EXIT_OK = 0;
/** Nothing there: an empty queue, an unknown id (like grep finding nothing). */
export const EXIT_NOTHING = 1;
/** The command line was wrong. */
export const EXIT_USAGE = 2;
/** The server could not be reached, or answered with a protocol error. */
export const EXIT_UNREACHABLE = 3;
/** `rq replay-journal --verify`: the journal is damaged (the report says where). */
export const EXIT_DAMAGED = 4;
