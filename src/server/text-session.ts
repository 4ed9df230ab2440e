/**
 * The memcache text protocol on one connection: parsed requests in, queue operations, reply lines out.
 * Requests run strictly in order; a get that waits (`/t=`) holds back the requests behind it.
 * Wire words come from protocol/text/words.ts; their meanings are in docs/protocol.md.
 */
import { KeyError, parseDeleteKeyCached, parseKeyCached, queueNameError, type KeyOptions } from '../protocol/key.js';
import { TextParser } from '../protocol/text/parser.js';
import type { DeleteRequest, FlushRequest, GetRequest, StorageRequest, TextRequest } from '../protocol/text/requests.js';
import * as W from '../protocol/text/words.js';
import type { Item } from '../queue/types.js';
import { parseTextCredentials } from '../protocol/credentials.js';
import { logIn } from './auth.js';
import type { Connection } from './connection.js';
import { OrderedSession } from './ordered-session.js';
import { REPLY_HIGH_WATER } from './outbox.js';
import { enqueueRefusal } from './context.js';
import { endReservation, expiresAt, fetch, overOpenLimit, TOO_MANY_OPEN } from './operations.js';
import { EMPTY_STATS_GROUPS } from './stats.js';

export class TextSession extends OrderedSession<TextRequest> {
  constructor(conn: Connection) {
    super(conn, new TextParser(conn.ctx.limits.maxItemSize));
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
      case 'storage': return this.store(req, now);
      case 'get': return this.get(req, now);
      case 'delete': return this.delete(req, now);
      case 'flush': return this.flush(req, now);
      case 'delete_queue': {
        const problem = queueNameError(req.queue);
        if (problem !== null) return this.answer(req.noreply, W.clientError(problem));
        const refusal = this.conn.ctx.writeRefusal();
        if (refusal !== null) return this.answer(req.noreply, W.serverError(refusal));
        const dropped = this.conn.ctx.engine.dropQueue(req.queue);
        return this.answer(req.noreply, dropped ? W.DELETED : W.NOT_FOUND);
      }
      case 'stats': return this.stats(req.args, now);
      case 'version': return this.reply(W.VERSION + this.conn.ctx.version + W.CRLF);
      case 'verbosity': return this.answer(req.noreply, W.OK);
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
    const ctx = this.conn.ctx;
    ctx.counters.cmdSet++;
    const problem = queueNameError(req.key);
    if (problem !== null) {
      const reason = req.key.includes('/') ? 'set takes a bare queue name: options belong to get and delete' : problem;
      return this.answer(req.noreply, W.clientError(reason));
    }
    const refusal = ctx.writeRefusal();
    if (refusal !== null) return this.answer(req.noreply, W.serverError(refusal));
    const id = ctx.engine.enqueue(req.key, req.flags, expiresAt(req.exptime, now), req.data, now);
    if (typeof id !== 'number') return this.answer(req.noreply, W.serverError(enqueueRefusal(id, req.key, ctx.limits)));
    this.answer(req.noreply, W.STORED);
  }

  private get(req: GetRequest, now: number): void {
    const ctx = this.conn.ctx;
    const keys: KeyOptions[] = [];
    let changes = false;
    let waits = false;
    for (const raw of req.keys) {
      const parsed = parseKeyCached(raw);
      if (parsed instanceof KeyError) return this.reply(W.clientError(parsed.message));
      keys.push(parsed);
      changes ||= parsed.open || parsed.close || parsed.abort;
      waits ||= parsed.waitMs > 0;
    }
    if (keys.length > 1 && waits) return this.reply(W.clientError('t= needs a get with a single key'));
    if (changes) {
      const refusal = ctx.writeRefusal();
      if (refusal !== null) return this.reply(W.serverError(refusal));
    }
    const full = overOpenLimit(ctx.engine, this.conn.holder, keys, ctx.limits.maxOpen);
    if (full !== null) {
      return this.reply(W.serverError(`too many open reservations on ${full} (max ${ctx.limits.maxOpen}): delete or close one first`));
    }
    const withCas = req.command === 'gets';
    const replies = this.conn.outbox.replies;
    const start = replies.length;
    for (let i = 0; i < keys.length; i++) {
      ctx.counters.cmdGet++;
      let key = keys[i];
      // Past REPLY_HIGH_WATER bytes, a get shows and reserves no more items: its remaining keys are
      // misses (their close or abort still happens). `get q q/abort q q/abort …` would otherwise
      // copy one item a thousand times into one reply.
      if (replies.length - start >= REPLY_HIGH_WATER && (key.open || key.peek)) key = { ...key, open: false, peek: false };
      const item = fetch(ctx.engine, this.conn.holder, key, now);
      if (item !== null && item !== TOO_MANY_OPEN) {
        ctx.counters.getHits++;
        this.value(req.keys[i], item, withCas);
        if (withCas) break; // gets: the first non-empty queue answers
      } else {
        // A get that waits is counted when it ends, as a hit or a miss.
        if (item === null && keys[i].waitMs > 0) return this.wait(req.keys[i], keys[i], withCas, now);
        ctx.counters.getMisses++;
      }
    }
    this.reply(W.END);
  }

  private value(key: string, item: Item, withCas: boolean): void {
    const r = this.conn.outbox.replies;
    r.text(W.VALUE);
    r.text(key);
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

  /** Blocks this connection until an item arrives on the key's queue or the wait times out. */
  private wait(rawKey: string, key: KeyOptions, withCas: boolean, now: number): void {
    this.waitForItem(key, now, (item) => {
      if (item !== null) this.value(rawKey, item, withCas);
      this.reply(W.END);
    });
  }

  private delete(req: DeleteRequest, now: number): void {
    const target = parseDeleteKeyCached(req.key);
    if (target instanceof KeyError) return this.answer(req.noreply, W.clientError(target.message));
    const refusal = this.conn.ctx.writeRefusal();
    if (refusal !== null) return this.answer(req.noreply, W.serverError(refusal));
    const done = endReservation(this.conn.ctx.engine, this.conn.holder, target, now);
    this.answer(req.noreply, done ? W.DELETED : W.NOT_FOUND);
  }

  private flush(req: FlushRequest, now: number): void {
    const engine = this.conn.ctx.engine;
    const refusal = this.conn.ctx.writeRefusal();
    if (refusal !== null) return this.answer(req.noreply, W.serverError(refusal));
    if (req.queue === null) {
      engine.flushAll(now, req.delay * 1000);
      return this.answer(req.noreply, W.OK);
    }
    const problem = queueNameError(req.queue);
    if (problem !== null) return this.answer(req.noreply, W.clientError(problem));
    engine.flush(req.queue);
    this.answer(req.noreply, W.OK);
  }

  private stats(args: string[], now: number): void {
    if (args.length === 0) {
      for (const [name, value] of this.conn.ctx.stats(now)) this.reply(`${W.STAT}${name} ${value}\r\n`);
      return this.reply(W.END);
    }
    if (args.length === 1 && EMPTY_STATS_GROUPS.has(args[0])) return this.reply(W.END);
    this.reply(W.clientError(`unknown stats group ${JSON.stringify(args.join(' '))}`));
  }
}

function unsupported(command: string): string {
  return W.clientError(`${command} is not supported by a queue: set enqueues, get reserves, delete acknowledges`);
}
