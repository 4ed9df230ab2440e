/** The servers at the top of the screen, one line each; too many servers fold into a "+N more" line. */
import { Text } from 'ink';
import { serverLine } from '../server-line.js';
import type { ServerView } from '../snapshot.js';

const MARK_COLOR = { up: 'green', down: 'red', connecting: 'yellow' } as const;

export interface ServerLinesProps {
  readonly servers: readonly ServerView[];
  readonly columns: number;
  /** The most lines to use. */
  readonly maxLines: number;
}

/** How many lines ServerLines draws for these props. */
export function serverLinesHeight(count: number, maxLines: number): number {
  return Math.min(count, Math.max(1, maxLines));
}

export function ServerLines({ servers, columns, maxLines }: ServerLinesProps) {
  const height = serverLinesHeight(servers.length, maxLines);
  const folded = servers.length > height;
  const shown = folded ? servers.slice(0, height - 1) : servers;
  const rest = servers.slice(shown.length);
  return (
    <>
      {shown.map((s) => {
        const line = serverLine(s, columns);
        return (
          <Text key={s.address} wrap="truncate-end" color={s.state === 'down' ? 'red' : undefined}>
            <Text color={MARK_COLOR[s.state]}>{line.slice(0, 1)}</Text>
            {line.slice(1)}
          </Text>
        );
      })}
      {folded && (
        <Text wrap="truncate-end" dimColor>
          {`+${rest.length} more servers (${rest.filter((s) => s.state === 'down').length} down)`}
        </Text>
      )}
    </>
  );
}
