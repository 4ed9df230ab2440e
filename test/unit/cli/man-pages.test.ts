/** Every subcommand has a man page, man/rq-<command>.1, and every such page a subcommand. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLIENT_COMMANDS } from '../../../src/cli/client-commands.js';
import { clientCommands, commands } from '../../../src/cli/commands.js';

const MAN = path.resolve(__dirname, '../../../man');

describe('man pages', () => {
  it('match the registered subcommands one to one', () => {
    const registered = commands.map((c) => String(c.command).split(' ')[0]).sort();
    const pages = fs.readdirSync(MAN)
      .map((f) => /^rq-(.+)\.1$/.exec(f)?.[1])
      .filter((name): name is string => name !== undefined)
      .sort();
    expect(registered).toEqual(expect.arrayContaining(['serve', 'push', 'pop', 'ack', 'release', 'peek', 'inspect', 'work']));
    expect(pages).toEqual(registered);
  });

  it('describe every option of the client commands', () => {
    for (const spec of clientCommands) {
      const page = fs.readFileSync(path.join(MAN, `rq-${spec.name}.1`), 'utf8');
      const missing = Object.entries(spec.options).flatMap(([name, o]) => [
        page.includes(`\\-\\-${name.replace(/-/g, '\\-')}`) ? [] : [`--${name}`],
        o.alias === undefined || page.includes(`\\-${o.alias}`) ? [] : [`-${o.alias}`],
      ].flat());
      expect({ command: spec.name, missing }).toEqual({ command: spec.name, missing: [] });
    }
  });
});

describe('the registries', () => {
  it('load the same client commands on the fast path as yargs registers', async () => {
    const loaded = await Promise.all(Object.entries(CLIENT_COMMANDS).map(async ([name, load]) => [name, (await load()).name]));
    for (const [name, specName] of loaded) expect(specName).toBe(name);
    expect(Object.keys(CLIENT_COMMANDS).sort()).toEqual(clientCommands.map((s) => s.name).sort());
  });
});
