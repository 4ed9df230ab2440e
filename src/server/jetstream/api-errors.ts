/** The JetStream API errors the store tells apart, by their codes (nats-server errors.json). */
import { NoRespondersError } from '@nats-io/transport-node';

const STREAM_NOT_FOUND = 10059;
const CONSUMER_NOT_FOUND = 10014;
const NO_MESSAGE_FOUND = 10037;
const SEQUENCE_NOT_FOUND = 10043;
const MSG_DELETE_FAILED = 10057;
const STREAM_NAME_IN_USE = 10058;
const CONSUMER_NAME_EXISTS = 10013;
const CONSUMER_ALREADY_EXISTS = 10105;
const CONSUMER_EXISTS = 10148;
const MAXIMUM_STREAMS_LIMIT = 10027;

function codeOf(err: unknown): number {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : 0;
}

/** The queue's stream, or its consumer, does not exist (deleted, or never made). */
export function isGone(err: unknown): boolean {
  const code = codeOf(err);
  return code === STREAM_NOT_FOUND || code === CONSUMER_NOT_FOUND;
}

export function isStreamNotFound(err: unknown): boolean {
  return codeOf(err) === STREAM_NOT_FOUND;
}

/**
 * No message at that sequence (acknowledged, flushed, or never there). A delete says so in one of
 * three ways, depending on where the sequence falls in the stream's files.
 */
export function isNoMessage(err: unknown): boolean {
  const code = codeOf(err);
  return (
    code === NO_MESSAGE_FOUND ||
    code === SEQUENCE_NOT_FOUND ||
    (code === MSG_DELETE_FAILED && /no message found/.test((err as Error).message))
  );
}

/** The account may not have more streams (its JetStream `max_streams`): no more queues. */
export function isTooManyStreams(err: unknown): boolean {
  return codeOf(err) === MAXIMUM_STREAMS_LIMIT;
}

/** A stream or consumer of that name exists already (made by another front end, maybe otherwise configured). */
export function isInUse(err: unknown): boolean {
  const code = codeOf(err);
  return (
    code === STREAM_NAME_IN_USE || code === CONSUMER_NAME_EXISTS || code === CONSUMER_ALREADY_EXISTS || code === CONSUMER_EXISTS
  );
}

/**
 * Nothing answered a publish (NATS "no responders", which nats.js reports as JetStream not
 * enabled, and requests.ts as it is): no stream takes the subject, or its stream has no leader now.
 */
export function isNoStream(err: unknown): boolean {
  return err instanceof NoRespondersError || (err as Error | null)?.name === 'JetStreamNotEnabled';
}

/** A request nobody answered in time. */
export function isTimeout(err: unknown): boolean {
  return (err as Error | null)?.name === 'TimeoutError';
}
