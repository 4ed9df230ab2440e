/**
 * The memcache binary protocol on one connection: parsed packets in, queue operations, response
 * packets out. The same queue semantics as the text protocol (text-session.ts) through the same
 * operations (operations.ts); requests run strictly in order and a GET that waits (`/t=`) holds back
 * the requests behind it. Opcode and opaque are echoed exactly. Meanings: docs/protocol.md
 * "Binary protocol"; wire values: protocol/binary/constants.ts.
 */
import { encodeResponse } from '../protocol/binary/packet.js';
import { OP, STATUS } from '../protocol/binary/constants.js';
import { BinaryParser } from '../protocol/binary/parser.js';
import type {
  BinaryDelete, BinaryFlush, BinaryGet, BinaryRequest, BinarySaslAuth, BinarySet, BinaryStat,
} from '../protocol/binary/requests.js';
import { KeyError, parseDeleteKeyCached, parseKeyCached, queueNameError, type DeleteTarget, type KeyOptions } from '../protocol/key.js';
import { parseSaslPlain, SASL_PLAIN, type Credentials } from '../protocol/credentials.js';
import { logIn } from './auth.js';
import { BinaryReplies } from './binary-replies.js';
import type { Connection } from './connection.js';
import { OrderedSession } from './ordered-session.js';
import { enqueueRefusal } from './context.js';
import { endReservation, expiresAt, fetch, overOpenLimit, TOO_MANY_OPEN } from './operations.js';
import { EMPTY_STATS_GROUPS } from './stats.js';

/** The message of an Auth failure status sent to a request made before login. */
const AUTH_REQUIRED = 'Authentication required: log in with SASL PLAIN first';

export class BinarySession extends OrderedSession<BinaryRequest> {
  private readonly out: BinaryReplies;

  constructor(conn: Connection) {
    super(conn, new BinaryParser(conn.ctx.limits.maxItemSize));
    this.out = new BinaryReplies(conn.outbox.replies);
  }

  /** Status 0x0084 with the reason, on a NOOP with opaque 0: it answers no request in particular. */
  failureReply(reason: string): Buffer {
    return encodeResponse({ opcode: OP.NOOP, status: STATUS.INTERNAL_ERROR, value: reason });
  }

  protected handle(req: BinaryRequest, now: number): void {
    if (!this.conn.authenticated) return this.unauthenticated(req);
    switch (req.type) {
      case 'get': return this.get(req, now);
      case 'set': return this.set(req, now);
      case 'delete': return this.delete(req, now);
      case 'flush': return this.flush(req, now);
      case 'stat': return this.stat(req, now);
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
        return this.out.error(req, STATUS.NOT_SUPPORTED,
          `${req.command} is not supported by a queue: set enqueues, get reserves, delete acknowledges`);
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
        return this.out.error(req, STATUS.VALUE_TOO_LARGE,
          `value of ${req.valueLength} bytes is larger than the item size limit (${this.conn.ctx.limits.maxItemSize})`);
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
    else if (req.mechanism !== SASL_PLAIN) credentials = `SASL mechanism ${JSON.stringify(req.mechanism)} is not offered (only PLAIN)`;
    else credentials = parseSaslPlain(req.data);
    if (logIn(this.conn, credentials)) return this.out.text(req, STATUS.SUCCESS, '', 'Authenticated');
    this.answerAfter(this.conn.ctx.auth!.failureDelayMs, () => this.out.error(req, STATUS.AUTH_ERROR));
  }

  /** A success that a quiet form (SETQ, DELETEQ, FLUSHQ) does not send. */
  private done(req: { opcode: number; opaque: number; quiet: boolean }, cas = 0): void {
    if (!req.quiet) this.out.empty(req, STATUS.SUCCESS, cas);
  }

  private set(req: BinarySet, now: number): void {
    const ctx = this.conn.ctx;
    ctx.counters.cmdSet++;
    const problem = queueNameError(req.key);
    if (problem !== null) {
      const reason = req.key.includes('/') ? 'set takes a bare queue name: options belong to get and delete' : problem;
      return this.out.error(req, STATUS.INVALID_ARGUMENTS, reason);
    }
    const refusal = ctx.writeRefusal();
    if (refusal !== null) return this.out.error(req, STATUS.INTERNAL_ERROR, refusal);
    const id = ctx.engine.enqueue(req.key, req.flags, expiresAt(req.exptime, now), req.value, now);
    // memcached answers "out of memory" when it may not evict to make room: the closest status to a full queue.
    if (typeof id !== 'number') return this.out.error(req, STATUS.OUT_OF_MEMORY, enqueueRefusal(id, req.key, ctx.limits));
    this.done(req, id);
  }

  private get(req: BinaryGet, now: number): void {
    const ctx = this.conn.ctx;
    const key = parseKeyCached(req.key);
    if (key instanceof KeyError) return this.out.error(req, STATUS.INVALID_ARGUMENTS, key.message);
    if (key.open || key.close || key.abort) {
      const refusal = ctx.writeRefusal();
      if (refusal !== null) return this.out.error(req, STATUS.INTERNAL_ERROR, refusal);
    }
    const full = overOpenLimit(ctx.engine, this.conn.holder, [key], ctx.limits.maxOpen);
    if (full !== null) return this.tooManyOpen(req, full);
    ctx.counters.cmdGet++;
    const item = fetch(ctx.engine, this.conn.holder, key, now);
    if (item !== null && item !== TOO_MANY_OPEN) {
      ctx.counters.getHits++;
      return this.out.item(req, req.withKey ? req.key : null, item);
    }
    if (item === null && key.waitMs > 0) return this.wait(req, key, now); // counted when it ends
    ctx.counters.getMisses++;
    if (item === TOO_MANY_OPEN) return this.tooManyOpen(req, key.queue);
    this.miss(req);
  }

  private miss(req: BinaryGet): void {
    if (!req.quiet) this.out.miss(req, req.withKey ? req.key : null);
  }

  private tooManyOpen(req: BinaryGet, queue: string): void {
    const max = this.conn.ctx.limits.maxOpen;
    this.out.error(req, STATUS.TEMPORARY_FAILURE,
      `too many open reservations on ${queue} (max ${max}): delete or close one first`);
  }

  /** Blocks this connection until an item arrives on the key's queue or the wait times out. */
  private wait(req: BinaryGet, key: KeyOptions, now: number): void {
    this.waitForItem(key, now, (item) => {
      if (item !== null) this.out.item(req, req.withKey ? req.key : null, item);
      else this.miss(req);
    });
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
    const refusal = this.conn.ctx.writeRefusal();
    if (refusal !== null) return this.out.error(req, STATUS.INTERNAL_ERROR, refusal);
    if (endReservation(this.conn.ctx.engine, this.conn.holder, target, now)) this.done(req);
    else this.out.error(req, STATUS.KEY_NOT_FOUND);
  }

  private flush(req: BinaryFlush, now: number): void {
    const engine = this.conn.ctx.engine;
    const refusal = this.conn.ctx.writeRefusal();
    if (refusal !== null) return this.out.error(req, STATUS.INTERNAL_ERROR, refusal);
    if (req.queue === null) {
      engine.flushAll(now, req.delay * 1000);
      return this.done(req);
    }
    const problem = queueNameError(req.queue);
    if (problem !== null) return this.out.error(req, STATUS.INVALID_ARGUMENTS, problem);
    engine.flush(req.queue);
    this.done(req);
  }

  /** Spec 4.7: one packet per stat (key = name, value = value), then one with no key and no value. */
  private stat(req: BinaryStat, now: number): void {
    if (req.group === '') {
      for (const [name, value] of this.conn.ctx.stats(now)) this.out.text(req, STATUS.SUCCESS, name, String(value));
      return this.out.empty(req);
    }
    if (EMPTY_STATS_GROUPS.has(req.group)) return this.out.empty(req);
    this.out.error(req, STATUS.KEY_NOT_FOUND, `unknown stats group ${JSON.stringify(req.group)}`);
  }
}
