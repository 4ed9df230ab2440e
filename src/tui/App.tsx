/**
 * The live `rq top`: the only component with state. It reads snapshots (useSnapshots) and the
 * terminal size, turns keys into UI state (keys.ts), tells the poller to pause or to peek at the
 * queue in the detail view, and hands everything to the Screen as props.
 */
import { useApp, useInput } from 'ink';
import { useEffect, useMemo, useState } from 'react';
import { Screen, tableHeight } from './components/Screen.js';
import { INITIAL_UI, pressKey, splitKeys, type UiState } from './keys.js';
import { useSnapshots, type SnapshotStore } from './use-snapshots.js';
import { useTerminalSize } from './use-terminal-size.js';
import { visibleRows } from './view.js';

/** What the App needs from the poller. */
export interface PollerControl extends SnapshotStore {
  setPaused(paused: boolean): void;
  focus(queue: string | null): void;
}

export interface AppProps {
  readonly poller: PollerControl;
  readonly initial?: Partial<UiState>;
}

export function App({ poller, initial }: AppProps) {
  const snapshot = useSnapshots(poller);
  const { columns, rows } = useTerminalSize();
  const [ui, setUi] = useState<UiState>({ ...INITIAL_UI, ...initial });
  const { exit } = useApp();
  const queues = useMemo(() => visibleRows(snapshot.queues, ui.filter, ui.sort), [snapshot.queues, ui.filter, ui.sort]);
  const names = useMemo(() => queues.map((q) => q.name), [queues]);
  // The detail view keeps its queue even if it leaves the table; the table selects a visible row.
  const selected =
    ui.view !== 'table' && ui.selected !== null
      ? ui.selected
      : ui.selected !== null && names.includes(ui.selected)
        ? ui.selected
        : (names[0] ?? null);
  const page = tableHeight(rows, snapshot.servers.length) - 1;

  useInput((input, key) =>
    setUi((s) => {
      // Settle the selection on a visible row first, so that a move starts from what is shown.
      let state = {
        ...s,
        selected: s.view === 'table' && (s.selected === null || !names.includes(s.selected)) ? (names[0] ?? null) : s.selected,
      };
      for (const press of splitKeys({ ...key, input })) state = pressKey(state, press, names, page);
      return state;
    }),
  );

  useEffect(() => {
    if (ui.quit) exit();
  }, [ui.quit, exit]);
  useEffect(() => poller.setPaused(ui.paused), [poller, ui.paused]);
  const inDetail = ui.view === 'detail' || (ui.view === 'help' && ui.under === 'detail');
  useEffect(() => poller.focus(inDetail ? selected : null), [poller, inDetail, selected]);

  return <Screen snapshot={snapshot} ui={ui} queues={queues} selected={selected} columns={columns} rows={rows} />;
}
