/**
 * The queues one front end knows of on the JetStream cluster: which exist (a pull from a queue
 * without a stream gets no answer at all, so a front end must know before it asks), making a new
 * one (its work-queue stream and the durable pull consumer every front end reserves through), and
 * the per-queue counts this front end keeps. What it knows is kept true by JetStream's own
 * advisories of streams created and deleted by any front end, and forgotten on a reconnect.
 */
import {
  AckPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamInfo,
} from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { QueueLimits } from '../../queue/limits.js';
import { storeFailed, tooManyQueues } from '../queue-ops/failures.js';
import { Failure } from '../queue-ops/operations.js';
import { allSubjects, CONSUMER_NAME, namesOf, queueOfSubject, type QueueNames } from './names.js';
import type { StoreOptions } from './options.js';
import { isGone, isInUse, isStreamNotFound, isTooManyStreams } from './api-errors.js';
import { reasonOf } from './reasons.js';

/** What this front end counts per queue since it started (JetStream keeps no such totals). */
export class QueueCounts {
  expired = 0;
  acked = 0;
  released = 0;
  rejected = 0;
  dead = 0;
}

/** A queue that exists: its names, and the subject a reservation is pulled from. */
export interface QueueHandle extends QueueNames {
  readonly nextSubject: string;
  readonly counts: QueueCounts;
}

/**
 * Pull requests one consumer holds at once (JetStream's default is 512): each blocked `get …/t=`
 * on any front end is one.
 */
const MAX_WAITING_PULLS = 100_000;

const ADVISORY = '$JS.EVENT.ADVISORY.STREAM';
/** The stream advisories after which a queue is looked up again (a restore makes a stream too). */
const EXISTENCE_EVENTS = new Set(['CREATED', 'DELETED', 'RESTORE_COMPLETE']);

/** How long to wait before asking again whether a new consumer has a leader (elections take ~100 ms). */
const LEADER_ASK_PAUSE_MS = 25;

/** The shortest duplicate window a queue's stream gets. */
const MIN_DUPLICATE_WINDOW_MS = 10_000;

export class Catalog {
  /** Queue name → its handle, or null when it is known not to exist. */
  private readonly known = new Map<string, QueueHandle | null>();
  private readonly counts = new Map<string, QueueCounts>();
  /**
   * The lookup or making of a queue in progress, per name: the connections that need the queue
   * meanwhile wait for it rather than ask JetStream again. Fifty connections on a new queue would
   * otherwise each make its consumer, and making a consumer again drops the pulls waiting on it.
   */
  private readonly inFlight = new Map<string, Promise<QueueHandle | null | Failure>>();
  private advisories: Subscription | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly options: StoreOptions,
    private readonly limits: QueueLimits,
  ) {}

  /**
   * Listens to the cluster's stream advisories; without them a deleted queue would stay known here.
   * Only a stream made or deleted is news of whether a queue exists: a leader elected, a quorum lost
   * or a changed configuration is not, and asking again then, in the middle of an election, would
   * fail sets that the publish alone carries through the election (store.ts).
   */
  start(): void {
    this.advisories = this.nc.subscribe(`${ADVISORY}.*.>`, {
      callback: (_err, msg) => {
        // $JS.EVENT.ADVISORY.STREAM.<event>.<stream>
        const [event, stream] = msg.subject.slice(ADVISORY.length + 1).split('.');
        if (!EXISTENCE_EVENTS.has(event)) return;
        for (const [name, handle] of this.known) {
          if (handle === null ? namesOf(this.options.prefix, name).stream === stream : handle.stream === stream)
            this.known.delete(name);
        }
      },
    });
  }

  /** Forgets what it knew (after a reconnect: advisories may have been missed). */
  clear(): void {
    this.known.clear();
  }

  stop(): void {
    this.advisories?.unsubscribe();
  }

  /** The handle of `name` when it is known to exist, without asking. */
  cached(name: string): QueueHandle | null {
    return this.known.get(name) ?? null;
  }

  /** The queue `name` if it exists (asking JetStream unless known, or being asked), else null. */
  async find(name: string): Promise<QueueHandle | null | Failure> {
    const known = this.known.get(name);
    if (known !== undefined) return known;
    return this.inFlight.get(name) ?? this.oneAtATime(name, () => this.lookUp(name));
  }

  private async lookUp(name: string): Promise<QueueHandle | null | Failure> {
    const names = namesOf(this.options.prefix, name);
    try {
      await this.jsm.streams.info(names.stream);
    } catch (err) {
      if (isStreamNotFound(err)) {
        this.known.set(name, null);
        return null;
      }
      return storeFailed(reasonOf(err, `looking up queue ${name}`));
    }
    // The stream exists; its consumer may not yet (a front end that died between the two).
    return this.addConsumer(names);
  }

  /**
   * The queue `name`, made if it does not exist: its stream and consumer. A dead-letter queue made
   * for an item that moves there (`unlimited`) is made past --max-queues and without item or byte
   * limits: an item that leaves a queue must land somewhere.
   */
  async make(name: string, unlimited = false): Promise<QueueHandle | Failure> {
    for (;;) {
      const known = this.known.get(name);
      if (known) return known;
      const pending = this.inFlight.get(name);
      if (pending === undefined) break;
      // Being looked up or made: a queue made (or a failure) is this caller's too; none, and it makes it.
      const outcome = await pending;
      if (outcome !== null) return outcome;
    }
    return this.oneAtATime(name, async () => {
      const found = this.known.get(name) === null ? null : await this.lookUp(name);
      return found ?? this.create(name, unlimited);
    }) as Promise<QueueHandle | Failure>;
  }

  /** Runs the lookup or making of queue `name`, which every caller meanwhile shares (inFlight). */
  private oneAtATime(name: string, work: () => Promise<QueueHandle | null | Failure>): Promise<QueueHandle | null | Failure> {
    const promise = work().finally(() => {
      if (this.inFlight.get(name) === promise) this.inFlight.delete(name);
    });
    this.inFlight.set(name, promise);
    return promise;
  }

  /** Makes the queue's stream (unless another front end has) and consumer. */
  private async create(name: string, unlimited: boolean): Promise<QueueHandle | Failure> {
    if (!unlimited && this.limits.maxQueues !== Infinity) {
      const count = await this.count();
      if (count instanceof Failure) return count;
      if (count >= this.limits.maxQueues) return tooManyQueues(this.limits);
    }
    const names = namesOf(this.options.prefix, name);
    const made = await this.addStream(names.stream, names.subject, unlimited);
    return made instanceof Failure ? made : this.addConsumer(names);
  }

  /**
   * Makes a work-queue stream with rq's settings, unless it exists (made meanwhile by another front
   * end, maybe with other limits: theirs stand). Without limits when `unlimited`.
   */
  async addStream(stream: string, subject: string, unlimited: boolean): Promise<true | Failure> {
    try {
      await this.jsm.streams.add({
        name: stream,
        subjects: [subject],
        retention: RetentionPolicy.Workqueue,
        storage: StorageType.File,
        num_replicas: this.options.replicas,
        max_msgs: unlimited ? -1 : finite(this.limits.maxQueueItems),
        max_bytes: unlimited ? -1 : finite(this.limits.maxQueueBytes),
        discard: this.limits.discardOld ? DiscardPolicy.Old : DiscardPolicy.New,
        allow_direct: true,
        // Long enough to cover every retry of a publish (store.ts), short enough to keep the ids few.
        duplicate_window: Math.max(2 * this.options.timeoutMs, MIN_DUPLICATE_WINDOW_MS) * 1_000_000,
      });
    } catch (err) {
      // The NATS account's own bound on streams: exact across front ends, where --max-queues is not.
      if (isTooManyStreams(err)) return tooManyQueues(this.limits, "the NATS account's JetStream max_streams");
      if (!isInUse(err)) return storeFailed(reasonOf(err, `making stream ${stream}`));
    }
    return true;
  }

  /** Forgets `name` (deleted by this front end) and its counts. */
  forget(name: string): void {
    this.known.delete(name);
    this.counts.delete(name);
  }

  /** Every queue's stream, with its state (one request per 256 queues). */
  async streams(): Promise<Array<{ name: string; info: StreamInfo }>> {
    const out: Array<{ name: string; info: StreamInfo }> = [];
    for await (const info of this.jsm.streams.list(allSubjects(this.options.prefix))) {
      const name = queueOfSubject(this.options.prefix, info.config.subjects?.[0] ?? '');
      if (name !== null) out.push({ name, info });
    }
    return out;
  }

  /** The handle of a queue listed by streams(), without asking whether it exists. */
  handleOf(name: string): QueueHandle {
    return this.handle(namesOf(this.options.prefix, name));
  }

  /** How many queues there are (for --max-queues). */
  private async count(): Promise<number | Failure> {
    const names: string[] = [];
    try {
      for await (const name of this.jsm.streams.names(allSubjects(this.options.prefix))) names.push(name);
    } catch (err) {
      return storeFailed(reasonOf(err, 'counting the queues'));
    }
    return names.length;
  }

  /**
   * Makes the queue's consumer unless it exists, and waits for its leader to serve it (a pull sent
   * before would get no answer). Asked first, not made blindly: making an existing consumer again
   * drops the pulls waiting on it.
   */
  private async addConsumer(names: QueueNames): Promise<QueueHandle | Failure> {
    const made = await this.ensureConsumer(names.stream);
    if (made instanceof Failure) return made;
    const handle = this.handle(names);
    this.known.set(names.queue, handle);
    return handle;
  }

  /** Makes rq's consumer of a stream unless it exists, and waits for its leader (see consumerLeader). */
  async ensureConsumer(stream: string): Promise<true | Failure> {
    try {
      return await this.consumerLeader(stream);
    } catch (err) {
      if (!isGone(err)) return storeFailed(reasonOf(err, `reading the consumer of stream ${stream}`));
      try {
        await this.jsm.consumers.add(stream, {
          durable_name: CONSUMER_NAME,
          ack_policy: AckPolicy.Explicit,
          ack_wait: this.options.ackWaitMs * 1_000_000,
          max_deliver: -1,
          max_ack_pending: -1,
          max_waiting: MAX_WAITING_PULLS,
        });
        return await this.consumerLeader(stream);
      } catch (err2) {
        if (!isInUse(err2)) return storeFailed(reasonOf(err2, `making the consumer of stream ${stream}`));
      }
    }
    return true;
  }

  /**
   * Resolves once the consumer of `stream` has a leader: a pull sent before gets no answer, and is
   * sent again only a second later. On a cluster the metadata leader answers the info of a consumer
   * just made before any of its servers is elected to lead it, so the info is asked again until it
   * names one (within the time limit). Throws when the consumer does not exist.
   */
  private async consumerLeader(stream: string): Promise<true | Failure> {
    const deadline = Date.now() + this.options.timeoutMs;
    for (;;) {
      const { cluster } = await this.jsm.consumers.info(stream, CONSUMER_NAME);
      if (cluster === undefined || (cluster.leader ?? '') !== '') return true;
      if (Date.now() >= deadline) return storeFailed(`the consumer of stream ${stream} has no leader yet`);
      await new Promise((resolve) => setTimeout(resolve, LEADER_ASK_PAUSE_MS));
    }
  }

  private handle(names: QueueNames): QueueHandle {
    let counts = this.counts.get(names.queue);
    if (counts === undefined) {
      counts = new QueueCounts();
      this.counts.set(names.queue, counts);
    }
    return { ...names, nextSubject: `$JS.API.CONSUMER.MSG.NEXT.${names.stream}.${CONSUMER_NAME}`, counts };
  }
}

/** JetStream takes -1 for "no limit". */
function finite(limit: number): number {
  return limit === Infinity ? -1 : limit;
}
