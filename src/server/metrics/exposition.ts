/**
 * What `/metrics` answers: one scrape's series (registry.ts) together with the series that live
 * for the whole process: Node's own (prom-client's default collectors: event-loop lag, heap, GC,
 * CPU, file descriptors, less three misnamed ones) and the journal's fsync latency histogram, which the journal feeds as each
 * fsync ends.
 *
 * Each exposition format gets its own set of default collectors, made on first use: prom-client
 * renames a counter when it writes OpenMetrics (it strips `_total` in place), so one set shared by
 * both formats would lose its `_total` in the Prometheus text format after an OpenMetrics scrape.
 */
import { collectDefaultMetrics, Histogram, Registry, type RegistryContentType } from 'prom-client';
import type { ScrapeFigures } from './figures.js';
import { figuresRegistry, newRegistry } from './registry.js';

/**
 * 0.1 ms to 2.5 s: a local SSD syncs in well under a millisecond, a spinning disk in 5–20 ms, a
 * network volume in tens of ms; past a second, replies under `--fsync always` wait that long.
 */
const FSYNC_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * prom-client's default gauges named like counters, which Prometheus' naming rules forbid
 * (`promtool check metrics` rejects them): each is the sum of a labelled gauge kept beside it
 * (`nodejs_active_handles{type=…}`, …).
 */
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export const FSYNC_HISTOGRAM = {
  name: 'rq_journal_fsync_duration_seconds',
  help: 'How long each fsync of the journal took (the ones replies wait for under --fsync always).',
} as const;

export interface ExpositionOptions {
  /** Whether the server has a journal: without one there is no fsync histogram. */
  readonly journal: boolean;
  /** Per-queue series for this many queues at most, the deepest (`--metrics-max-queues`). */
  readonly maxQueues: number;
}

export class Exposition {
  private readonly fsyncSeconds: Histogram | null;
  private readonly lasting = new Map<RegistryContentType, Registry<RegistryContentType>>();

  constructor(private readonly options: ExpositionOptions) {
    this.fsyncSeconds = options.journal ? new Histogram({ ...FSYNC_HISTOGRAM, buckets: FSYNC_BUCKETS, registers: [] }) : null;
  }

  /** For the journal's `onFsync`: records one fsync's duration. */
  readonly observeFsync = (seconds: number): void => {
    this.fsyncSeconds?.observe(seconds);
  };

  /** The text of one scrape of `figures` in `contentType`'s format. */
  async render(figures: ScrapeFigures, contentType: RegistryContentType): Promise<string> {
    const scrape = figuresRegistry(figures, contentType, this.options.maxQueues);
    // Registry.merge keeps its registries' format; its types know only the text format.
    const both = [this.lastingRegistry(contentType), scrape] as unknown as Registry[];
    return Registry.merge(both).metrics();
  }

  /** The series that outlive a scrape, for one format. */
  private lastingRegistry(contentType: RegistryContentType): Registry<RegistryContentType> {
    let registry = this.lasting.get(contentType);
    if (registry === undefined) {
      registry = newRegistry(contentType);
      collectDefaultMetrics({ register: registry });
      for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
      if (this.fsyncSeconds !== null) registry.registerMetric(this.fsyncSeconds);
      this.lasting.set(contentType, registry);
    }
    return registry;
  }
}
