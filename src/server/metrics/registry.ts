/**
 * One scrape's figures as a prom-client registry of rq's series (series.ts): built anew for each
 * scrape from the figures alone, so a queue that is gone has no series left and nothing is kept
 * between scrapes. prom-client's registry writes it in the scraper's format. Pure: no clock, no
 * server.
 */
import { Registry, type Metric, type RegistryContentType } from 'prom-client';
import { deepest } from './deepest.js';
import type { ScrapeFigures } from './figures.js';
import { queueLabel } from './queue-label.js';
import { JOURNAL_SERIES, OMITTED_QUEUES, QUEUE_LABEL, QUEUE_SERIES, SERVER_SERIES, type SeriesType } from './series.js';

type Labels = Readonly<Record<string, string>>;

const NO_LABELS: Labels = Object.freeze({});

/**
 * One sample as prom-client's registry writes it. The per-queue series pass the queue's label as
 * `sharedLabels`, the field prom-client's histograms use for the labels their buckets share: the
 * registry formats such an object once and caches the text by identity, and each queue's object
 * is shared by its twelve series, where `labels` would be escaped and formatted for every sample
 * again (half the time of a scrape of 1,000 queues). The registry writes both alike.
 */
interface Sample {
  readonly value: number;
  readonly labels: Labels;
  readonly sharedLabels?: Labels;
}

/**
 * A series and its samples, known when it is made. prom-client's registry asks each metric for
 * `get()` and writes the answer; its Gauge and Counter would hash every label set to store values
 * that are known already (a third of a scrape's time), so the figures are handed over as they are.
 */
class Samples {
  readonly aggregator = 'sum';
  private readonly samples: Sample[] = [];

  constructor(
    // Not readonly: prom-client drops a counter's `_total` here when it writes OpenMetrics.
    public name: string,
    readonly help: string,
    readonly type: SeriesType,
  ) {}

  add(value: number, labels: Labels = NO_LABELS, sharedLabels?: Labels): void {
    this.samples.push(sharedLabels === undefined ? { value, labels } : { value, labels, sharedLabels });
  }

  get(): Promise<{ name: string; help: string; type: SeriesType; aggregator: string; values: Sample[] }> {
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: this.samples,
    });
  }

  reset(): void {
    this.samples.length = 0;
  }
}

/** An empty registry that writes `contentType`'s format (prom-client's types lack the constructor's argument). */
export function newRegistry(contentType: RegistryContentType): Registry<RegistryContentType> {
  const registry = new Registry<RegistryContentType>();
  registry.setContentType(contentType);
  return registry;
}

/**
 * rq's series for `figures`, in `contentType`'s format, with per-queue series for the `maxQueues`
 * deepest queues only (and a gauge of how many were left out).
 */
export function figuresRegistry(
  figures: ScrapeFigures,
  contentType: RegistryContentType,
  maxQueues: number,
): Registry<RegistryContentType> {
  const registry = newRegistry(contentType);
  const series = (name: string, type: SeriesType, help: string): Samples => {
    const samples = new Samples(name, help, type);
    // The registry takes any metric that answers get(); its types know only prom-client's classes.
    registry.registerMetric(samples as unknown as Metric);
    return samples;
  };
  for (const s of SERVER_SERIES) {
    const samples = series(s.name, s.type, s.help);
    if ('label' in s) {
      for (const [label, value] of s.values(figures)) samples.add(value, { [s.label]: label });
    } else {
      samples.add(s.value(figures));
    }
  }
  if (figures.journal !== null) {
    for (const s of JOURNAL_SERIES) series(s.name, s.type, s.help).add(s.value(figures.journal));
  }
  const shown = deepest(figures.queues, maxQueues);
  series(OMITTED_QUEUES.name, 'gauge', OMITTED_QUEUES.help).add(figures.queues.length - shown.length);
  const labels: Labels[] = shown.map((q) => ({ [QUEUE_LABEL]: queueLabel(q.name) }));
  for (const s of QUEUE_SERIES) {
    const samples = series(s.name, s.type, s.help);
    for (let i = 0; i < shown.length; i++) samples.add(s.value(shown[i]), NO_LABELS, labels[i]);
  }
  return registry;
}
