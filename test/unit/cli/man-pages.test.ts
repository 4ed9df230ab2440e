/**
 * Every subcommand has a man page, man/rq-<command>.1, and every such page a subcommand; the pages
 * describe every option, carry the package's version (scripts/stamp-man-pages.mjs writes it), list
 * every exit status, and are all installed (package.json "man").
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands, fastCommands } from '../../../src/cli/commands.js';
import { FAST_COMMANDS } from '../../../src/cli/fast-commands.js';
import { EXIT_STATUSES } from '../../../src/cli/exit-codes.js';
import { VERSION } from '../../../src/version.js';

const ROOT = path.resolve(__dirname, '../../..');
const MAN = path.join(ROOT, 'man');
const roff = (name: string) => name.replace(/-/g, '\\-');
const pages = () =>
  fs
    .readdirSync(MAN)
    .filter((f) => /\.[1-8]$/.test(f))
    .sort();

describe('man pages', () => {
  it('match the registered subcommands one to one', () => {
    const registered = commands.map((c) => String(c.command).split(' ')[0]).sort();
    const named = pages()
      .map((f) => /^rq-(.+)\.1$/.exec(f)?.[1])
      .filter((name): name is string => name !== undefined)
      .sort();
    expect(registered).toEqual(
      expect.arrayContaining([
        'serve',
        'push',
        'pop',
        'ack',
        'release',
        'peek',
        'inspect',
        'flush',
        'drop',
        'work',
        'completion',
      ]),
    );
    expect(named).toEqual(registered);
  });

  it('describe every option of the commands described as data (a default-on flag as its --no- form)', () => {
    for (const spec of fastCommands) {
      const page = fs.readFileSync(path.join(MAN, `rq-${spec.name}.1`), 'utf8');
      const missing = Object.entries(spec.options).flatMap(([name, o]) => {
        const forms = o.type === 'boolean' && o.default === true ? [`\\-\\-no\\-${roff(name)}`] : [`\\-\\-${roff(name)}`];
        return [
          forms.some((f) => page.includes(f)) ? [] : [`--${name}`],
          o.alias === undefined || page.includes(`\\-${o.alias}`) ? [] : [`-${o.alias}`],
        ].flat();
      });
      expect({ command: spec.name, missing }).toEqual({ command: spec.name, missing: [] });
    }
  });

  it("say the package's version, as scripts/stamp-man-pages.mjs writes it", () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(VERSION).toBe(version);
    for (const page of pages()) {
      const text = fs.readFileSync(path.join(MAN, page), 'utf8');
      expect({ page, title: /^\.TH \S+ 1 \d{4}-\d\d-\d\d "rq ([^"]+)"/m.exec(text)?.[1] }).toEqual({ page, title: version });
      const stale = [...text.matchAll(/\brq (\d+\.\d+\.\d+)\b|\bVERSION (\d+\.\d+\.\d+)/g)]
        .map((m) => m[1] ?? m[2])
        .filter((v) => v !== version);
      expect({ page, stale }).toEqual({ page, stale: [] });
    }
  });

  it('are all installed with the package', () => {
    const { man } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { man: string[] };
    expect([...man].sort()).toEqual(pages().map((p) => `man/${p}`));
  });

  it('rq(1) lists every exit status rq --help lists', () => {
    const page = fs.readFileSync(path.join(MAN, 'rq.1'), 'utf8');
    const section = page.slice(page.indexOf('.SH EXIT STATUS'), page.indexOf('.SH', page.indexOf('.SH EXIT STATUS') + 1));
    const listed = [...section.matchAll(/^\.B (\d+)$/gm)].map((m) => Number(m[1]));
    expect(listed).toEqual(EXIT_STATUSES.map(([status]) => status));
  });
});

describe('the registries', () => {
  it('load the same commands on the fast path as yargs registers', async () => {
    const loaded = await Promise.all(Object.entries(FAST_COMMANDS).map(async ([name, load]) => [name, (await load()).name]));
    for (const [name, specName] of loaded) expect(specName).toBe(name);
    expect(Object.keys(FAST_COMMANDS).sort()).toEqual(fastCommands.map((s) => s.name).sort());
  });
});
