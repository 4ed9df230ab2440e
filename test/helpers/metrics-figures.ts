/** Scrape figures for the metrics tests: every field zero unless given. */
import type { EngineQueueStats } from '../../src/queue/types.js';
import type { ScrapeFigures } from '../../src/server/metrics/figures.js';
import { ServerCounters } from '../../src/server/stats.js';

export function queueFigures(name: string, figures: Partial<EngineQueueStats> = {}): EngineQueueStats {
  return {
    name,
    items: 0,
    open: 0,
    bytes: 0,
    totalItems: 0,
    delivered: 0,
    expiredItems: 0,
    acked: 0,
    released: 0,
    discarded: 0,
    rejected: 0,
    waiters: 0,
    ageMs: 0,
    delayed: 0,
    dead: 0,
    headDeliveries: 0,
    ...figures,
  };
}

export function scrapeFigures(figures: Partial<ScrapeFigures> = {}): ScrapeFigures {
  return {
    version: '1.2.3',
    queues: [],
    totals: { items: 0, bytes: 0, open: 0, totalItems: 0 },
    counters: new ServerCounters(),
    journal: null,
    refusal: null,
    ...figures,
  };
}
