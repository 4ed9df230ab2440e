/**
 * The memcache text protocol on one connection: parsed requests in, queue operations
 * (queue-ops/operations.ts), their outcomes put into reply lines. Requests run strictly in order;
 * a get that waits (`/t=`) holds back the requests behind it.
 * Wire words come from protocol/text/words.ts; their meanings are in docs/protocol.md.
 */
import { KeyError, parseDeleteKeyCached, parseKeyCached, parseTouchKeyCached, type KeyOptions } from '../protocol/key.js';
import { TextParser } from '../protocol/text/parser.js';
import type {
  DeleteQueueRequest,
  DeleteRequest,
  FlushRequest,
  GetRequest,
  StorageRequest,
  TextRequest,
  TouchRequest,
} from '../protocol/text/requests.js';
import * as W from '../protocol/text/words.js';
import { DEAD_LETTERED } from '../queue/engine.js';
import type { Item } from '../queue/types.js';
import { parseTextCredentials } from '../protocol/credentials.js';
import { logIn } from './auth.js';
import type { Connection } from './connection.js';
import type { StatsPairs } from './context.js';
import { OrderedSession } from './ordered-session.js';
import { REPLY_HIGH_WATER } from './outbox.js';
import { unsupportedReason } from './queue-ops/failures.js';
import { Failure, isPending } from './queue-ops/operations.js';
import { EMPTY_STATS_GROUPS } from './stats.js';

export class TextSession extends OrderedSession<TextRequest> {
  constructor(conn: Connection) {
    super(conn, new TextParser(conn.ctx.limits.maxItemSize, conn.ctx.partialBytes));
  }

  failureReply(reason: string): Buffer {
    return Buffer.from(W.serverError(reason), 'latin1');
  }

  private reply(s: string): void {
    this.conn.outbox.replies.text(s);
  }

  protected handle(req: TextRequest, now: number): void {
    if (!this.conn.authenticated) return this.unauthenticated(req);
    switch (req.type) {
      case 'storage':
        return this.store(req, now);
      case 'get':
        return this.get(req, now);
      case 'delete':
        return this.delete(req, now);
      case 'touch':
        return this.touch(req, now);
      case 'flush':
        return this.flush(req, now);
      case 'delete_queue':
        return this.deleteQueue(req, now);
      case 'stats':
        return this.stats(req.args, now);
      case 'version':
        return this.reply(W.VERSION + this.conn.ctx.version + W.CRLF);
      case 'verbosity':
        return this.answer(req.noreply, W.OK);
      case 'quit':
        this.stopped = true;
        return;
      case 'unsupported':
        return this.answer(req.noreply, unsupported(req.command));
      case 'error':
        if (req.close) this.stopped = true;
        return this.answer(req.noreply, req.reply);
    }
  }

  /** Before login (`--auth-file`): only the login `set` and `quit` are served; nothing is done or shown. */
  private unauthenticated(req: TextRequest): void {
    switch (req.type) {
      case 'storage':
        if (req.command === 'set') return this.logIn(req);
        break;
      case 'quit':
        this.stopped = true;
        return;
      case 'error':
        if (req.close) this.stopped = true;
        return this.answer(req.noreply, req.reply);
    }
    this.answer('noreply' in req && req.noreply, W.AUTH_REQUIRED);
  }

  /** memcached's text login: a `set` whose data is `<user> <password>`. A failure is answered after a delay. */
  private logIn(req: StorageRequest): void {
    if (logIn(this.conn, parseTextCredentials(req.data))) return this.answer(req.noreply, W.STORED);
    this.answerAfter(this.conn.ctx.auth!.failureDelayMs, () => this.answer(req.noreply, W.AUTH_FAILURE));
  }

  private answer(noreply: boolean, line: string): void {
    if (!noreply) this.reply(line);
  }

  private store(req: StorageRequest, now: number): void {
    if (req.command !== 'set') return this.answer(req.noreply, unsupported(req.command));
    const outcome = this.conn.ops.enqueue(req.key, req.flags, req.exptime, req.data, now);
    if (isPending(outcome)) return this.later(outcome, (settled) => this.stored(req, settled));
    this.stored(req, outcome);
  }

  private stored(req: StorageRequest, outcome: number | Failure): void {
    this.answer(req.noreply, outcome instanceof Failure ? failureLine(outcome) : W.STORED);
  }

  private get(req: GetRequest, now: number): void {
    if (req.keys.length === 1) return this.getOne(req, now);
    const keys: KeyOptions[] = [];
    let waits = false;
    for (const raw of req.keys) {
      const parsed = parseKeyCached(raw);
      if (parsed instanceof KeyError) return this.reply(W.clientError(parsed.message));
      keys.push(parsed);
      waits ||= parsed.waitMs > 0;
    }
    if (waits) return this.reply(W.clientError('t= needs a get with a single key'));
    const failure = this.conn.ops.checkKeys(keys);
    if (failure !== null) return this.reply(failureLine(failure));
    this.getFrom(req, keys, 0, 0, now);
  }

  /** A get of one key, the worker loop's: no check of the keys as a whole, no list of parsed keys. */
  private getOne(req: GetRequest, now: number): void {
    const key = parseKeyCached(req.keys[0]);
    if (key instanceof KeyError) return this.reply(W.clientError(key.message));
    const outcome = this.conn.ops.get(key, now);
    if (isPending(outcome)) return this.later(outcome, (settled) => this.showOne(req, key, settled));
    this.showOne(req, key, outcome);
  }

  private showOne(req: GetRequest, key: KeyOptions, outcome: Item | null | Failure): void {
    if (this.show(req, 0, key, outcome) >= 0) this.reply(W.END);
  }

  /**
   * Answers keys[i…] of a get, then END. `shown` is the reply bytes of the items shown so far: past
   * REPLY_HIGH_WATER a get shows and reserves no more items, and its remaining keys are misses (their
   * close or abort still happens); `get q q/abort q q/abort …` would otherwise copy one item a
   * thousand times into one reply.
   */
  private getFrom(req: GetRequest, keys: readonly KeyOptions[], i: number, shown: number, now: number): void {
    for (; i < keys.length; i++) {
      let key = keys[i];
      if (shown >= REPLY_HIGH_WATER && (key.open || key.peek)) key = { ...key, open: false, peek: false };
      const outcome = this.conn.ops.get(key, now);
      if (isPending(outcome)) {
        const at = i;
        return this.later(outcome, (settled, later) => {
          const bytes = this.show(req, at, keys[at], settled);
          if (bytes >= 0) this.getFrom(req, keys, at + 1, shown + bytes, later);
        });
      }
      const bytes = this.show(req, i, keys[i], outcome);
      if (bytes < 0) return;
      shown += bytes;
    }
    this.reply(W.END);
  }

  /**
   * Writes what key `i` of a get (parsed: `key`) showed; returns the bytes written, or -1 when the get
   * has been answered in full (a failure, or the item of a `gets`: the first non-empty queue answers).
   */
  private show(req: GetRequest, i: number, key: KeyOptions, outcome: Item | null | Failure): number {
    if (outcome === null) return 0;
    if (outcome instanceof Failure) {
      this.reply(failureLine(outcome));
      return -1;
    }
    const replies = this.conn.outbox.replies;
    const before = replies.length;
    this.value(req.keys[i], key.deliveries, outcome, req.command === 'gets');
    if (req.command === 'gets') {
      this.reply(W.END);
      return -1;
    }
    return replies.length - before;
  }

  /** A VALUE line and its data block; with `deliveries`, the key is followed by `=<count>` (docs/protocol.md: deliveries). */
  private value(key: string, deliveries: boolean, item: Item, withCas: boolean): void {
    const r = this.conn.outbox.replies;
    r.text(W.VALUE);
    r.text(key);
    if (deliveries) {
      r.text('=');
      r.int(item.deliveries);
    }
    r.text(' ');
    r.int(item.flags);
    r.text(' ');
    r.int(item.data.length);
    if (withCas) {
      r.text(' ');
      r.int(item.id);
    }
    r.text(W.CRLF);
    r.bytes(item.data);
    r.text(W.CRLF);
  }

  private delete(req: DeleteRequest, now: number): void {
    const target = parseDeleteKeyCached(req.key);
    if (target instanceof KeyError) return this.answer(req.noreply, W.clientError(target.message));
    const outcome = this.conn.ops.end(target, now);
    const asked = target.outcome;
    if (isPending(outcome)) return this.later(outcome, (settled) => this.ended(req.noreply, asked, settled));
    this.ended(req.noreply, asked, outcome);
  }

  /** A delete's reply: DEAD_LETTERED for an item moved to the dead queue when the key asked for the `outcome`. */
  private ended(noreply: boolean, outcomeAsked: boolean, outcome: boolean | typeof DEAD_LETTERED | Failure): void {
    if (outcome === DEAD_LETTERED && outcomeAsked) return this.answer(noreply, W.DEAD_LETTERED);
    this.deleted(noreply, outcome === DEAD_LETTERED || outcome);
  }

  private touch(req: TouchRequest, now: number): void {
    const target = parseTouchKeyCached(req.key);
    if (target instanceof KeyError) return this.answer(req.noreply, W.clientError(target.message));
    const outcome = this.conn.ops.touch(target, req.exptime, now);
    if (isPending(outcome)) return this.later(outcome, (settled) => this.touched(req.noreply, settled));
    this.touched(req.noreply, outcome);
  }

  /** TOUCHED, or NOT_FOUND when no reservation was renewed. */
  private touched(noreply: boolean, outcome: boolean | Failure): void {
    if (outcome instanceof Failure) return this.answer(noreply, failureLine(outcome));
    this.answer(noreply, outcome ? W.TOUCHED : W.NOT_FOUND);
  }

  private deleteQueue(req: DeleteQueueRequest, now: number): void {
    const outcome = this.conn.ops.dropQueue(req.queue, now);
    if (isPending(outcome)) return this.later(outcome, (settled) => this.deleted(req.noreply, settled));
    this.deleted(req.noreply, outcome);
  }

  /** DELETED, or NOT_FOUND when there was nothing to delete. */
  private deleted(noreply: boolean, outcome: boolean | Failure): void {
    if (outcome instanceof Failure) return this.answer(noreply, failureLine(outcome));
    this.answer(noreply, outcome ? W.DELETED : W.NOT_FOUND);
  }

  private flush(req: FlushRequest, now: number): void {
    const ops = this.conn.ops;
    const outcome = req.queue === null ? ops.flushAll(req.delay, now) : ops.flush(req.queue, now);
    if (isPending(outcome)) return this.later(outcome, (settled) => this.flushed(req, settled));
    this.flushed(req, outcome);
  }

  private flushed(req: FlushRequest, outcome: number | undefined | Failure): void {
    this.answer(req.noreply, outcome instanceof Failure ? failureLine(outcome) : W.OK);
  }

  private stats(args: string[], now: number): void {
    if (args.length === 0) {
      const outcome = this.conn.ctx.stats(now);
      if (isPending(outcome)) return this.later(outcome, (settled) => this.statsReply(settled));
      return this.statsReply(outcome);
    }
    if (args.length === 1 && EMPTY_STATS_GROUPS.has(args[0])) return this.reply(W.END);
    this.reply(W.clientError(`unknown stats group ${JSON.stringify(args.join(' '))}`));
  }

  private statsReply(outcome: StatsPairs | Failure): void {
    if (outcome instanceof Failure) return this.reply(failureLine(outcome));
    for (const [name, value] of outcome) this.reply(`${W.STAT}${name} ${value}\r\n`);
    this.reply(W.END);
  }
}

function unsupported(command: string): string {
  return W.clientError(unsupportedReason(command));
}

/** A declined operation's line: the client's fault, or the server's (docs/protocol.md: errors). */
function failureLine(failure: Failure): string {
  return failure.kind === 'invalid' ? W.clientError(failure.reason) : W.serverError(failure.reason);
}
