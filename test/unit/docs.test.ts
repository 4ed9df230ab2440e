/**
 * Keeps the docs in step with the code: every text command the parser accepts is documented in
 * docs/protocol.md, and every man page renders without a groff warning (when groff is installed).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TextParser } from '../../src/protocol/text/parser.js';
import { ERROR } from '../../src/protocol/text/words.js';

const ROOT = path.resolve(__dirname, '../..');
const PARSER_SOURCE = fs.readFileSync(path.join(ROOT, 'src/protocol/text/parser.ts'), 'utf8');
const PROTOCOL_DOC = fs.readFileSync(path.join(ROOT, 'docs/protocol.md'), 'utf8');
/** The text protocol's part of docs/protocol.md: everything before the binary protocol's section. */
const TEXT_DOC = PROTOCOL_DOC.slice(0, PROTOCOL_DOC.indexOf('## Binary protocol'));

/** The command names parser.ts dispatches on: its storage-command set and the `case` labels of parseLine. */
function parserCommands(): string[] {
  const names = new Set<string>();
  const storage = /STORAGE_COMMANDS[^=]*=\s*new Set\(\[([^\]]*)\]/.exec(PARSER_SOURCE);
  for (const m of storage?.[1].matchAll(/'([a-z_]+)'/g) ?? []) names.add(m[1]);
  const body = PARSER_SOURCE.slice(PARSER_SOURCE.indexOf('private parseLine('));
  for (const m of body.matchAll(/case '([a-z_]+)':/g)) names.add(m[1]);
  return [...names].sort();
}

/** True when the parser treats `name` as a command (anything but the reply to an unknown command). */
function accepted(name: string): boolean {
  const requests = new TextParser(1024).push(Buffer.from(`${name} q\r\n`, 'latin1'));
  return !requests.some((r) => r.type === 'error' && r.reply === ERROR);
}

describe('docs/protocol.md', () => {
  const commands = parserCommands();

  it("finds the parser's commands, and each one really is accepted", () => {
    expect(commands).toEqual(expect.arrayContaining(['set', 'get', 'gets', 'delete', 'stats', 'version', 'quit']));
    for (const name of commands) expect({ name, accepted: accepted(name) }).toEqual({ name, accepted: true });
    expect(accepted('no_such_command')).toBe(false);
  });

  it('documents every text command the parser accepts, in the text-protocol part', () => {
    expect(TEXT_DOC.length).toBeGreaterThan(0);
    const missing = commands.filter((name) => !new RegExp('`' + name + '[ `]').test(TEXT_DOC));
    expect(missing).toEqual([]);
  });
});

describe('man pages', () => {
  const manDir = path.join(ROOT, 'man');
  const pages = fs
    .readdirSync(manDir)
    .filter((f) => /\.[1-8]$/.test(f))
    .sort();
  const groff = spawnSync('groff', ['--version'], { encoding: 'utf8' });
  const hasGroff = groff.error === undefined && groff.status === 0;

  it('include rq.1 and rq-serve.1', () => {
    expect(pages).toEqual(expect.arrayContaining(['rq.1', 'rq-serve.1']));
  });

  for (const page of pages) {
    it.skipIf(!hasGroff)(`${page} renders without groff warnings`, () => {
      const run = spawnSync('groff', ['-man', '-ww', '-z', path.join(manDir, page)], { encoding: 'utf8' });
      expect({ status: run.status, warnings: run.stderr }).toEqual({ status: 0, warnings: '' });
    });
  }
});
