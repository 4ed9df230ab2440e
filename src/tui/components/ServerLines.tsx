/** The servers at the top of the screen, one line each; too many servers fold into a "+N more" line. */
import { serverLine } from '../server-line.js';
import type { ServerView } from '../snapshot.js';
import { Line } from './Line.js';

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
        const rest = s.state === 'down' ? { color: 'red' as const } : undefined;
        return (
          <Line
            key={s.address}
            width={columns}
            segments={[
              { text: line.slice(0, 1), style: { color: MARK_COLOR[s.state] } },
              { text: line.slice(1), style: rest },
            ]}
          />
        );
      })}
      {folded && (
        <Line
          width={columns}
          segments={[
            {
              text: `+${rest.length} more servers (${rest.filter((s) => s.state === 'down').length} down)`,
              style: { dim: true },
            },
          ]}
        />
      )}
    </>
  );
}
