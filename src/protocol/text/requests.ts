/**
 * The typed requests the text parser produces. One object per command line;
 * keys stay unparsed latin1 strings here (their options are parsed by ../key.ts
 * at dispatch, through a cache).
 */

/** Commands that carry a data block. memcached protocol.txt: "Storage commands". */
export type StorageCommand = 'set' | 'add' | 'replace' | 'append' | 'prepend' | 'cas';

export interface StorageRequest {
  readonly type: 'storage';
  readonly command: StorageCommand;
  readonly key: string;
  readonly flags: number;
  readonly exptime: number;
  /** The data block, without its trailing CRLF. May be a view into the read buffer: copy to keep. */
  readonly data: Buffer;
  readonly noreply: boolean;
}

export interface GetRequest {
  readonly type: 'get';
  /** `gets` asks for the cas field (the item id) and polls the keys in order. */
  readonly command: 'get' | 'gets';
  readonly keys: string[];
}

export interface DeleteRequest {
  readonly type: 'delete';
  readonly key: string;
  readonly noreply: boolean;
}

/** `touch <key> <exptime> [noreply]`: renews a reservation's lease (docs/protocol.md: touch). */
export interface TouchRequest {
  readonly type: 'touch';
  readonly key: string;
  /** memcache's exptime, signed as sent. */
  readonly exptime: number;
  readonly noreply: boolean;
}

/** Commands of memcache that have no queue meaning: answered with a clear error. */
export interface UnsupportedRequest {
  readonly type: 'unsupported';
  readonly command: string;
  readonly noreply: boolean;
}

export interface StatsRequest {
  readonly type: 'stats';
  readonly args: string[];
}

export interface FlushRequest {
  readonly type: 'flush';
  /** The queue to empty (`flush <q>`); null for `flush_all`. */
  readonly queue: string | null;
  /** flush_all's optional delay in seconds. */
  readonly delay: number;
  readonly noreply: boolean;
}

export interface DeleteQueueRequest {
  readonly type: 'delete_queue';
  readonly queue: string;
  readonly noreply: boolean;
}

export interface SimpleRequest {
  readonly type: 'version' | 'quit';
}

/** `verbosity` is accepted and ignored, as memcached clients send it. */
export interface VerbosityRequest {
  readonly type: 'verbosity';
  readonly noreply: boolean;
}

/**
 * A line that could not be understood. `reply` is the full reply line;
 * `close` asks the session to close after sending it (the stream is out of sync).
 * With noreply set, the error is not sent at all (docs/protocol.md: noreply).
 */
export interface ParseErrorRequest {
  readonly type: 'error';
  readonly reply: string;
  readonly close: boolean;
  readonly noreply: boolean;
}

export type TextRequest =
  | StorageRequest
  | GetRequest
  | DeleteRequest
  | TouchRequest
  | UnsupportedRequest
  | StatsRequest
  | FlushRequest
  | DeleteQueueRequest
  | SimpleRequest
  | VerbosityRequest
  | ParseErrorRequest;
