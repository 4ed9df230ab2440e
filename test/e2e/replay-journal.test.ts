/** `rq replay-journal` as a user runs it, on copies of the golden v1 data directory. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStore } from '../../src/journal/file-store.js';
import { Journal } from '../../src/journal/journal.js';
import { readJournal } from '../../src/journal/reader.js';
import { QueueEngine } from '../../src/queue/engine.js';
import { UNLIMITED } from '../../src/queue/limits.js';
import { RawClient } from '../helpers/raw-client.js';
import { spawnRq, type RqServeProcess } from '../helpers/rq-process.js';

const RQ = path.resolve(__dirname, '../../bin/rq');
const GOLDEN = path.resolve(__dirname, '../fixtures/journal/v1');

let dir: string;
let server: RqServeProcess | null = null;
const clients: RawClient[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-replay-'));
  fs.cpSync(GOLDEN, dir, { recursive: true });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  if (server !== null) await server.kill('SIGTERM');
  server = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

function rq(...args: string[]) {
  const r = spawnSync(process.execPath, [RQ, 'replay-journal', ...args], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function snapshotOf(d: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(d).map((f) => [f, fs.readFileSync(path.join(d, f)).toString('base64')]));
}

describe('rq replay-journal', () => {
  it('reports per queue what a restart restores, and changes nothing', () => {
    const before = snapshotOf(dir);
    const r = rq(dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^queue\titems\topen\tbytes\toldest_age_s\texpired$/m);
    expect(r.stdout).toMatch(/^jobs\t10\t1\t\d+\t[\d.]+\t0$/m);
    expect(r.stdout).toMatch(/^bin\t1\t0\t6\t/m);
    expect(r.stdout).not.toMatch(/^(ttl|flushed|gone)\t/m); // expired since 2023, flushed, dropped
    expect(r.stdout).toContain('journal intact');
    expect(snapshotOf(dir)).toEqual(before);
  });

  it('--records --json prints every record as one JSON object, with file and offset', () => {
    const r = rq(dir, '--records', '--json');
    expect(r.status).toBe(0);
    const records = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(new Set(records.map((x) => x.type))).toEqual(
      new Set(['enqueued', 'reserved', 'acked', 'released', 'expired', 'flushed', 'dropped', 'next_id', 'snapshot_end']),
    );
    expect(records[0]).toMatchObject({ file: 'snapshot.0000000002', offset: 20, type: 'next_id' });
  });

  it('--verify exits 4 on a damaged journal and says where, without repairing it', () => {
    const seg = path.join(dir, 'journal.0000000002');
    const bytes = fs.readFileSync(seg);
    bytes[60] ^= 0xff;
    fs.writeFileSync(seg, bytes);
    const before = snapshotOf(dir);
    const r = rq(dir, '--verify');
    expect(r.status).toBe(4);
    expect(r.stdout).toMatch(/journal\.0000000002: (corrupt|torn) record at offset \d+/);
    expect(r.stdout).toContain('journal DAMAGED');
    expect(snapshotOf(dir)).toEqual(before);
    expect(rq(dir).status).toBe(0); // without --verify the report is still given
  });

  it('--repair cuts the damage as startup would, and not while a server uses the directory', async () => {
    const seg = path.join(dir, 'journal.0000000002');
    const bytes = fs.readFileSync(seg);
    fs.writeFileSync(seg, bytes.subarray(0, bytes.length - 5)); // a torn last record
    const r = rq(dir, '--verify', '--repair');
    expect(r.status).toBe(4); // it was damaged
    expect(r.stdout).toMatch(/repaired: .*journal\.0000000002: cut at offset \d+, after its last good record/);
    expect(rq(dir, '--verify').status).toBe(0);
    expect(fs.statSync(seg).size).toBeLessThan(bytes.length - 5);

    server = await spawnRq(['--data-dir', dir]);
    const locked = rq(dir, '--repair');
    expect(locked.status).toBe(3);
    expect(locked.stderr).toContain(`cannot repair: data dir ${dir} is in use by another rq (pid ${server.child.pid})`);
  });

  it('--push-to re-enqueues the live items into a running server', async () => {
    server = await spawnRq(['--no-journal']);
    const r = spawnSync(process.execPath, [RQ, 'replay-journal', dir, '--push-to', `127.0.0.1:${server.port}`], {
      encoding: 'utf8',
    });
    expect(r.stderr).toContain('copied 11 items');
    expect(r.status).toBe(0);
    const c = await RawClient.connect(server.port);
    clients.push(c);
    const stats = await c.request('stats\r\n', 'END\r\n');
    expect(stats).toContain('STAT queue_jobs_items 10\r\n');
    expect(stats).toContain('STAT queue_bin_items 1\r\n');
    expect(await c.request('get bin\r\n', 'END\r\n')).toBe('VALUE bin 4294967295 6\r\n\x00\x01\x02\r\n\xff\r\nEND\r\n');
  });

  it('--push-to fails with exit 3 when the server refuses items, saying how many and why', async () => {
    server = await spawnRq(['--no-journal', '--max-queue-items', '4']);
    const r = spawnSync(process.execPath, [RQ, 'replay-journal', dir, '--push-to', `127.0.0.1:${server.port}`], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(
      /push to .* failed: 6 items refused, the first \(item \d+\): queue jobs is full \(max 4 items, \d+ bytes\): not stored/,
    );
  });

  it('--records loses no line when its output goes through a pipe', async () => {
    const big = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-replay-big-'));
    try {
      const store = new FileStore(big);
      const journal = new Journal(store, { fsync: { kind: 'never' }, warn: () => {} });
      const engine = new QueueEngine({ ...UNLIMITED, maxOpen: 100 }, journal);
      journal.restore(engine, Date.now());
      for (let i = 0; i < 120_000; i++) engine.enqueue('q', 0, 0, Buffer.from('x'), Date.now());
      await journal.close();
      const expected = readJournal(new FileStore(big)).state.records;
      expect(expected).toBeGreaterThanOrEqual(120_000);
      for (const json of [[], ['--json']]) {
        const piped = spawnSync(
          'sh',
          ['-c', `"${process.execPath}" "${RQ}" replay-journal "${big}" --records ${json.join(' ')} | wc -l`],
          { encoding: 'utf8', timeout: 60_000 },
        );
        expect(Number(piped.stdout.trim()), `--records ${json.join(' ')}`).toBe(expected);
      }
    } finally {
      fs.rmSync(big, { recursive: true, force: true });
    }
  });

  it('reports a journal file it cannot read, or a directory named like one, without a stack trace', () => {
    fs.mkdirSync(path.join(dir, 'journal.0000000003'));
    const r = rq(dir, '--verify');
    expect(r.status).toBe(4);
    expect(r.stderr + r.stdout).toMatch(/journal\.0000000003: cannot read/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    fs.rmdirSync(path.join(dir, 'journal.0000000003'));
    fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'journal.0000000003'));
    const dangling = rq(dir);
    expect(dangling.status).toBe(4);
    expect(dangling.stderr + dangling.stdout).toMatch(/journal\.0000000003: cannot read/);
    expect(dangling.stderr).not.toMatch(/\n\s+at /);
  });

  it('--verify exits 4 when the newest segment is missing, and --repair makes it agree', async () => {
    server = await spawnRq(['--data-dir', dir]);
    const c = await RawClient.connect(server.port);
    clients.push(c);
    expect(await c.request('set jobs 0 0 3\r\nnew\r\n')).toBe('STORED\r\n');
    await server.kill('SIGKILL');
    server = null;
    expect(rq(dir, '--verify').status).toBe(0);
    const newest = fs
      .readdirSync(dir)
      .filter((f) => f.startsWith('journal.'))
      .sort()
      .pop()!;
    fs.rmSync(path.join(dir, newest));
    const r = rq(dir, '--verify');
    expect(r.status).toBe(4);
    expect(r.stdout).toMatch(new RegExp(`${newest}.* missing`));
    const repaired = rq(dir, '--verify', '--repair');
    expect(repaired.status).toBe(4);
    expect(rq(dir, '--verify').status).toBe(0);
    server = await spawnRq(['--data-dir', dir]);
    expect(server.stderr()).not.toMatch(/missing|lost|damaged/);
  });

  it('refuses bad input with a clear message and exit status', async () => {
    const missing = rq(path.join(dir, 'nope'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('is not a directory');
    const badTarget = rq(dir, '--push-to', 'no-port-here');
    expect(badTarget.status).toBe(2);
    expect(badTarget.stderr).toContain('--push-to takes host:port');
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const unreachable = spawnSync(process.execPath, [RQ, 'replay-journal', dir, '--push-to', `127.0.0.1:${port}`], {
      encoding: 'utf8',
    });
    expect(unreachable.status).toBe(3);
    expect(unreachable.stderr).toMatch(/push to .* failed: .*connection refused/);
    const notJournal = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-notj-'));
    fs.writeFileSync(path.join(notJournal, 'journal.0000000001'), 'hello, not a journal');
    const r = rq(notJournal, '--verify');
    fs.rmSync(notJournal, { recursive: true, force: true });
    expect(r.status).toBe(4);
    expect(r.stdout).toContain('bad magic');
  });
});
