/**
 * docs/monitoring.md and the files beside it stay true: every series rq exports is documented and
 * every documented one exists; the alert rules pass promtool's checks and its rule tests; the
 * Grafana dashboard is valid JSON that asks only for series rq (or Node) exports.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { Exposition, FSYNC_HISTOGRAM } from '../../src/server/metrics/exposition.js';
import { JOURNAL_SERIES, OMITTED_QUEUES, QUEUE_SERIES, SERVER_SERIES } from '../../src/server/metrics/series.js';
import { missingClient, runChild } from '../helpers/child.js';
import { scrapeFigures } from '../helpers/metrics-figures.js';

const ROOT = path.resolve(__dirname, '../..');
const DOC = fs.readFileSync(path.join(ROOT, 'docs/monitoring.md'), 'utf8');
const RQ_SERIES = [...QUEUE_SERIES, ...SERVER_SERIES, ...JOURNAL_SERIES, OMITTED_QUEUES, FSYNC_HISTOGRAM].map((s) => s.name);
const JOURNAL = {
  appendedBytes: 0,
  writes: 0,
  fsyncs: 0,
  faults: 0,
  compactions: 0,
  compactionSeconds: 0,
  diskBytes: 0,
  files: 1,
};
const noPromtool = missingClient(['prometheus'], ['/usr/bin/promtool']);

describe('docs/monitoring.md', () => {
  it('has a table row for every series rq exports, and for no other rq_ series', () => {
    const rows = [...DOC.matchAll(/^\| `(rq_[a-z_]+)` \|/gm)].map((m) => m[1]);
    expect([...rows].sort()).toEqual([...RQ_SERIES].sort());
  });
});

describe('docs/rq-alerts.yml', () => {
  it.skipIf(noPromtool !== null)(`passes promtool check rules ${noPromtool ?? ''}`, async () => {
    const r = await runChild('promtool', ['check', 'rules', path.join(ROOT, 'docs/rq-alerts.yml')]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it.skipIf(noPromtool !== null)(
    `fires each alert on the series it watches (promtool test rules) ${noPromtool ?? ''}`,
    async () => {
      const r = await runChild('promtool', ['test', 'rules', 'rq-alerts.test.yml'], {
        cwd: path.join(ROOT, 'test/fixtures/metrics'),
      });
      expect({ code: r.code, out: r.stdout + r.stderr }).toEqual({ code: 0, out: expect.stringContaining('SUCCESS') as string });
    },
  );

  it('watches only series rq exports, and each alert is in the docs', () => {
    const rules = fs.readFileSync(path.join(ROOT, 'docs/rq-alerts.yml'), 'utf8');
    for (const [, expr] of rules.matchAll(/^\s+expr: (.*)$/gm)) {
      for (const [name] of expr.matchAll(/\brq_[a-z_]+/g))
        expect(RQ_SERIES, expr).toContain(name.replace(/_(bucket|sum|count)$/, ''));
    }
    for (const [, alert] of rules.matchAll(/^\s+- alert: (\w+)$/gm)) expect(DOC).toContain(`| \`${alert}\` |`);
  });
});

describe('docs/rq-dashboard.json', () => {
  const dashboard = JSON.parse(fs.readFileSync(path.join(ROOT, 'docs/rq-dashboard.json'), 'utf8')) as {
    uid: string;
    title: string;
    templating: { list: Array<{ name: string; type: string }> };
    panels: Array<{
      id: number;
      type: string;
      title: string;
      gridPos: { x: number; y: number; w: number; h: number };
      targets?: Array<{ expr: string }>;
    }>;
  };

  it('imports as it is: its data source is a menu, every panel has an id of its own and a place on the grid', () => {
    expect(dashboard.uid).toBe('rq-queues');
    expect(dashboard.templating.list.map((v) => `${v.name}:${v.type}`)).toEqual([
      'datasource:datasource',
      'instance:query',
      'queue:query',
    ]);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      if (p.type !== 'row') expect(p.targets?.length, p.title).toBeGreaterThan(0);
    }
  });

  it('asks only for series a scrape has', async () => {
    const scrape = await new Exposition({ journal: true, maxQueues: Infinity }).render(
      scrapeFigures({ journal: JOURNAL }),
      Registry.PROMETHEUS_CONTENT_TYPE,
    );
    const families = new Set([...scrape.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    for (const p of dashboard.panels) {
      for (const { expr } of p.targets ?? []) {
        for (const [name] of expr.matchAll(/\b(rq|nodejs|process)_[a-z0-9_]+\b/g)) {
          expect([...families], `${p.title}: ${expr}`).toContain(name.replace(/_(bucket|sum|count)$/, ''));
        }
      }
    }
  });
});
