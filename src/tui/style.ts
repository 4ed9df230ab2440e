/**
 * The few terminal styles rq top uses, as SGR escape sequences (ECMA-48), and one function that
 * turns styled segments into one line of exactly `width` columns. Pure. Colour is left out when
 * NO_COLOR is set (https://no-color.org) and every style when TERM is "dumb".
 */

export type Color = 'red' | 'green' | 'yellow' | 'cyan';

export interface Style {
  readonly bold?: boolean;
  readonly dim?: boolean;
  readonly inverse?: boolean;
  readonly color?: Color;
}

export interface Segment {
  readonly text: string;
  readonly style?: Style;
}

/** ECMA-48 SGR: 1 bold, 2 dim (22 ends both), 7 inverse (27 ends it), 31–36 colours (39 ends them). */
const COLOR_CODE: Record<Color, number> = { red: 31, green: 32, yellow: 33, cyan: 36 };

export interface StyleSupport {
  readonly styles: boolean;
  readonly colors: boolean;
}

export function styleSupport(env: NodeJS.ProcessEnv = process.env): StyleSupport {
  const styles = env.TERM !== 'dumb';
  return { styles, colors: styles && env.NO_COLOR === undefined };
}

function sgr(text: string, style: Style | undefined, support: StyleSupport): string {
  if (style === undefined || !support.styles || text === '') return text;
  let on = '';
  let off = '';
  if (style.bold || style.dim) {
    on += style.bold ? '\x1b[1m' : '\x1b[2m';
    off = '\x1b[22m' + off;
  }
  if (style.inverse) {
    on += '\x1b[7m';
    off = '\x1b[27m' + off;
  }
  if (style.color !== undefined && support.colors) {
    on += `\x1b[${COLOR_CODE[style.color]}m`;
    off = '\x1b[39m' + off;
  }
  return on + text + off;
}

/**
 * The segments side by side, cut to `width` columns (the cut marked "…"). When the last segment
 * is inverse (a selected row) the line is padded to `width` so the highlight reaches the edge;
 * otherwise it is not padded, since every column after it is blank anyway and each character
 * drawn costs time. Each character of the text must be one column wide, as rq top's are.
 */
export function styledLine(segments: readonly Segment[], width: number, support: StyleSupport): string {
  const total = segments.reduce((n, s) => n + s.text.length, 0);
  let room = width;
  let out = '';
  for (const s of segments) {
    if (room <= 0) break;
    // The segment that reaches the edge of a line too long for it carries the ellipsis.
    const cut = total > width && s.text.length >= room ? s.text.slice(0, room - 1) + '…' : s.text;
    out += sgr(cut, s.style, support);
    room -= cut.length;
  }
  const last = segments.at(-1)?.style;
  if (room > 0 && last?.inverse && support.styles) out += sgr(' '.repeat(room), last, support);
  return out;
}
