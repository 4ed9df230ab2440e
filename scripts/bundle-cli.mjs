#!/usr/bin/env node
// Bundles the client commands' fast path (src/cli/fast-entry.ts and everything it loads) into one
// CommonJS file, dist/cli/fast-entry.cjs, for bin/rq to require: `npm run build` runs it after tsc.
// Packages (memjs) stay outside, loaded from node_modules when a command needs them.
//
// usage: node scripts/bundle-cli.mjs [--sourcemap]
//   --sourcemap  also write fast-entry.cjs.map, which `node --enable-source-maps bin/rq …` uses to
//                put src/*.ts lines in stack traces (the packed package ships no maps).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const sourcemap = process.argv.includes('--sourcemap');

await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/fast-entry.ts'],
  outfile: 'dist/cli/fast-entry.cjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  // A CommonJS file has no import.meta: memjs-server.ts resolves memjs from the bundle's own URL.
  define: { 'import.meta.url': '__rqBundleUrl' },
  banner: { js: "const __rqBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  sourcemap: sourcemap ? 'linked' : false,
  logLevel: 'warning',
});
