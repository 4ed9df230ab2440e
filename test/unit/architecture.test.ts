/** Keeps the layering of docs/architecture.md true: reads every import in src/ and checks the table. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(__dirname, '../../src');

const ALLOWED: Record<string, string[]> = {
  protocol: [],
  queue: [],
  journal: ['queue'],
  server: ['protocol', 'queue', 'journal'],
  client: ['protocol'],
  tui: ['client'],
  cli: ['protocol', 'queue', 'journal', 'server', 'client', 'tui'],
};

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx)$/.test(e.name) ? [full] : [];
  });
}

function layerOf(file: string): string | null {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length > 1 ? rel[0] : null;
}

describe('layering', () => {
  it('every import in src/ follows docs/architecture.md', () => {
    const violations: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const from = layerOf(file);
      if (from === null) continue;
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
        const spec = m[1] ?? m[2];
        const target = path.resolve(path.dirname(file), spec);
        const to = layerOf(target);
        if (to === null || to === from) continue; // src/version.ts, or the same layer
        if (!(ALLOWED[from] ?? []).includes(to)) violations.push(`${path.relative(SRC, file)} imports ${spec} (${from} → ${to})`);
      }
    }
    expect(violations).toEqual([]);
  });
});
