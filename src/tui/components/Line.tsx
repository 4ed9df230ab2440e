/**
 * One line of the screen, at most `width` columns wide (laid out as exactly `width`), from styled
 * segments. Every component of
 * rq top draws through it.
 *
 * Why not a plain <Text>: Ink remembers the size of every distinct string it lays out, for the life
 * of the process (ink/build/measure-text.js, wrap-text.js), and rq top's lines change every second,
 * so a day of plain <Text> grows the process by some 200 MB. Here Ink lays out a line of blanks
 * (one string per width, measured once) and a <Transform> puts the real text in at output time.
 */
import { Transform } from 'ink';
import { styledLine, styleSupport, type Segment } from '../style.js';

const SUPPORT = styleSupport();

export interface LineProps {
  readonly segments: readonly Segment[];
  readonly width: number;
}

export function Line({ segments, width }: LineProps) {
  const w = Math.max(1, width);
  const text = styledLine(segments, w, SUPPORT);
  return <Transform transform={() => text}>{' '.repeat(w)}</Transform>;
}
