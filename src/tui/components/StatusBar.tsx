/** The status line at the bottom: interval, last poll, sort, filter, pause. */
import type { UiState } from '../keys.js';
import type { Snapshot } from '../snapshot.js';
import { statusLine } from '../status-line.js';
import { Line } from './Line.js';

export interface StatusBarProps {
  readonly snapshot: Snapshot;
  readonly ui: UiState;
  readonly shown: number;
  readonly total: number;
  readonly columns: number;
}

export function StatusBar({ snapshot, ui, shown, total, columns }: StatusBarProps) {
  const style = ui.paused ? { color: 'yellow' as const } : ui.editingFilter ? undefined : { dim: true };
  return <Line width={columns} segments={[{ text: statusLine(snapshot, ui, shown, total), style }]} />;
}
