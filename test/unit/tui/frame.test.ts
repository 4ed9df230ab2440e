import { describe, expect, it } from 'vitest';
import { plainFrame, snapshotJson } from '../../../src/tui/frame.js';
import { row, snapshot, upServer } from '../../helpers/tui-fixtures.js';

describe('plainFrame', () => {
  it('prints servers, a full table sorted by name and a status line, with no escape codes', () => {
    const text = plainFrame(
      snapshot({ queues: [row('zeta', { items: 7, enqueue: 2.5 }), row('alpha', { items: 1 })] }),
      undefined,
    );
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^● 127\.0\.0\.1:22133  up 10s  enq –\/s/);
    expect(lines[2]).toMatch(/^QUEUE\s+READY\s+OPEN/);
    expect(lines[3]).toMatch(/^alpha\s+1\s/);
    expect(lines[4]).toMatch(/^zeta\s+7\s+0\s+0\s+2\.5\s/);
    expect(text).not.toMatch(/\x1b/);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('shows a down server without a countdown, and an empty server', () => {
    const down = { address: 'h:1', state: 'down' as const, error: 'connection refused', retryInMs: 2000 };
    const text = plainFrame(snapshot({ servers: [down, upServer('h:2')] }), 80);
    expect(text).toContain('✗ h:1  down: connection refused  never reached');
    expect(text).toContain('(no queues)');
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });
});

describe('snapshotJson', () => {
  it('uses null for unknown figures and numbers for numeric stats', () => {
    const json = snapshotJson(snapshot({ queues: [row('q', { items: 0, enqueue: undefined, ack: 3 })] })) as {
      servers: Array<{ stats: Record<string, unknown>; enqueue_per_s: unknown }>;
      queues: Array<Record<string, unknown>>;
    };
    expect(json.servers[0].stats.pid).toBe(100);
    expect(json.servers[0].stats.version).toBe('0.1.0');
    expect(json.servers[0].enqueue_per_s).toBeNull();
    expect(json.queues[0]).toMatchObject({ name: 'q', items: 0, age_ms: null, enqueue_per_s: null, ack_per_s: 3 });
    expect(() => JSON.stringify(json)).not.toThrow();
  });

  it("gives each queue's dropped and refused items, null when a server does not report them", () => {
    const json = snapshotJson(snapshot({ queues: [row('a', { discarded: 2, rejected: 1 }), row('b')] })) as {
      queues: Array<Record<string, unknown>>;
    };
    expect(json.queues.map((q) => [q.discarded, q.rejected])).toEqual([
      [2, 1],
      [null, null],
    ]);
  });

  it("gives each queue's delayed and dead-lettered items, null when a server does not report them", () => {
    const json = snapshotJson(snapshot({ queues: [row('a', { delayed: 4, dead: 1 }), row('b')] })) as {
      queues: Array<Record<string, unknown>>;
    };
    expect(json.queues.map((q) => [q.delayed, q.dead])).toEqual([
      [4, 1],
      [null, null],
    ]);
  });
});

describe('server line with a journal', () => {
  it('shows the fsync policy and size, and a failed journal first', () => {
    const ok = plainFrame(
      snapshot({
        servers: [upServer('h:1', { journal_fsync: 'every 50ms', journal_bytes: 3 * 1024 * 1024, journal_state: 'ok' })],
      }),
      undefined,
    );
    expect(ok.split('\n')[0]).toContain('fsync every 50ms journal 3.0M rss –');
    const failed = plainFrame(snapshot({ servers: [upServer('h:1', { journal_state: 'failed:ENOSPC' })] }), undefined);
    expect(failed.split('\n')[0]).toMatch(/^● h:1  JOURNAL failed:ENOSPC  up 10s/);
  });
});
