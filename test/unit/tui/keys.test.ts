import { describe, expect, it } from 'vitest';
import { INITIAL_UI, pressKey, splitKeys, type UiState } from '../../../src/tui/keys.js';
import { filterRows, moveSelection, sortRows, visibleWindow } from '../../../src/tui/view.js';
import { row } from '../../helpers/tui-fixtures.js';

const names = ['a', 'b', 'c'];
const press = (s: UiState, input: string, extra: object = {}) => pressKey(s, { input, ...extra }, names, 2);

describe('keys', () => {
  it('quits on q and Ctrl-C, but q is text while typing a filter', () => {
    expect(press(INITIAL_UI, 'q').quit).toBe(true);
    expect(press(INITIAL_UI, 'c', { ctrl: true }).quit).toBe(true);
    const typing = press(INITIAL_UI, '/');
    expect(press(typing, 'q')).toMatchObject({ quit: false, filter: 'q' });
    expect(press(typing, 'c', { ctrl: true }).quit).toBe(true);
  });

  it('moves the selection with arrows, j/k and pages, within the rows', () => {
    let s: UiState = { ...INITIAL_UI, selected: 'a' };
    s = press(s, 'j');
    expect(s.selected).toBe('b');
    s = press(s, '', { downArrow: true });
    s = press(s, '', { downArrow: true });
    expect(s.selected).toBe('c');
    s = press(s, 'k');
    expect(s.selected).toBe('b');
    s = press(s, '', { pageUp: true });
    expect(s.selected).toBe('a');
  });

  it('cycles the sort column through name, depth, age, rate', () => {
    const seen = [];
    let s = { ...INITIAL_UI, sort: 'name' as const } as UiState;
    for (let i = 0; i < 4; i++) {
      s = press(s, 's');
      seen.push(s.sort);
    }
    expect(seen).toEqual(['depth', 'age', 'rate', 'name']);
  });

  it('edits a filter: typing, backspace, Enter keeps it, Esc clears it', () => {
    let s = press(INITIAL_UI, '/');
    for (const ch of 'jobz') s = press(s, ch);
    s = press(s, '', { backspace: true });
    s = press(s, '\x1b[junk');
    expect(s.filter).toBe('job[junk');
    s = press(s, '', { return: true });
    expect(s).toMatchObject({ editingFilter: false, filter: 'job[junk' });
    s = press(s, '', { escape: true });
    expect(s.filter).toBe('');
  });

  it('opens the detail of the selected queue on Enter and goes back on Esc; ? shows help over either', () => {
    let s = press({ ...INITIAL_UI, selected: 'b' }, '', { return: true });
    expect(s).toMatchObject({ view: 'detail', selected: 'b' });
    s = press(s, '?');
    expect(s).toMatchObject({ view: 'help', under: 'detail' });
    s = press(s, 'x');
    expect(s.view).toBe('detail');
    s = press(s, '', { escape: true });
    expect(s.view).toBe('table');
    expect(pressKey(INITIAL_UI, { input: '', return: true }, [], 2).view).toBe('table');
  });

  it('toggles pause with p', () => {
    expect(press(press(INITIAL_UI, 'p'), 'p').paused).toBe(false);
    expect(press(INITIAL_UI, 'p').paused).toBe(true);
  });
});

describe('sorting, filtering and scrolling', () => {
  const rows = [
    row('b', { items: 5, ageMs: 10 }),
    row('a', { items: 5, ageMs: 99, enqueue: 1 }),
    row('c', { items: 50, enqueue: undefined, dequeue: undefined }),
  ];
  it('sorts by name ascending and by figures descending, ties by name, unknown last', () => {
    expect(sortRows(rows, 'name').map((r) => r.name)).toEqual(['a', 'b', 'c']);
    expect(sortRows(rows, 'depth').map((r) => r.name)).toEqual(['c', 'a', 'b']);
    expect(sortRows(rows, 'age').map((r) => r.name)).toEqual(['a', 'b', 'c']);
    expect(sortRows(rows, 'rate').map((r) => r.name)).toEqual(['a', 'b', 'c']);
  });
  it('filters by a case-insensitive part of the name', () => {
    expect(filterRows([row('Emails'), row('jobs')], 'MAIL').map((r) => r.name)).toEqual(['Emails']);
    expect(filterRows([row('x')], '')).toHaveLength(1);
  });
  it('keeps the selected row inside the window', () => {
    expect(visibleWindow(200, 0, 10)).toEqual({ start: 0, end: 10 });
    expect(visibleWindow(200, 199, 10)).toEqual({ start: 190, end: 200 });
    const w = visibleWindow(200, 100, 10);
    expect(100).toBeGreaterThanOrEqual(w.start);
    expect(100).toBeLessThan(w.end);
    expect(visibleWindow(3, 2, 10)).toEqual({ start: 0, end: 3 });
    expect(visibleWindow(3, 2, 0)).toEqual({ start: 0, end: 0 });
  });
  it('selects the first row when the selection is gone', () => {
    expect(moveSelection(['x', 'y'], 'gone', 1)).toBe('x');
    expect(moveSelection([], 'x', 1)).toBeNull();
  });
});

describe('splitKeys', () => {
  it('splits a run of typed characters into presses', () => {
    expect(splitKeys({ input: 'j\r' })).toEqual([{ input: 'j' }, { input: '', return: true }]);
    expect(splitKeys({ input: 'ab\x7f\x03' })).toEqual([
      { input: 'a' },
      { input: 'b' },
      { input: '', backspace: true },
      { input: 'c', ctrl: true },
    ]);
  });
  it('keeps single keys, named keys and escape sequences whole', () => {
    expect(splitKeys({ input: 'q' })).toEqual([{ input: 'q' }]);
    expect(splitKeys({ input: '', upArrow: true })).toEqual([{ input: '', upArrow: true }]);
    expect(splitKeys({ input: '\x1b[Z' })).toEqual([{ input: '\x1b[Z' }]);
  });
  it('drops other control characters', () => {
    expect(splitKeys({ input: 'a\x01\x1f' })).toEqual([{ input: 'a' }]);
  });
});
