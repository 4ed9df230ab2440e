/** The queue table: a header and as many rows as fit, scrolled so the selected row shows. */
import type { QueueRow } from '../snapshot.js';
import { headerLine, longestName, rowParts, tableLayout } from '../table.js';
import { visibleWindow } from '../view.js';
import { Line } from './Line.js';

export interface QueueTableProps {
  readonly rows: readonly QueueRow[];
  readonly selected: string | null;
  readonly columns: number;
  /** Lines for the table, its header included. */
  readonly height: number;
  readonly multiServer: boolean;
  readonly now: number;
}

export function QueueTable({ rows, selected, columns, height, multiServer, now }: QueueTableProps) {
  const layout = tableLayout(columns, longestName(rows), multiServer, rows);
  const bodyHeight = Math.max(0, height - 1);
  const at = rows.findIndex((r) => r.name === selected);
  const { start, end } = visibleWindow(rows.length, at, bodyHeight);
  return (
    <>
      <Line width={columns} segments={[{ text: headerLine(layout), style: { bold: true } }]} />
      {rows.length === 0 && bodyHeight > 0 && <Line width={columns} segments={[{ text: '(no queues)', style: { dim: true } }]} />}
      {rows.slice(start, end).map((r) => {
        const { figures, depth } = rowParts(layout, r, now);
        const inverse = r.name === selected;
        return (
          <Line
            key={r.name}
            width={columns}
            segments={[
              { text: figures, style: { inverse } },
              { text: depth, style: { inverse, color: 'cyan' } },
            ]}
          />
        );
      })}
    </>
  );
}
