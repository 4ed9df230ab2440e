/**
 * The keyboard (pure): what each key does to the screen's state. The live App feeds Ink's key
 * events through here; tests call it directly. See HELP for the keys as the user sees them.
 */
import { moveSelection, nextSort, type SortKey } from './view.js';

export type ViewName = 'table' | 'detail' | 'help';

export interface UiState {
  readonly view: ViewName;
  /** The view to return to when the help closes. */
  readonly under: 'table' | 'detail';
  readonly selected: string | null;
  readonly sort: SortKey;
  readonly filter: string;
  /** True while the user types a filter after `/`. */
  readonly editingFilter: boolean;
  readonly paused: boolean;
  readonly quit: boolean;
}

export const INITIAL_UI: UiState = {
  view: 'table',
  under: 'table',
  selected: null,
  sort: 'depth',
  filter: '',
  editingFilter: false,
  paused: false,
  quit: false,
};

/** The parts of Ink's key event rq top uses. */
export interface KeyPress {
  readonly input: string;
  readonly upArrow?: boolean;
  readonly downArrow?: boolean;
  readonly leftArrow?: boolean;
  readonly pageUp?: boolean;
  readonly pageDown?: boolean;
  readonly return?: boolean;
  readonly escape?: boolean;
  readonly backspace?: boolean;
  readonly delete?: boolean;
  readonly ctrl?: boolean;
}

/** The keys, as the `?` screen lists them. */
export const HELP: ReadonlyArray<readonly [string, string]> = [
  ['q, Ctrl-C', 'quit'],
  ['↑ ↓, k j', 'select a queue (PgUp PgDn: a page)'],
  ['s', 'sort by the next column: name, depth, age, rate'],
  ['/', 'filter queues by name (Enter keeps it, Esc clears it)'],
  ['p', 'pause and resume polling'],
  ['Enter', 'details of the selected queue, with a peek at its head'],
  ['Esc', 'back to the table'],
  ['?', 'this help (any key closes it)'],
];

/**
 * Splits one input event into key presses. A terminal delivers keys typed faster than rq top reads
 * them (or pasted) as one chunk, and Ink passes a run of plain characters as one event: "j\r" is
 * j then Enter. Escape sequences and events Ink already named (arrows, …) stay whole.
 */
export function splitKeys(key: KeyPress): KeyPress[] {
  const named =
    key.upArrow ||
    key.downArrow ||
    key.leftArrow ||
    key.pageUp ||
    key.pageDown ||
    key.escape ||
    key.return ||
    key.backspace ||
    key.delete;
  if (key.input.length <= 1 || named || key.input.includes('\x1b')) return [key];
  const out: KeyPress[] = [];
  for (const ch of key.input) {
    if (ch === '\r' || ch === '\n') out.push({ input: '', return: true });
    else if (ch === '\x7f' || ch === '\b') out.push({ input: '', backspace: true });
    else if (ch === '\x03') out.push({ input: 'c', ctrl: true });
    else if (ch >= ' ') out.push({ input: ch });
  }
  return out;
}

/** The longest filter kept: a name is at most 250 bytes. */
const MAX_FILTER = 250;

/**
 * The state after one key. `names` are the visible queues in display order; `page` is how many
 * rows a page key moves.
 */
export function pressKey(state: UiState, key: KeyPress, names: readonly string[], page: number): UiState {
  if ((key.ctrl && key.input === 'c') || (!state.editingFilter && key.input === 'q' && !key.ctrl))
    return { ...state, quit: true };
  const move = (delta: number): UiState => ({ ...state, selected: moveSelection(names, state.selected, delta) });

  if (state.view === 'help') return { ...state, view: state.under };

  if (state.editingFilter) {
    if (key.return) return { ...state, editingFilter: false };
    if (key.escape) return { ...state, editingFilter: false, filter: '' };
    if (key.backspace || key.delete) return { ...state, filter: state.filter.slice(0, -1) };
    if (key.upArrow) return move(-1);
    if (key.downArrow) return move(1);
    if (key.ctrl || key.input === '') return state;
    const typed = key.input.replace(/[\u0000-\u001f\u007f]/g, '');
    return { ...state, filter: (state.filter + typed).slice(0, MAX_FILTER) };
  }

  if (key.upArrow || key.input === 'k') return move(-1);
  if (key.downArrow || key.input === 'j') return move(1);
  if (key.pageUp) return move(-Math.max(1, page));
  if (key.pageDown) return move(Math.max(1, page));
  switch (key.input) {
    case '?':
      return { ...state, view: 'help', under: state.view === 'detail' ? 'detail' : 'table' };
    case 'p':
      return { ...state, paused: !state.paused };
    case 's':
      return state.view === 'table' ? { ...state, sort: nextSort(state.sort) } : state;
    case '/':
      return state.view === 'table' ? { ...state, editingFilter: true } : state;
  }
  if (state.view === 'detail') {
    if (key.escape || key.return || key.backspace || key.delete || key.leftArrow) return { ...state, view: 'table' };
    return state;
  }
  if (key.return) {
    const selected = moveSelection(names, state.selected, 0);
    return selected === null ? state : { ...state, selected, view: 'detail' };
  }
  if (key.escape && state.filter !== '') return { ...state, filter: '' };
  return state;
}
