/** The status line at the bottom: interval, last poll, sort, filter, pause. */
import { Text } from 'ink';
import type { UiState } from '../keys.js';
import type { Snapshot } from '../snapshot.js';
import { statusLine } from '../status-line.js';

export interface StatusBarProps {
  readonly snapshot: Snapshot;
  readonly ui: UiState;
  readonly shown: number;
  readonly total: number;
}

export function StatusBar({ snapshot, ui, shown, total }: StatusBarProps) {
  return (
    <Text wrap="truncate-end" dimColor={!ui.paused && !ui.editingFilter} color={ui.paused ? 'yellow' : undefined}>
      {statusLine(snapshot, ui, shown, total)}
    </Text>
  );
}
