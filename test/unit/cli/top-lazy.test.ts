/**
 * Ink and React load only for the live `rq top`: no other subcommand, and not `rq top --once`,
 * reaches them through a static import. Follows the static import graph of src/ from each entry.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(__dirname, '../../../src');

/** The packages (and files) reached from `entry` through static imports only (dynamic import() is lazy). */
function staticGraph(entry: string): { packages: Set<string>; files: Set<string> } {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(
      /^\s*(?:import|export)\s+(?!type\b)[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm,
    )) {
      const spec = m[1] ?? m[2];
      if (!spec.startsWith('.')) {
        packages.add(spec.split('/')[0]);
        continue;
      }
      const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, '');
      for (const ext of ['.ts', '.tsx']) if (fs.existsSync(target + ext)) visit(target + ext);
    }
  };
  visit(entry);
  return { packages, files: seen };
}

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
