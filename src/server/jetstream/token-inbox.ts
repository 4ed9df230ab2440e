/**
 * A token inbox: one persistent NATS subscription (`<prefix>.*`) through which many requests are
 * answered, each by the reply subject `<prefix>.<token>` it was sent with. Subscribing and
 * unsubscribing an inbox per request would put a SUB and an UNSUB on the wire for each; here a
 * request is a token in a map, an answer is routed to the request waiting on its token, and the
 * requests past their deadline are found by one sweep for every token inbox of the process.
 *
 * What comes on the subscription and is no answer to a waiting token goes to `unmatched`: an
 * answer that came after its request ended, and a message JetStream delivered to a pull (it comes
 * under its own stream subject, not the pull's reply subject; only a pull's status names it).
 * The front end's requests (requests.ts), the gets of a turn (batch-pulls.ts) and each
 * connection's waiting pulls (pulls.ts) are answered this way.
 */
import { createInbox, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';

/** A request waiting for its answer. */
export interface Awaiting {
  /** When (Date.now()) it expires unless it ended before. */
  readonly deadline: number;
  /** A message to its token. It stays open until its owner ends it (a heartbeat ends nothing). */
  answered(msg: Msg): void;
  /** Its deadline has passed: it is no longer open, and a late answer goes to `unmatched`. */
  expired(): void;
}

/** How often open tokens past their deadline are looked for: a deadline may run this much over. */
const SWEEP_MS = 50;

export class TokenInbox<A extends Awaiting = Awaiting> {
  private readonly prefix = createInbox();
  private sub: Subscription | null = null;
  private nextToken = 1;
  /** Token → the request waiting on it, in the order they were opened. */
  private readonly open = new Map<string, A>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly unmatched: (msg: Msg) => void = () => {},
  ) {}

  /**
   * Opens a token for `awaiting` (subscribing on first use) and returns it; send the request with
   * `replyTo(token)`. Throws as nats.js does when the NATS connection is closed.
   */
  add(awaiting: A): string {
    this.sub ??= this.nc.subscribe(`${this.prefix}.*`, { callback: (_err, msg) => this.arrived(msg) });
    const token = String(this.nextToken++);
    this.open.set(token, awaiting);
    sweeper.watch(this);
    return token;
  }

  /** The reply subject of `token`. */
  replyTo(token: string): string {
    return `${this.prefix}.${token}`;
  }

  /** Ends `token`: a later answer to it goes to `unmatched`. Returns what waited on it. */
  end(token: string): A | undefined {
    const awaiting = this.open.get(token);
    this.open.delete(token);
    return awaiting;
  }

  /** The requests open now, oldest first. */
  waiting(): IterableIterator<A> {
    return this.open.values();
  }

  get size(): number {
    return this.open.size;
  }

  /** Unsubscribes; every request still open expires now. */
  close(): void {
    this.sub?.unsubscribe();
    this.sub = null;
    const open = [...this.open.values()];
    this.open.clear();
    for (const awaiting of open) awaiting.expired();
  }

  /** Expires the requests past their deadline (the sweeper's call). */
  sweep(now: number): void {
    for (const [token, awaiting] of this.open) {
      if (awaiting.deadline > now) continue;
      this.open.delete(token);
      awaiting.expired();
    }
  }

  private arrived(msg: Msg): void {
    const subject = msg.subject;
    const awaiting =
      subject.length > this.prefix.length && subject.startsWith(this.prefix)
        ? this.open.get(subject.slice(this.prefix.length + 1))
        : undefined;
    if (awaiting !== undefined) awaiting.answered(msg);
    else this.unmatched(msg);
  }
}

/** One timer for every token inbox with open tokens: a front end may have one per connection. */
class Sweeper {
  private readonly inboxes = new Set<TokenInbox<Awaiting>>();
  private timer: NodeJS.Timeout | null = null;

  watch(inbox: TokenInbox<Awaiting>): void {
    this.inboxes.add(inbox);
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.sweep(), SWEEP_MS);
    this.timer.unref();
  }

  private sweep(): void {
    const now = Date.now();
    for (const inbox of this.inboxes) {
      inbox.sweep(now);
      if (inbox.size === 0) this.inboxes.delete(inbox);
    }
    if (this.inboxes.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}

const sweeper = new Sweeper();
