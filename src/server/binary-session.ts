/**
 * The memcache binary protocol on one connection: parsed packets in, queue operations
 * (queue-ops/operations.ts), their outcomes put into response packets. The same queue semantics as
 * the text protocol (text-session.ts) through the same operations; requests run strictly in order
 * and a GET that waits (`/t=`) holds back the requests behind it. Opcode and opaque are echoed exactly. Meanings: docs/protocol.md
 * "Binary protocol"; wire values: protocol/binary/constants.ts.
 */
import { encodeResponse } from '../protocol/binary/packet.js';
import { OP, STATUS } from '../protocol/binary/constants.js';
import { BinaryParser } from '../protocol/binary/parser.js';
import type {
  BinaryDelete,
  BinaryFlush,
  BinaryGet,
  BinaryRequest,
  BinarySaslAuth,
  BinarySet,
  BinaryStat,
  BinaryTouch,
} from '../protocol/binary/requests.js';
import {
  KeyError,
  parseDeleteKeyCached,
  parseKeyCached,
  parseTouchKeyCached,
  DEAD_LETTERED_REPLY,
  type DeleteTarget,
  type KeyOptions,
} from '../protocol/key.js';
import { parseSaslPlain, SASL_PLAIN, type Credentials } from '../protocol/credentials.js';
import { DEAD_LETTERED } from '../queue/engine.js';
import type { Item } from '../queue/types.js';
import { logIn } from './auth.js';
import { BinaryReplies, type Echo } from './binary-replies.js';
import type { Connection } from './connection.js';
import type { StatsPairs } from './context.js';
import { OrderedSession } from './ordered-session.js';
import { unsupportedReason } from './queue-ops/failures.js';
import { Failure, isPending, type FailureKind } from './queue-ops/operations.js';
import { EMPTY_STATS_GROUPS } from './stats.js';

/** The message of an Auth failure status sent to a request made before login. */
const AUTH_REQUIRED = 'Authentication required: log in with SASL PLAIN first';

/**
 * The status of each kind of declined operation (docs/protocol.md: binary protocol). A full queue
 * is "out of memory", as memcached answers when it may not evict to make room.
 */
const FAILURE_STATUS: Readonly<Record<FailureKind, number>> = {
  invalid: STATUS.INVALID_ARGUMENTS,
  refused: STATUS.INTERNAL_ERROR,
  full: STATUS.OUT_OF_MEMORY,
  busy: STATUS.TEMPORARY_FAILURE,
  unsupported: STATUS.NOT_SUPPORTED,
};

export class BinarySession extends OrderedSession<BinaryRequest> {
  private readonly out: BinaryReplies;

  constructor(conn: Connection) {
    super(conn, new BinaryParser(conn.ctx.limits.maxItemSize, conn.ctx.partialBytes));
    this.out = new BinaryReplies(conn.outbox.replies);
  }

  /** Status 0x0084 with the reason, on a NOOP with opaque 0: it answers no request in particular. */
  failureReply(reason: string): Buffer {
    return encodeResponse({ opcode: OP.NOOP, status: STATUS.INTERNAL_ERROR, value: reason });
  }

  protected handle(req: BinaryRequest, now: number): void {
    if (!this.conn.authenticated) return this.unauthenticated(req);
    switch (req.type) {
      case 'get':
        return this.get(req, now);
      case 'set':
        return this.set(req, now);
      case 'delete':
        return this.delete(req, now);
      case 'touch':
        return this.touch(req, now);
      case 'flush':
        return this.flush(req, now);
      case 'stat':
        return this.stat(req, now);
      case 'noop':
      case 'verbosity':
        return this.out.empty(req);
      case 'version':
        return this.out.text(req, STATUS.SUCCESS, '', this.conn.ctx.version);
      case 'quit':
        if (!req.quiet) this.out.empty(req);
        this.stopped = true;
        return;
      case 'unsupported':
        return this.out.error(req, STATUS.NOT_SUPPORTED, unsupportedReason(req.command));
      case 'sasl_list':
      case 'sasl_auth':
        // Without --auth-file there is nothing to log in to: "unknown command", so clients carry on.
        if (this.conn.ctx.auth === null) return this.out.error(req, STATUS.UNKNOWN_COMMAND);
        return req.type === 'sasl_list' ? this.out.text(req, STATUS.SUCCESS, '', SASL_PLAIN) : this.logIn(req);
      case 'unknown':
        return this.out.error(req, STATUS.UNKNOWN_COMMAND);
      case 'invalid':
        return this.out.error(req, STATUS.INVALID_ARGUMENTS, req.reason);
      case 'too_large':
        return this.out.error(
          req,
          STATUS.VALUE_TOO_LARGE,
          `value of ${req.valueLength} bytes is larger than the item size limit (${this.conn.ctx.limits.maxItemSize})`,
        );
      case 'no_room':
        return this.out.error(req, STATUS.OUT_OF_MEMORY, req.reason);
      case 'fatal':
        this.out.error(req, STATUS.INVALID_ARGUMENTS, `${req.reason}; closing the connection`);
        this.stopped = true;
        return;
    }
  }

  /**
   * Before login (`--auth-file`): SASL_LIST_MECHS, SASL_AUTH and QUIT are served; everything else
   * gets Auth failure and nothing is done or shown. A stream that cannot be followed still closes.
   */
  private unauthenticated(req: BinaryRequest): void {
    switch (req.type) {
      case 'sasl_list':
        return this.out.text(req, STATUS.SUCCESS, '', SASL_PLAIN);
      case 'sasl_auth':
        return this.logIn(req);
      case 'no_room':
        return this.out.error(req, STATUS.OUT_OF_MEMORY, req.reason);
      case 'quit':
        if (!req.quiet) this.out.empty(req);
        this.stopped = true;
        return;
      case 'fatal':
        this.out.error(req, STATUS.INVALID_ARGUMENTS, `${req.reason}; closing the connection`);
        this.stopped = true;
        return;
    }
    this.out.error(req, STATUS.AUTH_ERROR, AUTH_REQUIRED);
  }

  /** SASL PLAIN in one step (RFC 4616). A failure is answered after a delay, and the requests behind it wait. */
  private logIn(req: BinarySaslAuth): void {
    let credentials: Credentials | string;
    if (req.step) credentials = 'SASL_STEP: PLAIN takes a single step';
    else if (req.mechanism !== SASL_PLAIN)
      credentials = `SASL mechanism ${JSON.stringify(req.mechanism)} is not offered (only PLAIN)`;
    else credentials = parseSaslPlain(req.data);
    if (logIn(this.conn, credentials)) return this.out.text(req, STATUS.SUCCESS, '', 'Authenticated');
    this.answerAfter(this.conn.ctx.auth!.failureDelayMs, () => this.out.error(req, STATUS.AUTH_ERROR));
  }

  /** A success that a quiet form (SETQ, DELETEQ, FLUSHQ) does not send. */
  private done(req: { opcode: number; opaque: number; quiet: boolean }, cas = 0): void {
    if (!req.quiet) this.out.empty(req, STATUS.SUCCESS, cas);
  }

  /** A declined operation: its reason, with the status that says what kind of failure it is. */
  private failed(req: Echo, failure: Failure): void {
    this.out.error(req, FAILURE_STATUS[failure.kind], failure.reason);
  }

  private set(req: BinarySet, now: number): void {
    const outcome = this.conn.ops.enqueue(req.key, req.flags, req.exptime, req.value, now);
    if (isPending(outcome)) return this.later(outcome, (settled) => this.stored(req, settled));
    this.stored(req, outcome);
  }

  /** Success carries the item id as CAS. */
  private stored(req: BinarySet, outcome: number | Failure): void {
    if (outcome instanceof Failure) return this.failed(req, outcome);
    this.done(req, outcome);
  }

  private get(req: BinaryGet, now: number): void {
    const key = parseKeyCached(req.key);
    if (key instanceof KeyError) return this.out.error(req, STATUS.INVALID_ARGUMENTS, key.message);
    const outcome = this.conn.ops.get(key, now);
    if (isPending(outcome)) return this.later(outcome, (settled) => this.got(req, key, settled));
    this.got(req, key, outcome);
  }

  /** With the `deliveries` option the response carries the key, as GETK's does, followed by `=<count>`. */
  private got(req: BinaryGet, key: KeyOptions, outcome: Item | null | Failure): void {
    if (outcome === null) {
      if (!req.quiet) this.out.miss(req, req.withKey ? req.key : null);
      return;
    }
    if (outcome instanceof Failure) return this.failed(req, outcome);
    if (key.deliveries) return this.out.item(req, req.key, outcome, true);
    this.out.item(req, req.withKey ? req.key : null, outcome);
  }

  private touch(req: BinaryTouch, now: number): void {
    const target = parseTouchKeyCached(req.key);
    if (target instanceof KeyError) return this.out.error(req, STATUS.INVALID_ARGUMENTS, target.message);
    const outcome = this.conn.ops.touch(target, req.exptime, now);
    if (isPending(outcome)) return this.later(outcome, (settled) => this.touched(req, settled));
    this.touched(req, outcome);
  }

  private touched(req: BinaryTouch, outcome: boolean | Failure): void {
    if (outcome instanceof Failure) return this.failed(req, outcome);
    if (outcome) this.out.empty(req);
    else this.out.error(req, STATUS.KEY_NOT_FOUND);
  }

  private delete(req: BinaryDelete, now: number): void {
    let target: DeleteTarget | KeyError = parseDeleteKeyCached(req.key);
    if (target instanceof KeyError) return this.out.error(req, STATUS.INVALID_ARGUMENTS, target.message);
    if (req.cas !== 0) {
      // The CAS field names the item, as id= does in the key (docs/protocol.md: binary DELETE).
      if (!Number.isSafeInteger(req.cas)) return this.out.error(req, STATUS.INVALID_ARGUMENTS, 'CAS is not an item id');
      if (target.id > 0 && target.id !== req.cas) {
        return this.out.error(req, STATUS.INVALID_ARGUMENTS, 'CAS and id= name different items');
      }
      target = { ...target, id: req.cas };
    }
    const asked = target.outcome;
    const outcome = this.conn.ops.end(target, now);
    if (isPending(outcome)) return this.later(outcome, (settled) => this.deleted(req, asked, settled));
    this.deleted(req, asked, outcome);
  }

  /**
   * Success (with the value DEAD_LETTERED for an item moved to the dead queue, when the key asked
   * for the `outcome`), or Not found.
   */
  private deleted(req: BinaryDelete, outcomeAsked: boolean, outcome: boolean | typeof DEAD_LETTERED | Failure): void {
    if (outcome instanceof Failure) return this.failed(req, outcome);
    if (outcome === DEAD_LETTERED && outcomeAsked && !req.quiet) this.out.text(req, STATUS.SUCCESS, '', DEAD_LETTERED_REPLY);
    else if (outcome) this.done(req);
    else this.out.error(req, STATUS.KEY_NOT_FOUND);
  }

  private flush(req: BinaryFlush, now: number): void {
    const ops = this.conn.ops;
    const outcome = req.queue === null ? ops.flushAll(req.delay, now) : ops.flush(req.queue, now);
    if (isPending(outcome)) return this.later(outcome, (settled) => this.flushed(req, settled));
    this.flushed(req, outcome);
  }

  private flushed(req: BinaryFlush, outcome: number | undefined | Failure): void {
    if (outcome instanceof Failure) return this.failed(req, outcome);
    this.done(req);
  }

  /** Spec 4.7: one packet per stat (key = name, value = value), then one with no key and no value. */
  private stat(req: BinaryStat, now: number): void {
    if (req.group === '') {
      const outcome = this.conn.ctx.stats(now);
      if (isPending(outcome)) return this.later(outcome, (settled) => this.statsReply(req, settled));
      return this.statsReply(req, outcome);
    }
    if (EMPTY_STATS_GROUPS.has(req.group)) return this.out.empty(req);
    this.out.error(req, STATUS.KEY_NOT_FOUND, `unknown stats group ${JSON.stringify(req.group)}`);
  }

  private statsReply(req: BinaryStat, outcome: StatsPairs | Failure): void {
    if (outcome instanceof Failure) return this.failed(req, outcome);
    for (const [name, value] of outcome) this.out.text(req, STATUS.SUCCESS, name, String(value));
    this.out.empty(req);
  }
}
