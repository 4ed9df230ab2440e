#!/usr/bin/env node
// Writes the package's version into the title line (.TH) of every man page in man/, with today's
// date when the version changes, and into the sample output the pages and the README show (`rq
// 1.0.0 listening on …`, `VERSION 1.0.0`): the docs never state a version by hand. `npm version`
// runs this (the "version" script in package.json); test/unit/cli/man-pages.test.ts fails when a
// page drifts.
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const today = new Date().toISOString().slice(0, 10);
const dir = path.join(root, 'man');
const pages = fs
  .readdirSync(dir)
  .filter((f) => /\.[1-8]$/.test(f))
  .map((f) => path.join('man', f));
for (const page of [...pages, 'README.md']) {
  const file = path.join(root, page);
  const text = fs.readFileSync(file, 'utf8');
  const stamped = text
    .replace(/^\.TH (\S+) (\d) (\S+) "rq [^"]*"/m, (line, name, section) =>
      line.includes(`"rq ${version}"`) ? line : `.TH ${name} ${section} ${today} "rq ${version}"`,
    )
    .replace(/\brq \d+\.\d+\.\d+\b/g, `rq ${version}`)
    .replace(/\bVERSION \d+\.\d+\.\d+/g, `VERSION ${version}`);
  if (stamped !== text) {
    fs.writeFileSync(file, stamped);
    process.stdout.write(`${page}: rq ${version}\n`);
  }
}
