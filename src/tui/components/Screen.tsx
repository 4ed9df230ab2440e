/**
 * The whole screen, from props only: servers on top, then the queue table (or the detail view, or
 * the help), then the status line. Uses at most `rows - 1` lines, so Ink redraws in place.
 */
import { Box } from 'ink';
import type { UiState } from '../keys.js';
import type { QueueRow, Snapshot } from '../snapshot.js';
import { DetailView } from './DetailView.js';
import { HelpView } from './HelpView.js';
import { Line } from './Line.js';
import { QueueTable } from './QueueTable.js';
import { ServerLines, serverLinesHeight } from './ServerLines.js';
import { StatusBar } from './StatusBar.js';

export interface ScreenProps {
  readonly snapshot: Snapshot;
  readonly ui: UiState;
  /** The table's rows: filtered and sorted (the App computes them once for keys and screen). */
  readonly queues: readonly QueueRow[];
  /** The selected queue, after the App settled it on a visible row. */
  readonly selected: string | null;
  /** The terminal's size. */
  readonly columns: number;
  readonly rows: number;
}

/** Lines the table may use in a terminal `rows` high with `servers` servers: what PgUp/PgDn move. */
export function tableHeight(terminalRows: number, servers: number): number {
  const height = Math.max(3, terminalRows - 1);
  const top = serverLinesHeight(servers, Math.floor(height / 3));
  return Math.max(1, height - top - 2);
}

export function Screen({ snapshot, ui, queues, selected, columns, rows: terminalRows }: ScreenProps) {
  const height = Math.max(3, terminalRows - 1);
  const width = Math.max(1, columns);
  if (ui.view === 'help') {
    return (
      <Box flexDirection="column" width={width}>
        <HelpView columns={width} height={height} />
      </Box>
    );
  }
  const topLines = serverLinesHeight(snapshot.servers.length, Math.floor(height / 3));
  const body = tableHeight(terminalRows, snapshot.servers.length);
  return (
    <Box flexDirection="column" width={width}>
      <ServerLines servers={snapshot.servers} columns={width} maxLines={topLines} />
      <Line width={width} segments={[]} />
      {ui.view === 'detail' && selected !== null ? (
        <DetailView
          name={selected}
          row={snapshot.queues.find((q) => q.name === selected)}
          head={snapshot.head?.queue === selected ? snapshot.head : undefined}
          now={snapshot.at}
          columns={width}
          height={body}
        />
      ) : (
        <QueueTable
          rows={queues}
          selected={selected}
          columns={width}
          height={body}
          multiServer={snapshot.servers.length > 1}
          now={snapshot.at}
        />
      )}
      <StatusBar snapshot={snapshot} ui={ui} shown={queues.length} total={snapshot.queues.length} columns={width} />
    </Box>
  );
}
