/** The client's defaults: a server on this machine, on rq's port (protocol/port.ts). */
export { DEFAULT_PORT } from '../protocol/port.js';
export const DEFAULT_HOST = '127.0.0.1';

/**
 * How long a request may go unanswered (beyond any wait it asked for) before the client gives up,
 * in ms. Long enough for a loaded server and a large push; short enough that a script notices a
 * dead server. memjs's own 0.5 s would fail (and resend) slow but healthy requests.
 */
export const DEFAULT_TIMEOUT_MS = 5000;

/** How long a pop over several servers blocks on one of them before trying the next, in ms. */
export const MULTI_WAIT_SLICE_MS = 1000;
/** Longest single blocking request on one server, in ms (a dead peer shows within this plus the timeout). */
export const WAIT_SLICE_MS = 60_000;
