/**
 * One scrape's figures as a prom-client registry of rq's series (series.ts): built anew for each
 * scrape from the figures alone, so a queue that is gone has no series left and nothing is kept
 * between scrapes. Pure: no clock, no server.
 */
import { Counter, Gauge, Registry, type RegistryContentType } from 'prom-client';
import { deepest } from './deepest.js';
import type { ScrapeFigures } from './figures.js';
import { queueLabel } from './queue-label.js';
import { JOURNAL_SERIES, OMITTED_QUEUES, QUEUE_LABEL, QUEUE_SERIES, SERVER_SERIES, type SeriesType } from './series.js';

type Labels = Partial<Record<string, string>>;

/** An empty registry that writes `contentType`'s format (prom-client's types lack the constructor's argument). */
export function newRegistry(contentType: RegistryContentType): Registry<RegistryContentType> {
  const registry = new Registry<RegistryContentType>();
  registry.setContentType(contentType);
  return registry;
}

/** A prom-client metric of the series' type; a counter starts at 0, so `add` sets it. */
function metric(registry: Registry<RegistryContentType>, name: string, type: SeriesType, help: string, labelNames: string[] = []) {
  const options = { name, help, labelNames, registers: [registry] };
  if (type === 'gauge') {
    const gauge = new Gauge(options);
    return (labels: Labels, value: number) => gauge.set(labels, value);
  }
  const counter = new Counter(options);
  return (labels: Labels, value: number) => counter.inc(labels, value);
}

/**
 * rq's series for `figures`, in `contentType`'s format, with per-queue series for the `maxQueues`
 * deepest queues only (and a gauge of how many were left out).
 */
export function figuresRegistry(figures: ScrapeFigures, contentType: RegistryContentType, maxQueues: number): Registry<RegistryContentType> {
  const registry = newRegistry(contentType);
  const none: Labels = {};
  for (const series of SERVER_SERIES) {
    if ('label' in series) {
      const add = metric(registry, series.name, series.type, series.help, [series.label]);
      for (const [label, value] of series.values(figures)) add({ [series.label]: label }, value);
    } else {
      metric(registry, series.name, series.type, series.help)(none, series.value(figures));
    }
  }
  if (figures.journal !== null) {
    for (const series of JOURNAL_SERIES) metric(registry, series.name, series.type, series.help)(none, series.value(figures.journal));
  }
  const shown = deepest(figures.queues, maxQueues);
  metric(registry, OMITTED_QUEUES.name, 'gauge', OMITTED_QUEUES.help)(none, figures.queues.length - shown.length);
  const labels: Labels[] = shown.map((q) => ({ [QUEUE_LABEL]: queueLabel(q.name) }));
  for (const series of QUEUE_SERIES) {
    const add = metric(registry, series.name, series.type, series.help, [QUEUE_LABEL]);
    for (let i = 0; i < shown.length; i++) add(labels[i], series.value(shown[i]));
  }
  return registry;
}
