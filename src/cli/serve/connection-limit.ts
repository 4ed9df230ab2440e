/**
 * `--max-connections` against the open-file limit: the default (memcached's 1024) is lowered to
 * what the limit leaves room for, and a limit given that the descriptors cannot honour is kept but
 * warned about, since clients past the descriptors get a reset instead of the error line.
 */
import { DEFAULT_MAX_CONNECTIONS } from '../../server/defaults.js';
import { connectionsAllowedBy } from '../../server/descriptors.js';

export interface ConnectionLimit {
  /** Connections served at once (Infinity for no limit). */
  readonly max: number;
  /** What the log should say about it, or null. */
  readonly warning: string | null;
}

/** `given`: --max-connections as typed (0: no limit; undefined: the default). `openFiles`: null when unknown. */
export function chooseMaxConnections(given: number | undefined, openFiles: number | null): ConnectionLimit {
  const room = openFiles === null ? Infinity : connectionsAllowedBy(openFiles);
  if (given === undefined) {
    if (room >= DEFAULT_MAX_CONNECTIONS) return { max: DEFAULT_MAX_CONNECTIONS, warning: null };
    return { max: room, warning: `--max-connections lowered to ${room} to fit the open file limit` };
  }
  const max = given === 0 ? Infinity : given;
  if (max <= room) return { max, warning: null };
  return {
    max,
    warning:
      `--max-connections ${given === 0 ? '0 (no limit)' : given} is more than the open file limit leaves room for: ` +
      `clients past about ${room} connections may be reset instead of refused with an error line; ` +
      'raise the limit (ulimit -n, systemd LimitNOFILE=)',
  };
}
