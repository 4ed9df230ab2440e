/**
 * Every reply word of the text protocol, defined once.
 * memcached protocol.txt: "Error strings", "Storage commands", "Retrieval command", "Deletion";
 * rq's own meanings are in docs/protocol.md.
 */
import { DEAD_LETTERED_REPLY } from '../key.js';

export const CRLF = '\r\n';
export const STORED = 'STORED\r\n';
export const NOT_STORED = 'NOT_STORED\r\n';
export const DELETED = 'DELETED\r\n';
export const DEAD_LETTERED = `${DEAD_LETTERED_REPLY}\r\n`;
export const TOUCHED = 'TOUCHED\r\n';
export const NOT_FOUND = 'NOT_FOUND\r\n';
export const END = 'END\r\n';
export const OK = 'OK\r\n';
export const ERROR = 'ERROR\r\n';
export const VALUE = 'VALUE ';
export const STAT = 'STAT ';
export const VERSION = 'VERSION ';

export function clientError(reason: string): string {
  return `CLIENT_ERROR ${reason}\r\n`;
}

export function serverError(reason: string): string {
  return `SERVER_ERROR ${reason}\r\n`;
}

/** The longest command line accepted (memcached uses 2048 for keys ×…; we allow 8 KiB for long multi-gets). */
export const MAX_LINE_BYTES = 8192;

/** docs/protocol.md "Authentication": wrong credentials (memcached's words). */
export const AUTH_FAILURE = 'CLIENT_ERROR authentication failure\r\n';
/** docs/protocol.md "Authentication": any command but the login `set` and `quit` before logging in. */
export const AUTH_REQUIRED =
  'CLIENT_ERROR authentication required: log in first with set <any key> 0 0 <bytes> and "<user> <password>" as the data\r\n';
