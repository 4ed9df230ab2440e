import { describe, expect, it } from 'vitest';
import { headerLine, rowLine, tableLayout } from '../../../src/tui/table.js';
import { row } from '../../helpers/tui-fixtures.js';

describe('tableLayout', () => {
  it('shows every column in a wide terminal, with the name column as wide as the longest name', () => {
    const l = tableLayout(160, 12, true, [row('q', { delayed: 12, dead: 3 })]);
    expect(l.nameWidth).toBe(12);
    expect(l.columns.map((c) => c.key)).toEqual([
      'items',
      'open',
      'waiters',
      'enqueue',
      'dequeue',
      'ack',
      'expired',
      'delayed',
      'dead',
      'age',
      'bytes',
      'servers',
      'depth',
    ]);
    expect(headerLine(l).length).toBeLessThanOrEqual(160);
    expect(headerLine(l)).toMatch(/EXP\/s DELAYED  DEAD    AGE/);
    expect(rowLine(l, row('q', { delayed: 12, dead: 3 }), 0)).toMatch(/ {6}12 {5}3 /);
  });

  it('drops columns in order as the terminal narrows, keeping name, READY and ENQ/s', () => {
    let previous = Infinity;
    for (let width = 120; width >= 24; width -= 4) {
      const l = tableLayout(width, 40, false);
      const keys = l.columns.map((c) => c.key);
      expect(keys).toContain('items');
      expect(keys).toContain('enqueue');
      expect(keys.length).toBeLessThanOrEqual(previous);
      previous = keys.length;
      expect(headerLine(l).length).toBeLessThanOrEqual(width);
      expect(rowLine(l, row('x'.repeat(40), { items: 123456 }), 0).length).toBeLessThanOrEqual(width);
    }
    expect(tableLayout(24, 40, false).columns.map((c) => c.key)).toEqual(['items', 'enqueue']);
  });

  it('shows DELAYED and DEAD only when some queue has delayed or dead-lettered items', () => {
    const keys = (rows: Parameters<typeof tableLayout>[3]) => tableLayout(200, 5, false, rows).columns.map((c) => c.key);
    expect(keys([row('q')])).not.toContain('delayed');
    expect(keys([row('q', { delayed: 0, dead: 0 })])).not.toContain('dead');
    expect(keys([row('q'), row('r', { delayed: 1 })])).toEqual(expect.arrayContaining(['delayed']));
    expect(keys([row('q', { delayed: 1 })])).not.toContain('dead');
    expect(keys([row('q', { dead: 1 })])).toEqual(expect.arrayContaining(['dead']));
  });

  it('leaves SRV out for one server', () => {
    expect(tableLayout(200, 5, false).columns.some((c) => c.key === 'servers')).toBe(false);
  });
});

describe('rowLine', () => {
  it('truncates a long name with an ellipsis instead of wrapping', () => {
    const l = tableLayout(50, 100, false);
    const line = rowLine(l, row('a-very-long-queue-name-that-goes-on-and-on-and-on', { items: 5 }), 0);
    expect(line).toContain('…');
    expect(line.length).toBe(50);
    expect(line).not.toContain('\n');
  });

  it('shows a dash for unknown figures and for the age of an empty queue', () => {
    const l = tableLayout(120, 5, false);
    const line = rowLine(l, row('q', { items: 0, ageMs: 0, enqueue: undefined, bytes: undefined }), 0);
    const cells = line.trim().split(/\s+/);
    expect(cells[0]).toBe('q');
    expect(cells).toContain('–');
    expect(line).not.toMatch(/NaN|undefined/);
  });

  it('escapes control bytes in queue names', () => {
    const l = tableLayout(80, 10, false);
    expect(rowLine(l, row('evil\x1b[2J'), 0)).toContain('evil?[2J');
  });
});
