/** One queue in detail: figures, depth over the last minute, recent polls, and its head item. */
import { detailLines } from '../detail.js';
import type { HeadView, QueueRow } from '../snapshot.js';
import { Line } from './Line.js';

export interface DetailViewProps {
  readonly name: string;
  readonly row: QueueRow | undefined;
  readonly head: HeadView | undefined;
  readonly now: number;
  readonly columns: number;
  readonly height: number;
}

export function DetailView({ name, row, head, now, columns, height }: DetailViewProps) {
  const lines = detailLines(name, row, head, now, columns, height).slice(0, height);
  return (
    <>
      {lines.map((line, i) => (
        <Line key={i} width={columns} segments={[{ text: line, style: i === 0 ? { bold: true } : undefined }]} />
      ))}
    </>
  );
}
