/** The pure parts of the metrics endpoint: format negotiation, queue labels, the deepest queues. */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { deepest } from '../../../../src/server/metrics/deepest.js';
import { negotiate } from '../../../../src/server/metrics/negotiate.js';
import { queueLabel } from '../../../../src/server/metrics/queue-label.js';
import { queueFigures } from '../../../helpers/metrics-figures.js';

const TEXT = Registry.PROMETHEUS_CONTENT_TYPE;
const OPEN_METRICS = Registry.OPENMETRICS_CONTENT_TYPE;

describe('negotiate', () => {
  it.each([
    [undefined, TEXT],
    ['', TEXT],
    ['*/*', TEXT],
    ['text/plain;version=0.0.4', TEXT],
    // Prometheus 2.x
    [
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      OPEN_METRICS,
    ],
    ['application/openmetrics-text', OPEN_METRICS],
    ['Application/OpenMetrics-Text; version=1.0.0', OPEN_METRICS],
    ['application/openmetrics-text;version=0.0.1', TEXT],
    ['application/openmetrics-text;q=0.5,text/plain', TEXT],
    ['application/openmetrics-text;q=0,*/*', TEXT],
    ['application/openmetrics-text;q=bogus', TEXT],
    ['text/html', TEXT],
    [',,;;==', TEXT],
  ])('%j → %s', (accept, format) => {
    expect(negotiate(accept)).toBe(format);
  });
});

describe('queueLabel', () => {
  const latin1 = (bytes: number[]) => Buffer.from(bytes).toString('latin1');

  it('shows a name as the text it is when it is UTF-8', () => {
    expect(queueLabel('jobs')).toBe('jobs');
    expect(queueLabel(latin1([...Buffer.from('café-ünï')]))).toBe('café-ünï');
    expect(queueLabel(latin1([...Buffer.from('\uFEFFjobs')]))).toBe('\uFEFFjobs');
  });

  it('shows bytes that are not UTF-8 as \\xNN, and doubles backslashes', () => {
    expect(queueLabel(latin1([0x61, 0xff, 0x62]))).toBe('a\\xffb');
    expect(queueLabel(latin1([0xc3]))).toBe('\\xc3');
    expect(queueLabel(latin1([0xe9, ...Buffer.from('é')]))).toBe('\\xe9é');
    expect(queueLabel('a\\xffb')).toBe('a\\\\xffb');
  });

  it('gives no two names the same label', () => {
    const names = [
      'a',
      'a\\',
      'a\\\\',
      'a\\xff',
      latin1([0x61, 0xff]),
      latin1([0x61, 0x5c, 0xff]),
      latin1([0xef, 0xbb, 0xbf, 0x61]),
      latin1([0xc3, 0xa9]),
      'é',
      latin1([0xed, 0xa0, 0x80]),
      '\\xed\\xa0\\x80',
      latin1([0xe0, 0x80, 0x80]),
    ];
    const labels = names.map(queueLabel);
    expect(new Set(labels).size).toBe(names.length);
  });
});

describe('deepest', () => {
  const queues = [
    queueFigures('b', { items: 5 }),
    queueFigures('a', { items: 5 }),
    queueFigures('busy', { items: 0, open: 40 }),
    queueFigures('deep', { items: 900 }),
    queueFigures('idle'),
  ];

  it('keeps every queue, in the order given, when there are few enough', () => {
    expect(deepest(queues, 5)).toBe(queues);
  });

  it('keeps the deepest: most ready items, then most open, then by name', () => {
    expect(deepest(queues, 4).map((q) => q.name)).toEqual(['deep', 'a', 'b', 'busy']);
    expect(deepest(queues, 1).map((q) => q.name)).toEqual(['deep']);
    expect(deepest(queues, 0)).toEqual([]);
  });
});
