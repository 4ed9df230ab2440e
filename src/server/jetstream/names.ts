/**
 * How an rq queue name becomes JetStream names, reversibly. A queue name is 1–250 bytes, any byte
 * but space, control characters and `/` (protocol/key.ts), UTF-8 and raw high bytes alike; a
 * JetStream subject token and a stream name may not hold `.`, `*`, `>` or white space, a stream
 * name becomes a directory name on each server's disk (at most 255 bytes), and the JetStream API
 * carries names in JSON (UTF-8 only). So:
 *
 * - the *token* of a name keeps `A–Z a–z 0–9 _ -` and writes every other byte as `~` and two hex
 *   digits (`café` → `caf~c3~a9`): reversible, and never holds `~~`;
 * - each queue is one stream with one subject, `<prefix>.<token>`, from which the name is read back;
 * - the stream is `<prefix>_<token>` when that is at most STREAM_NAME_MAX characters, else the
 *   token's first characters, `~~`, and 128 bits of the name's SHA-256 (a long name stays unique:
 *   a full token never holds `~~`).
 *
 * - a queue's delayed items (`set q/delay=`) wait in a stream of their own: `<stream>~d`, subject
 *   `<subject>.delayed` (a token never ends in `~` and one character, nor does a shortened name,
 *   whose last 32 characters are hex digits; and `<prefix>.*` matches no delayed subject).
 *
 * A prefix (`--store-prefix`, `rq` by default) keeps several rq deployments apart on one account; it
 * holds no `_`, so `<prefix>_` cannot be read two ways.
 */
import { createHash } from 'node:crypto';

/** Stream names up to this length are the whole token; longer ones are shortened with a hash. */
export const STREAM_NAME_MAX = 128;
/** How much of a long name's token a shortened stream name keeps, for people reading stream lists. */
const SHORT_TOKEN_CHARS = 64;

/** The durable pull consumer every front end reserves through. */
export const CONSUMER_NAME = 'rq';

/** A prefix: letters, digits and `-`, 1–32 of them. */
export function prefixError(prefix: string): string | null {
  return /^[A-Za-z0-9-]{1,32}$/.test(prefix) ? null : 'the prefix must be 1–32 letters, digits or -';
}

function kept(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a) ||
    code === 0x5f ||
    code === 0x2d
  );
}

/** A queue name (a latin1 byte string) as a token safe in subjects and stream names. */
export function tokenOf(name: string): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    out += kept(code) ? name[i] : '~' + code.toString(16).padStart(2, '0');
  }
  return out;
}

/** The queue name of a token, or null when it is not one tokenOf makes. */
export function nameOfToken(token: string): string | null {
  let out = '';
  for (let i = 0; i < token.length; i++) {
    const code = token.charCodeAt(i);
    if (kept(code)) {
      out += token[i];
      continue;
    }
    const hex = token.slice(i + 1, i + 3);
    if (code !== 0x7e || !/^[0-9a-f]{2}$/.test(hex)) return null;
    const byte = parseInt(hex, 16);
    if (kept(byte)) return null; // tokenOf never escapes these: not a token of ours
    out += String.fromCharCode(byte);
    i += 2;
  }
  return out.length > 0 ? out : null;
}

/** Where one queue lives in JetStream. */
export interface QueueNames {
  readonly queue: string;
  readonly stream: string;
  readonly subject: string;
}

/** The stream and subject of queue `name` under `prefix`. */
export function namesOf(prefix: string, name: string): QueueNames {
  const token = tokenOf(name);
  const full = `${prefix}_${token}`;
  const stream =
    full.length <= STREAM_NAME_MAX
      ? full
      : `${prefix}_${token.slice(0, SHORT_TOKEN_CHARS)}~~${createHash('sha256').update(name, 'latin1').digest('hex').slice(0, 32)}`;
  return { queue: name, stream, subject: `${prefix}.${token}` };
}

/** The queue name a stream subject under `prefix` stands for, or null when it is not an rq queue's. */
export function queueOfSubject(prefix: string, subject: string): string | null {
  if (!subject.startsWith(prefix + '.')) return null;
  return nameOfToken(subject.slice(prefix.length + 1));
}

/** The subjects of every queue under `prefix` (one token after it). */
export function allSubjects(prefix: string): string {
  return `${prefix}.*`;
}

const DELAYED_STREAM_SUFFIX = '~d';
const DELAYED_SUBJECT_SUFFIX = '.delayed';

/** Where the delayed items of a queue wait. */
export function delayedNamesOf(names: QueueNames): { readonly stream: string; readonly subject: string } {
  return { stream: names.stream + DELAYED_STREAM_SUFFIX, subject: names.subject + DELAYED_SUBJECT_SUFFIX };
}

/** True for the name of a stream of delayed items. */
export function isDelayedStream(stream: string): boolean {
  return stream.endsWith(DELAYED_STREAM_SUFFIX);
}

/** The queue name whose delayed items a subject under `prefix` holds, or null. */
export function queueOfDelayedSubject(prefix: string, subject: string): string | null {
  if (!subject.endsWith(DELAYED_SUBJECT_SUFFIX)) return null;
  return queueOfSubject(prefix, subject.slice(0, -DELAYED_SUBJECT_SUFFIX.length));
}

/** The subjects of every queue's delayed items under `prefix`. */
export function allDelayedSubjects(prefix: string): string {
  return `${prefix}.*${DELAYED_SUBJECT_SUFFIX}`;
}
