/**
 * Ink and React load only for the live `rq top`: no other subcommand, and not `rq top --once`,
 * reaches them through a static import. Follows the static import graph of src/ from each entry.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { staticGraph } from '../../helpers/import-graph.js';

const SRC = path.resolve(__dirname, '../../../src');

function staticPackages(entry: string): Set<string> {
  return staticGraph(entry).packages;
}

describe('lazy loading of Ink and React', () => {
  it('the command list (every subcommand) does not import them', () => {
    const { packages, files } = staticGraph(path.join(SRC, 'cli/commands.ts'));
    expect(files).toContain(path.join(SRC, 'cli/commands/top.ts')); // the scan follows the imports
    expect([...packages].filter((p) => p === 'ink' || p === 'react')).toEqual([]);
    expect([...staticPackages(path.join(SRC, 'cli/main.ts'))].filter((p) => p === 'ink' || p === 'react')).toEqual([]);
  });

  it('rq top without a terminal (--once, --json) does not import them', () => {
    const packages = staticPackages(path.join(SRC, 'cli/top/top.ts'));
    expect([...packages].filter((p) => p === 'ink' || p === 'react')).toEqual([]);
  });

  it('the live screen does', () => {
    const packages = staticPackages(path.join(SRC, 'tui/live.tsx'));
    expect(packages.has('ink')).toBe(true);
    expect(packages.has('react')).toBe(true);
  });
});
