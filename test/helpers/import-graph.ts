/**
 * The static import graph of src/: what a module loads before any of its code runs. A dynamic
 * import() is lazy (loaded when that code runs), and `import type` is erased, so neither counts.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The packages (by name) and files reached from `entries` through static imports only. */
export function staticGraph(...entries: string[]): { packages: Set<string>; files: Set<string> } {
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
  for (const entry of entries) visit(entry);
  return { packages, files: seen };
}
