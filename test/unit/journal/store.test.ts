/** Both journal stores pass the one conformance suite; the memory store also fails and crashes on demand. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStore } from '../../../src/journal/file-store.js';
import { MemoryStore } from '../../../src/journal/memory-store.js';
import { storeConformance } from '../../helpers/store-conformance.js';

storeConformance('file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-store-'));
  return { store: new FileStore(dir), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
});

storeConformance('memory', () => ({ store: new MemoryStore(), cleanup: () => {} }));

describe('memory store faults and crashes', () => {
  it('fails writes and syncs with the code a full disk gives', async () => {
    const s = new MemoryStore();
    const f = s.create('a');
    s.fault = 'ENOSPC';
    expect(() => f.write(Buffer.from('x'), 0, 1, 0)).toThrow(expect.objectContaining({ code: 'ENOSPC' }));
    const err = await new Promise((resolve) => f.sync(resolve));
    expect(err).toMatchObject({ code: 'ENOSPC' });
    s.fault = null;
    f.write(Buffer.from('x'), 0, 1, 0);
  });

  it('a machine crash keeps only synced bytes of synced directory entries; a process crash keeps what was written', () => {
    const s = new MemoryStore();
    const f = s.create('a');
    f.write(Buffer.from('synced'), 0, 6, 0);
    f.syncNow();
    s.syncDirectory();
    f.write(Buffer.from('+lost'), 0, 5, 6);
    s.create('b').write(Buffer.from('unsynced dir entry'), 0, 5, 0);
    const crashed = s.crashed();
    expect(crashed.list()).toEqual(['a']);
    expect(crashed.read('a', 0, 100).toString()).toBe('synced');
    const killed = s.killed();
    expect(killed.list().sort()).toEqual(['a', 'b']);
    expect(killed.read('a', 0, 100).toString()).toBe('synced+lost');
  });
});
