/**
 * docs/json.md is the contract of every command's --json output: this runs each command against
 * a real server (and a journal) through the built bin/rq and checks every line it writes against
 * the table of its section, both ways: each key written is listed there with a matching type, and
 * each key listed without `?` appears. Needs `npm run build`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { deadPort } from '../helpers/clients.js';
import { startDataDirServer } from '../helpers/server.js';
import { ROOT, sh, shellEachTest } from '../helpers/shell.js';

const shell = shellEachTest();

interface Row {
  readonly types: ReadonlySet<string>;
  readonly optional: boolean;
}

/** The tables of docs/json.md, by section heading: key path → its types. */
function contract(): Map<string, Map<string, Row>> {
  const sections = new Map<string, Map<string, Row>>();
  let current: Map<string, Row> | null = null;
  for (const line of fs.readFileSync(path.join(ROOT, 'docs/json.md'), 'utf8').split('\n')) {
    const heading = /^## (.+)$/.exec(line);
    if (heading) {
      current = new Map();
      sections.set(heading[1], current);
      continue;
    }
    const row = /^\| `([^`]+)` \| ([^|]+) \|/.exec(line);
    if (row && current) {
      const type = row[2].trim();
      current.set(row[1], { types: new Set(type.replace(/\?$/, '').split(/,\s*/)), optional: type.endsWith('?') });
    }
  }
  return sections;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Every key path of `value` with its type; arrays of objects as `key[].field`; `map` keys are not descended. */
function observe(
  value: Record<string, unknown>,
  table: Map<string, Row>,
  seen: Set<string>,
  problems: string[],
  prefix = '',
): void {
  for (const [k, v] of Object.entries(value)) {
    const key = prefix + k;
    const row = table.get(key);
    const t = typeOf(v);
    if (row === undefined) {
      problems.push(`${key}: not in docs/json.md`);
      continue;
    }
    seen.add(key);
    if (!row.types.has(t) && !(t === 'object' && row.types.has('map')))
      problems.push(`${key}: ${t}, documented as ${[...row.types].join(', ')}`);
    if (t === 'object' && !row.types.has('map')) observe(v as Record<string, unknown>, table, seen, problems, `${key}.`);
    if (t === 'array') {
      for (const element of v as unknown[]) {
        if (typeOf(element) === 'object') observe(element as Record<string, unknown>, table, seen, problems, `${key}[].`);
      }
    }
  }
}

/** Runs the command lines, checks every line they print against the section, and returns the objects. */
async function check(section: string, lines: readonly string[], env = shell.env): Promise<Array<Record<string, unknown>>> {
  const table = contract().get(section);
  expect(table, `docs/json.md has a section "${section}"`).toBeDefined();
  const seen = new Set<string>();
  const problems: string[] = [];
  const objects: Array<Record<string, unknown>> = [];
  for (const line of lines) {
    const r = await sh(line, env);
    const text = r.stdout.toString();
    expect(text, `${line} prints something`).not.toBe('');
    for (const l of text.trimEnd().split('\n')) {
      const parsed = JSON.parse(l) as unknown;
      expect(typeOf(parsed), `${line}: one object per line`).toBe('object');
      objects.push(parsed as Record<string, unknown>);
      observe(parsed as Record<string, unknown>, table!, seen, problems);
    }
  }
  const missing = [...table!].filter(([key, row]) => !row.optional && !seen.has(key)).map(([key]) => key);
  expect({ section, problems, missing }).toEqual({ section, problems: [], missing: [] });
  return objects;
}

describe("docs/json.md, against each command's output", () => {
  it('items: rq pop --json, rq peek --json (text, bytes, a lease)', async () => {
    await sh('rq push q hello && printf "\\377\\376" | rq push q --whole && rq push leased x', shell.env);
    const items = await check('Items: `rq pop --json`, `rq peek --json`', [
      'rq peek q --json',
      'rq pop q -n 2 --json',
      'rq pop leased --lease 30 --json',
    ]);
    expect(items.map((i) => i.encoding)).toEqual(['utf8', 'utf8', 'base64', 'utf8']);
    expect(items.every((i) => typeof i.id === 'number')).toBe(true);
  });

  it('rq push --json', async () => {
    await check('`rq push --json`', ['rq push q a b --json', 'seq 3 | rq push q --json']);
  });

  it('rq ack --json, rq release --json, rq touch --json', async () => {
    await sh('rq push q a b c', shell.env);
    const [a, b, c] = (await sh('rq pop q -n 3 --lease 30 --json', shell.env)).stdout
      .toString()
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: number }).id);
    await check('`rq ack --json`, `rq release --json`, `rq touch --json`', [
      `rq touch q ${a} --lease 60 --json`,
      `rq ack q ${a} --json`,
      `rq release q ${b} --json`,
      `rq release q ${c} --delay 5 --json`,
    ]);
  });

  it('rq redrive --json', async () => {
    await sh('rq push q.dead a b', shell.env);
    await check('`rq redrive --json`', ['rq redrive q --json']);
  });

  it('rq flush --json, rq drop --json', async () => {
    await sh('rq push q a', shell.env);
    await check('`rq flush --json`, `rq drop --json`', ['rq flush q --json', 'rq drop q --json']);
  });

  it('rq inspect --json, a server up and one down', async () => {
    await sh('rq push q a b && rq pop q --lease 30 > /dev/null 2>&1 && rq push q --delay 60 later', shell.env);
    const both = { ...shell.env, RQ_SERVERS: `127.0.0.1:${shell.srv.port},127.0.0.1:${await deadPort()}` };
    await check('`rq inspect --json`', ['rq inspect --json || true', 'rq inspect q --json || true'], both);
  });

  it('rq top --json, a server up and one down', async () => {
    await sh('rq push q a', shell.env);
    const both = { ...shell.env, RQ_SERVERS: `127.0.0.1:${shell.srv.port},127.0.0.1:${await deadPort()}` };
    await check('`rq top --json`', ['rq top --json --interval 0.1 || true'], both);
  });

  it('rq work --json', async () => {
    await sh('rq push q a', shell.env);
    await check('`rq work --json`', ['rq work q --drain --json true']);
  });

  it('rq replay-journal --json and --records --json', async () => {
    const dataDir = path.join(shell.dir, 'data');
    fs.mkdirSync(dataDir);
    const srv = await startDataDirServer(dataDir);
    const env = { ...shell.env, RQ_SERVER: `127.0.0.1:${srv.port}` };
    try {
      await sh('rq push q a b c && rq pop q > /dev/null && rq pop q --lease 30 > /dev/null 2>&1 && rq push gone x --ttl 1', env);
    } finally {
      await srv.close();
    }
    await check('`rq replay-journal --json`', ['rq replay-journal "$T/data" --json']);
    await check('`rq replay-journal --records --json`', ['rq replay-journal "$T/data" --records --json']);
  });

  it('has no section the test does not check', () => {
    const checked = [
      'Items: `rq pop --json`, `rq peek --json`',
      '`rq push --json`',
      '`rq ack --json`, `rq release --json`, `rq touch --json`',
      '`rq flush --json`, `rq drop --json`',
      '`rq inspect --json`',
      '`rq top --json`',
      '`rq work --json`',
      '`rq redrive --json`',
      '`rq replay-journal --json`',
      '`rq replay-journal --records --json`',
    ];
    const withTables = [...contract()].filter(([, table]) => table.size > 0).map(([heading]) => heading);
    expect(withTables.sort()).toEqual(checked.sort());
  });
});
