/**
 * The promise of --fsync always, under load: producers and consumers run against a spawned
 * `rq serve --fsync always`, the server is killed with SIGKILL at a random moment and restarted on the
 * same data dir. Every item acknowledged STORED and not acknowledged DELETED must be delivered after
 * the restart; nothing acknowledged DELETED may come back. Repeated a few times, on one data dir; and
 * again on a state too large to snapshot from memory, killed while a compaction reads and writes it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/raw-client.js';
import { spawnRq, type RqServeProcess } from '../helpers/rq-process.js';

const ROUNDS = 4;
const PRODUCERS = 4;
const CONSUMERS = 3;

let server: RqServeProcess | null = null;
const clients: RawClient[] = [];
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-crash-'));
const bigDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-crash-big-'));

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  if (server !== null) await server.kill('SIGKILL');
  server = null;
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(bigDir, { recursive: true, force: true });
});

async function connect(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  clients.push(c);
  return c;
}

interface Ledger {
  stored: Set<string>;
  deleted: Set<string>;
  /** delete sent, no reply before the kill: the outcome is unknown, so either way is right. */
  deleting: Set<string>;
}

/** Enqueues distinct items until the connection dies; records each STORED. */
async function produce(port: number, name: string, ledger: Ledger): Promise<void> {
  const c = await connect(port);
  for (let n = 0; ; n++) {
    const data = `${name}-${n}`;
    let reply: string;
    try {
      reply = await c.request(`set jobs 0 0 ${data.length}\r\n${data}\r\n`);
    } catch {
      return; // killed
    }
    if (reply !== 'STORED\r\n') throw new Error(`unexpected reply to set: ${reply}`);
    ledger.stored.add(data);
  }
}

/** Reserves and acknowledges items until the connection dies; records each DELETED. */
async function consume(port: number, ledger: Ledger): Promise<void> {
  const c = await connect(port);
  for (;;) {
    try {
      const reply = await c.request('get jobs\r\n', 'END\r\n');
      const m = /^VALUE jobs \d+ \d+\r\n(.*)\r\nEND\r\n$/.exec(reply);
      if (m === null) continue; // empty for now
      ledger.deleting.add(m[1]);
      if ((await c.request('delete jobs\r\n')) !== 'DELETED\r\n') throw new Error('delete of a held item failed');
      ledger.deleting.delete(m[1]);
      ledger.deleted.add(m[1]);
    } catch (err) {
      if (c.closed) return; // killed
      throw err;
    }
  }
}

/** Takes every item left (reserve + ack), in order. */
async function drain(port: number): Promise<string[]> {
  const c = await connect(port);
  const items: string[] = [];
  for (;;) {
    const reply = await c.request('get jobs\r\n', 'END\r\n');
    const m = /^VALUE jobs \d+ \d+\r\n(.*)\r\nEND\r\n$/.exec(reply);
    if (m === null) return items;
    items.push(m[1]);
    expect(await c.request('delete jobs\r\n')).toBe('DELETED\r\n');
  }
}

/** Enqueues `count` items of `bytes` bytes named `<name>-<n>`, pipelined in batches; records each STORED. */
async function prefill(port: number, name: string, count: number, bytes: number, ledger: Ledger): Promise<void> {
  const c = await connect(port);
  const BATCH = 500;
  for (let n = 0; n < count; n += BATCH) {
    const datas = Array.from({ length: Math.min(BATCH, count - n) }, (_, i) => `${name}-${n + i}-`.padEnd(bytes, 'p'));
    c.send(datas.map((d) => `set jobs 0 0 ${d.length}\r\n${d}\r\n`).join(''));
    expect((await c.readBytes(datas.length * 8, 30_000)).toString()).toBe('STORED\r\n'.repeat(datas.length));
    for (const d of datas) ledger.stored.add(d);
  }
}

/** Resolves once a snapshot is being written in `dir` (a compaction is under way), or at the deadline (false). */
function compactionStarted(dir: string, deadlineMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const watcher = fs.watch(dir);
    const done = (started: boolean) => {
      clearTimeout(timer);
      watcher.close();
      resolve(started);
    };
    const timer = setTimeout(() => done(false), deadlineMs);
    watcher.on('change', (_event, name) => {
      if (/^snapshot\.\d+\.tmp$/.test(String(name))) done(true);
    });
    if (fs.readdirSync(dir).some((f) => /^snapshot\.\d+\.tmp$/.test(f))) done(true);
  });
}

describe('crash under load (kill -9) with --fsync always', () => {
  it(`loses nothing STORED and resurrects nothing DELETED, ${ROUNDS} times`, async () => {
    const ledger: Ledger = { stored: new Set(), deleted: new Set(), deleting: new Set() };
    for (let round = 0; round < ROUNDS; round++) {
      server = await spawnRq(['--data-dir', dataDir, '--fsync', 'always']);
      const port = server.port;
      const work = [
        ...Array.from({ length: PRODUCERS }, (_, i) => produce(port, `r${round}p${i}`, ledger)),
        ...Array.from({ length: CONSUMERS }, () => consume(port, ledger)),
      ];
      await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 350)); // the random moment
      await server.kill('SIGKILL');
      server = null;
      await Promise.all(work);
      for (const c of clients.splice(0)) c.close();
    }
    expect(ledger.stored.size).toBeGreaterThan(100);
    expect(ledger.deleted.size).toBeGreaterThan(10);

    server = await spawnRq(['--data-dir', dataDir, '--fsync', 'always']);
    const after = await drain(server.port);
    const afterSet = new Set(after);
    expect(after.length, 'no item delivered twice after the restart').toBe(afterSet.size);
    const lost = [...ledger.stored].filter((d) => !ledger.deleted.has(d) && !ledger.deleting.has(d) && !afterSet.has(d));
    const resurrected = after.filter((d) => ledger.deleted.has(d));
    expect(lost, 'STORED, never DELETED, missing after restart').toEqual([]);
    expect(resurrected, 'DELETED, yet delivered again').toEqual([]);
    expect(await server.kill('SIGTERM')).toBe(0);
    server = null;
  });

  it('loses nothing and resurrects nothing when killed during compactions of a state too large to snapshot from memory', async () => {
    const ledger: Ledger = { stored: new Set(), deleted: new Set(), deleting: new Set() };
    // 10,000 items of 4 KiB: more than the 16 MiB a snapshot is taken from memory for; once the
    // consumers have taken half of them, enough dead bytes to start compactions by reading.
    let killedDuringCompaction = 0;
    for (let round = 0; round < 3; round++) {
      server = await spawnRq(['--data-dir', bigDir, '--fsync', 'always'], { deadlineMs: 30_000 });
      const port = server.port;
      const started = compactionStarted(bigDir, 60_000);
      const work = [
        ...Array.from({ length: PRODUCERS }, (_, i) => produce(port, `big${round}p${i}`, ledger)),
        ...Array.from({ length: CONSUMERS }, () => consume(port, ledger)),
      ];
      if (round === 0) await prefill(port, 'prefill', 10_000, 4096, ledger);
      const during = await started;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 60)); // somewhere in the compaction
      const tmpAtKill = fs.readdirSync(bigDir).some((f) => f.endsWith('.tmp'));
      await server.kill('SIGKILL');
      server = null;
      if (during && tmpAtKill) killedDuringCompaction++;
      await Promise.all(work);
      for (const c of clients.splice(0)) c.close();
    }
    expect(killedDuringCompaction).toBeGreaterThan(0);

    // Draining needs no fsync: what is checked is what the restart restored.
    server = await spawnRq(['--data-dir', bigDir, '--fsync', 'never'], { deadlineMs: 30_000 });
    expect(server.stderr()).not.toMatch(/damaged|lost|missing/);
    const after = await drain(server.port);
    const afterSet = new Set(after);
    expect(after.length, 'no item delivered twice after the restart').toBe(afterSet.size);
    const lost = [...ledger.stored].filter((d) => !ledger.deleted.has(d) && !ledger.deleting.has(d) && !afterSet.has(d));
    const resurrected = after.filter((d) => ledger.deleted.has(d));
    expect(lost.length, 'STORED, never DELETED, missing after restart').toBe(0);
    expect(resurrected.length, 'DELETED, yet delivered again').toBe(0);
    expect(await server.kill('SIGTERM')).toBe(0);
    server = null;
  }, 240_000);
});
