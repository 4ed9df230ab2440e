/** The keys, shown by `?`. */
import { HELP } from '../keys.js';
import { Line } from './Line.js';

export interface HelpViewProps {
  readonly columns: number;
  readonly height: number;
}

export function HelpView({ columns, height }: HelpViewProps) {
  const lines = [
    'rq top: keys',
    '',
    ...HELP.map(([keys, what]) => `  ${keys.padEnd(12)} ${what}`),
    '',
    'Press any key to go back.',
  ];
  return (
    <>
      {lines.slice(0, height).map((line, i) => (
        <Line key={i} width={columns} segments={[{ text: line, style: i === 0 ? { bold: true } : undefined }]} />
      ))}
    </>
  );
}
