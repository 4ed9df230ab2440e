import { describe, expect, it } from 'vitest';
import { styledLine, styleSupport } from '../../../src/tui/style.js';

const ALL = { styles: true, colors: true };

describe('styledLine', () => {
  it('joins segments with their SGR codes, each closed after its text', () => {
    expect(styledLine([{ text: '●', style: { color: 'green' } }, { text: ' up' }], 10, ALL)).toBe('\x1b[32m●\x1b[39m up');
    expect(styledLine([{ text: 'QUEUE', style: { bold: true } }], 10, ALL)).toBe('\x1b[1mQUEUE\x1b[22m');
  });

  it('cuts to the width with an ellipsis and never exceeds it', () => {
    const plain = styledLine([{ text: 'abcdef' }, { text: 'ghij' }], 8, ALL);
    expect(plain).toBe('abcdefg…');
    expect(styledLine([{ text: 'abcdefgh' }, { text: 'ij' }], 8, ALL)).toBe('abcdefg…');
  });

  it('pads an inverse (selected) line to the edge, and nothing else', () => {
    expect(styledLine([{ text: 'q', style: { inverse: true } }], 4, ALL)).toBe('\x1b[7mq\x1b[27m\x1b[7m   \x1b[27m');
    expect(styledLine([{ text: 'q' }], 4, ALL)).toBe('q');
  });

  it('leaves colours out for NO_COLOR and every style out for TERM=dumb', () => {
    expect(styleSupport({ NO_COLOR: '1' })).toEqual({ styles: true, colors: false });
    expect(styleSupport({ TERM: 'dumb' })).toEqual({ styles: false, colors: false });
    expect(styledLine([{ text: 'x', style: { color: 'red', bold: true } }], 5, styleSupport({ NO_COLOR: '' }))).toBe(
      '\x1b[1mx\x1b[22m',
    );
    expect(styledLine([{ text: 'x', style: { inverse: true } }], 3, styleSupport({ TERM: 'dumb' }))).toBe('x');
  });
});
