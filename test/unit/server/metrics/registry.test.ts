/**
 * One scrape's figures as series: every name follows Prometheus' rules and is unique in both
 * formats, each figure lands in its series, and --metrics-max-queues keeps the deepest queues.
 */
import { Registry, type RegistryContentType } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { figuresRegistry } from '../../../../src/server/metrics/registry.js';
import { JOURNAL_SERIES, OMITTED_QUEUES, QUEUE_SERIES, SERVER_SERIES } from '../../../../src/server/metrics/series.js';
import { ServerCounters } from '../../../../src/server/stats.js';
import { queueFigures, scrapeFigures } from '../../../helpers/metrics-figures.js';
import { samples } from '../../../helpers/metrics.js';

const TEXT = Registry.PROMETHEUS_CONTENT_TYPE;
const OPEN_METRICS = Registry.OPENMETRICS_CONTENT_TYPE;

const ALL = [...SERVER_SERIES, ...JOURNAL_SERIES, ...QUEUE_SERIES, { ...OMITTED_QUEUES, type: 'gauge' }];

function render(figures = scrapeFigures(), contentType: RegistryContentType = TEXT, maxQueues = Infinity): Promise<string> {
  return figuresRegistry(figures, contentType, maxQueues).metrics();
}

describe('the series', () => {
  it("follow Prometheus' naming rules: rq_ prefix, _total on counters only, base units", () => {
    for (const s of ALL) {
      expect(s.name, s.name).toMatch(/^rq_[a-z_]+[a-z]$/);
      expect(s.name.endsWith('_total'), s.name).toBe(s.type === 'counter');
      expect(s.name, s.name).not.toMatch(/_(ms|milliseconds|kilobytes|minutes)(_|$)/);
    }
  });

  it("have distinct names in both formats (OpenMetrics drops a counter's _total from its family name)", () => {
    const families = ALL.map((s) => s.name.replace(/_total$/, ''));
    expect(new Set(families).size).toBe(ALL.length);
  });
});

describe('figuresRegistry', () => {
  it('puts each figure in its series', async () => {
    const counters = Object.assign(new ServerCounters(), {
      currConnections: 3,
      totalConnections: 9,
      rejectedConnections: 1,
      cmdGet: 20,
      cmdSet: 11,
      getHits: 15,
      getMisses: 5,
      deleteHits: 7,
      deleteMisses: 2,
      cmdFlush: 1,
      authCmds: 4,
      authErrors: 2,
      refusedChanges: 6,
      bytesRead: 1000,
      bytesWritten: 2000,
    });
    const jobs = queueFigures('jobs', {
      items: 4,
      open: 2,
      bytes: 600,
      totalItems: 11,
      delivered: 9,
      expiredItems: 1,
      acked: 5,
      released: 2,
      discarded: 3,
      rejected: 8,
      waiters: 1,
      ageMs: 1500,
      delayed: 6,
      dead: 7,
    });
    const figures = scrapeFigures({
      queues: [jobs, queueFigures('other')],
      totals: { items: 6, open: 2, bytes: 600, totalItems: 11 },
      counters,
      journal: {
        appendedBytes: 5000,
        writes: 40,
        fsyncs: 30,
        faults: 1,
        compactions: 2,
        compactionSeconds: 0.25,
        diskBytes: 4096,
        files: 3,
      },
      refusal: 'journal unavailable (ENOSPC)',
    });
    const got = samples(await render(figures));
    expect(Object.fromEntries([...got].filter(([name]) => !name.startsWith('rq_queue_')))).toEqual({
      'rq_build_info{version="1.2.3"}': 1,
      rq_accepting_changes: 0,
      rq_queues: 2,
      rq_ready_items: 4,
      rq_open_items: 2,
      rq_data_bytes: 600,
      rq_enqueued_items_total: 11,
      rq_open_connections: 3,
      rq_connections_total: 9,
      rq_connections_refused_total: 1,
      'rq_commands_total{command="get"}': 20,
      'rq_commands_total{command="set"}': 11,
      'rq_commands_total{command="delete"}': 9,
      'rq_commands_total{command="flush"}': 1,
      rq_get_hits_total: 15,
      rq_get_misses_total: 5,
      rq_client_read_bytes_total: 1000,
      rq_client_written_bytes_total: 2000,
      rq_auth_attempts_total: 4,
      rq_auth_failures_total: 2,
      rq_refused_changes_total: 6,
      rq_journal_appended_bytes_total: 5000,
      rq_journal_writes_total: 40,
      rq_journal_fsyncs_total: 30,
      rq_journal_disk_bytes: 4096,
      rq_journal_files: 3,
      rq_journal_compactions_total: 2,
      rq_journal_compaction_seconds_total: 0.25,
      rq_journal_faults_total: 1,
      rq_metrics_omitted_queues: 0,
    });
    expect(Object.fromEntries([...got].filter(([name]) => name.endsWith('{queue="jobs"}')))).toEqual({
      'rq_queue_ready_items{queue="jobs"}': 4,
      'rq_queue_open_items{queue="jobs"}': 2,
      'rq_queue_waiters{queue="jobs"}': 1,
      'rq_queue_data_bytes{queue="jobs"}': 600,
      'rq_queue_oldest_item_age_seconds{queue="jobs"}': 1.5,
      'rq_queue_enqueued_items_total{queue="jobs"}': 11,
      'rq_queue_delivered_items_total{queue="jobs"}': 9,
      'rq_queue_acked_items_total{queue="jobs"}': 5,
      'rq_queue_released_items_total{queue="jobs"}': 2,
      'rq_queue_expired_items_total{queue="jobs"}': 1,
      'rq_queue_discarded_items_total{queue="jobs"}': 3,
      'rq_queue_delayed_items{queue="jobs"}': 6,
      'rq_queue_dead_lettered_items_total{queue="jobs"}': 7,
      'rq_queue_rejected_items_total{queue="jobs"}': 8,
    });
    expect(got.get('rq_queue_ready_items{queue="other"}')).toBe(0);
  });

  it('has no journal series without a journal', async () => {
    const text = await render(scrapeFigures({ journal: null }));
    expect(text).not.toContain('rq_journal_');
    expect(samples(text).get('rq_accepting_changes')).toBe(1);
  });

  it('keeps the deepest queues past maxQueues and says how many it left out', async () => {
    const queues = Array.from({ length: 10 }, (_, i) => queueFigures(`q${i}`, { items: i }));
    const got = samples(await render(scrapeFigures({ queues }), TEXT, 3));
    const shown = [...got.keys()].filter((k) => k.startsWith('rq_queue_ready_items'));
    expect(shown).toEqual([
      'rq_queue_ready_items{queue="q9"}',
      'rq_queue_ready_items{queue="q8"}',
      'rq_queue_ready_items{queue="q7"}',
    ]);
    expect(got.get('rq_metrics_omitted_queues')).toBe(7);
    expect(got.get('rq_queues')).toBe(10);
  });

  it('escapes what a label value cannot hold as it is', async () => {
    const name = Buffer.from('naïve"q\\', 'utf8').toString('latin1');
    const text = await render(scrapeFigures({ queues: [queueFigures(name, { items: 2 })] }));
    expect(text).toContain('rq_queue_ready_items{queue="naïve\\"q\\\\\\\\"} 2\n');
  });

  it('writes OpenMetrics when asked: counter families without _total, samples with it, # EOF last', async () => {
    const text = await render(scrapeFigures({ queues: [queueFigures('jobs', { totalItems: 3 })] }), OPEN_METRICS);
    expect(text).toContain('# TYPE rq_queue_enqueued_items counter\n');
    expect(text).toContain('rq_queue_enqueued_items_total{queue="jobs"} 3\n');
    expect(text.endsWith('\n# EOF\n')).toBe(true);
  });
});
