/** Turns a failed poll into the few words the status line shows ("connection refused"). Pure. */
import { printable, truncate } from './format.js';

const BY_CODE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** The longest error text shown; a hostile server's error line must not fill the screen. */
const MAX_REASON = 80;

export function describeError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && BY_CODE[code]) return BY_CODE[code];
  const message = err instanceof Error ? err.message : String(err);
  return truncate(printable(message || 'unknown error'), MAX_REASON);
}
