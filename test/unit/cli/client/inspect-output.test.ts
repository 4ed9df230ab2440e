import { describe, expect, it } from 'vitest';
import type { QueueStats, ServerStats } from '../../../../src/client/stats.js';
import { RqClientError } from '../../../../src/client/errors.js';
import {
  formatBytes,
  formatDuration,
  renderOverview,
  renderQueue,
  statsJson,
} from '../../../../src/cli/client/inspect-output.js';
import { jsonLine } from '../../../../src/cli/output/json.js';

describe('rq inspect output', () => {
  it('formats durations and sizes compactly', () => {
    expect([0, 999, 1234, 59_999, 75_000, 3_600_000, 7_500_000, 200_000_000].map(formatDuration)).toEqual([
      '0ms',
      '999ms',
      '1.2s',
      '60.0s',
      '1m15s',
      '1h00m',
      '2h05m',
      '2d07h',
    ]);
    expect([0, 1023, 1536, 10 * 1024 * 1024, 5 * 1024 ** 4].map(formatBytes)).toEqual([
      '0B',
      '1023B',
      '1.5KiB',
      '10MiB',
      '5.0TiB',
    ]);
    expect(formatDuration(undefined)).toBe('–');
  });

  const up = (server: string, queues: QueueStats[]): ServerStats => ({
    server,
    state: 'up',
    general: new Map([
      ['version', '0.1.0'],
      ['uptime', '3700'],
      ['curr_connections', '2'],
    ]),
    queues: new Map(queues.map((q) => [q.name, q])),
  });
  const down: ServerStats = {
    server: 'h:2',
    state: 'down',
    error: new RqClientError('unreachable', 'h:2', 'connection refused'),
  };

  it('shows each server, then one row per queue summed over servers', () => {
    const text = renderOverview([
      up('h:1', [
        {
          name: 'jobs',
          items: 2,
          open: 1,
          bytes: 2048,
          totalItems: 9,
          acked: 6,
          released: 1,
          expiredItems: 0,
          waiters: 0,
          ageMs: 1500,
        },
      ]),
      up('h:3', [
        {
          name: 'jobs',
          items: 1,
          open: 0,
          bytes: 10,
          totalItems: 1,
          acked: 0,
          released: 0,
          expiredItems: 0,
          waiters: 1,
          ageMs: 90_000,
        },
      ]),
      down,
    ]);
    expect(text).toBe(
      [
        'h:1  rq 0.1.0  up 1h01m  2 connections',
        'h:3  rq 0.1.0  up 1h01m  2 connections',
        'h:2  down: connection refused',
        '',
        'QUEUE  READY  OPEN  OLDEST   BYTES  PUSHED  ACKED  RELEASED  EXPIRED  WAITING',
        'jobs       3     1   1m30s  2.0KiB      10      6         1        0        1',
        '',
      ].join('\n'),
    );
  });

  it("adds DELAYED and DEAD columns only when some queue has such items, and the detail has them with the head's deliveries", () => {
    const q = {
      name: 'jobs',
      items: 1,
      open: 0,
      bytes: 1,
      totalItems: 5,
      acked: 2,
      released: 0,
      expiredItems: 0,
      waiters: 0,
      ageMs: 0,
    };
    const plain = renderOverview([up('h:1', [{ ...q, delayed: 0, dead: 0, headDeliveries: 1 }])]);
    expect(plain).not.toMatch(/DELAYED|DEAD/);
    const failing = renderOverview([
      up('h:1', [
        { ...q, delayed: 3, dead: 0 },
        { ...q, name: 'mail', delayed: 0, dead: 2 },
      ]),
    ]);
    expect(failing.split('\n').slice(2)).toEqual([
      'QUEUE  READY  OPEN  DELAYED  OLDEST  BYTES  PUSHED  ACKED  RELEASED  EXPIRED  DEAD  WAITING',
      'jobs       1     0        3     0ms     1B       5      2         0        0     0        0',
      'mail       1     0        0     0ms     1B       5      2         0        0     2        0',
      '',
    ]);
    const detail = renderQueue('jobs', [up('h:1', [{ ...q, delayed: 3, dead: 1, headDeliveries: 2 }])])!;
    expect(detail).toContain('\ndelayed            3\n');
    expect(detail).toContain('\ndead-lettered      1\n');
    expect(detail).toContain('\nhead deliveries    2\n');
  });

  it('says when there are no queues', () => {
    expect(renderOverview([up('h:1', [])])).toBe('h:1  rq 0.1.0  up 1h01m  2 connections\nno queues\n');
  });

  it('shows one queue per server with a total, or null when no server has it', () => {
    const q = {
      name: 'jobs',
      items: 0,
      open: 0,
      bytes: 0,
      totalItems: 4,
      acked: 4,
      released: 0,
      expiredItems: 0,
      waiters: 0,
      ageMs: 0,
    };
    expect(renderQueue('jobs', [up('h:1', [q]), up('h:3', [q])])).toBe(
      [
        'jobs',
        '                 h:1  h:3  total',
        'ready              0    0      0',
        'open               0    0      0',
        'oldest ready       –    –      –',
        'bytes             0B   0B     0B',
        'pushed             4    4      8',
        'acked              4    4      8',
        'released           0    0      0',
        'expired            0    0      0',
        'waiting readers    0    0      0',
        '',
      ].join('\n'),
    );
    expect(renderQueue('nope', [up('h:1', [q]), down])).toBeNull();
  });

  it('gives scripts the parsed figures in snake_case, numbers as numbers, a down server as its error text', () => {
    expect(JSON.parse(jsonLine(statsJson([down])))).toEqual({
      servers: [{ server: 'h:2', state: 'down', error: 'h:2: connection refused' }],
    });
    const q = { name: 'jobs', items: 1, totalItems: 4, ageMs: 5 };
    expect(JSON.parse(jsonLine(statsJson([up('h:1', [q, { name: 'other', items: 0 }])], 'jobs')))).toEqual({
      servers: [
        {
          server: 'h:1',
          state: 'up',
          stats: { version: '0.1.0', uptime: 3700, curr_connections: 2 },
          queues: [{ name: 'jobs', items: 1, total_items: 4, age_ms: 5 }],
        },
      ],
    });
  });
});
