/**
 * Turning a connection away (over `--max-connections`, or while the server stops): one error line,
 * then the socket is closed. The peer's first bytes are read and dropped until it closes, so that
 * closing does not reset the connection and lose the error line; a peer that stays silent is cut
 * off after REFUSAL_LINGER_MS.
 */
import type { Duplex } from 'node:stream';

/** How long a refused peer gets to read the error line and close. */
export const REFUSAL_LINGER_MS = 2000;

/**
 * Sends `SERVER_ERROR <reason>` and closes. The line is the text protocol's; a binary client reads
 * a bad magic byte and a close, which memcache clients report as a failed connection.
 */
export function refuseConnection(stream: Duplex, reason: string): void {
  stream.on('error', () => stream.destroy());
  stream.on('data', () => {});
  const timer = setTimeout(() => stream.destroy(), REFUSAL_LINGER_MS);
  timer.unref();
  stream.on('close', () => clearTimeout(timer));
  stream.end(`SERVER_ERROR ${reason}\r\n`);
}
