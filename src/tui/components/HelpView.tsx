/** The keys, shown by `?`. */
import { Text } from 'ink';
import { truncate } from '../format.js';
import { HELP } from '../keys.js';

export interface HelpViewProps {
  readonly columns: number;
  readonly height: number;
}

export function HelpView({ columns, height }: HelpViewProps) {
  const lines = ['rq top: keys', '', ...HELP.map(([keys, what]) => `  ${keys.padEnd(12)} ${what}`), '', 'Press any key to go back.'];
  return (
    <>
      {lines.slice(0, height).map((line, i) => (
        <Text key={i} wrap="truncate-end" bold={i === 0}>
          {line === '' ? ' ' : truncate(line, columns)}
        </Text>
      ))}
    </>
  );
}
