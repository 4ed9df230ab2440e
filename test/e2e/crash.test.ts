/**
 * The promise of --fsync always, under load: producers and consumers run against a spawned
 * `rq serve --fsync always`, the server is killed with SIGKILL at a random moment and restarted on the
 * same data dir. Every item acknowledged STORED and not acknowledged DELETED must be delivered after
 * the restart; nothing acknowledged DELETED may come back. Repeated a few times, on one data dir.
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

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  if (server !== null) await server.kill('SIGKILL');
  server = null;
  fs.rmSync(dataDir, { recursive: true, force: true });
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
});
