/**
 * Every wire value of the memcache binary protocol that rq uses, defined once.
 * Sources: memcached's protocol_binary.h and the "Binary Protocol Revamped" specification
 * (sections 2 "Packet structure", 3.1 "Magic byte", 3.2 "Response status", 3.3 "Command opcodes").
 * rq's meanings are in docs/protocol.md "Binary protocol".
 */

/** protocol_binary.h: protocol_binary_magic. */
export const MAGIC_REQUEST = 0x80;
export const MAGIC_RESPONSE = 0x81;

/** protocol_binary.h: PROTOCOL_BINARY_RAW_BYTES, the only data type (spec 3.4). */
export const DATATYPE_RAW = 0x00;

/**
 * Spec section 2: the 24-byte header, all fields big-endian.
 *   0 magic · 1 opcode · 2–3 key length · 4 extras length · 5 data type ·
 *   6–7 vbucket id (request) / status (response) · 8–11 total body length · 12–15 opaque · 16–23 CAS
 */
export const HEADER_BYTES = 24;
export const OFFSET = {
  magic: 0,
  opcode: 1,
  keyLength: 2,
  extrasLength: 4,
  dataType: 5,
  status: 6,
  bodyLength: 8,
  opaque: 12,
  cas: 16,
} as const;

/** protocol_binary.h: protocol_binary_command. */
export const OP = {
  GET: 0x00,
  SET: 0x01,
  ADD: 0x02,
  REPLACE: 0x03,
  DELETE: 0x04,
  INCREMENT: 0x05,
  DECREMENT: 0x06,
  QUIT: 0x07,
  FLUSH: 0x08,
  GETQ: 0x09,
  NOOP: 0x0a,
  VERSION: 0x0b,
  GETK: 0x0c,
  GETKQ: 0x0d,
  APPEND: 0x0e,
  PREPEND: 0x0f,
  STAT: 0x10,
  SETQ: 0x11,
  ADDQ: 0x12,
  REPLACEQ: 0x13,
  DELETEQ: 0x14,
  INCREMENTQ: 0x15,
  DECREMENTQ: 0x16,
  QUITQ: 0x17,
  FLUSHQ: 0x18,
  APPENDQ: 0x19,
  PREPENDQ: 0x1a,
  VERBOSITY: 0x1b,
  TOUCH: 0x1c,
  GAT: 0x1d,
  GATQ: 0x1e,
  SASL_LIST_MECHS: 0x20,
  SASL_AUTH: 0x21,
  SASL_STEP: 0x22,
  GATK: 0x23,
  GATKQ: 0x24,
} as const;

/** protocol_binary.h: protocol_binary_response_status (spec 3.2). */
export const STATUS = {
  SUCCESS: 0x0000,
  KEY_NOT_FOUND: 0x0001,
  KEY_EXISTS: 0x0002,
  VALUE_TOO_LARGE: 0x0003,
  INVALID_ARGUMENTS: 0x0004,
  NOT_STORED: 0x0005,
  /** SASL: authentication failed, or required before this command. */
  AUTH_ERROR: 0x0020,
  /** SASL: another step is needed (rq's one mechanism, PLAIN, never asks for one). */
  AUTH_CONTINUE: 0x0021,
  UNKNOWN_COMMAND: 0x0081,
  OUT_OF_MEMORY: 0x0082,
  NOT_SUPPORTED: 0x0083,
  INTERNAL_ERROR: 0x0084,
  BUSY: 0x0085,
  TEMPORARY_FAILURE: 0x0086,
} as const;

/** The message body memcached sends with an error status (its `write_bin_error` texts, where it has one). */
export const STATUS_TEXT: Readonly<Record<number, string>> = {
  [STATUS.KEY_NOT_FOUND]: 'Not found',
  [STATUS.KEY_EXISTS]: 'Data exists for key.',
  [STATUS.VALUE_TOO_LARGE]: 'Too large.',
  [STATUS.INVALID_ARGUMENTS]: 'Invalid arguments',
  [STATUS.NOT_STORED]: 'Not stored.',
  [STATUS.AUTH_ERROR]: 'Auth failure.',
  [STATUS.UNKNOWN_COMMAND]: 'Unknown command',
  [STATUS.OUT_OF_MEMORY]: 'Out of memory',
  [STATUS.NOT_SUPPORTED]: 'Not supported',
  [STATUS.INTERNAL_ERROR]: 'Internal error',
  [STATUS.BUSY]: 'Busy',
  [STATUS.TEMPORARY_FAILURE]: 'Temporary failure',
};

/** Extras of SET (spec 4.3): 4 bytes flags, 4 bytes expiration. */
export const SET_EXTRAS_BYTES = 8;
/** TOUCH request extras: expiration u32 (spec: Touch, Get And Touch). */
export const TOUCH_EXTRAS_BYTES = 4;
/** Extras of a GET hit (spec 4.1): 4 bytes flags. */
export const GET_EXTRAS_BYTES = 4;
/** Extras of FLUSH (spec 4.5): optional 4 bytes expiration (a delay, in rq). */
export const FLUSH_EXTRAS_BYTES = 4;
/** Extras of VERBOSITY: 4 bytes verbosity level. */
export const VERBOSITY_EXTRAS_BYTES = 4;

/**
 * The most key and extras bytes a packet can carry (their header fields are 16 and 8 bits wide):
 * a body may exceed the item size limit by this much and no more.
 */
export const MAX_KEY_AND_EXTRAS_BYTES = 0xffff + 0xff;
