/**
 * The behaviour every JournalStore must have (src/journal/store.ts). Run against the file store and the
 * memory store by test/unit/journal/store.test.ts; a new store passes this suite before the journal may use it.
 */
import { describe, expect, it } from 'vitest';
import type { JournalStore } from '../../src/journal/store.js';

export function storeConformance(label: string, make: () => { store: JournalStore; cleanup: () => void }): void {
  describe(`${label} store conformance`, () => {
    const withStore = (fn: (s: JournalStore) => Promise<void> | void) => async () => {
      const { store, cleanup } = make();
      try {
        await fn(store);
      } finally {
        cleanup();
      }
    };

    it(
      'creates, writes at positions, reads back, reports sizes',
      withStore((s) => {
        const f = s.create('a');
        f.write(Buffer.from('hello world'), 0, 11, 0);
        f.write(Buffer.from('XXWO'), 2, 2, 6);
        f.close();
        expect(s.size('a')).toBe(11);
        expect(s.read('a', 0, 100).toString()).toBe('hello WOrld');
        expect(s.read('a', 6, 3).toString()).toBe('WOr');
        expect(s.read('a', 11, 5).length).toBe(0);
        expect(s.list()).toEqual(['a']);
      }),
    );

    it(
      'create never replaces an existing file: EEXIST, and the file is left as it was',
      withStore((s) => {
        const f = s.create('a');
        f.write(Buffer.from('long content'), 0, 12, 0);
        f.close();
        expect(() => s.create('a')).toThrow(expect.objectContaining({ code: 'EEXIST' }));
        expect(s.read('a', 0, 100).toString()).toBe('long content');
      }),
    );

    it(
      'keeps a copy of a file under another name, which later changes to the file do not touch',
      withStore((s) => {
        const f = s.create('a');
        f.write(Buffer.from('original'), 0, 8, 0);
        f.close();
        s.keepCopy('a', 'a.damaged');
        s.remove('a');
        s.syncDirectory();
        expect(s.read('a.damaged', 0, 100).toString()).toBe('original');
        expect(s.list()).toEqual(['a.damaged']);
      }),
    );

    it(
      'syncs asynchronously and blocking',
      withStore(async (s) => {
        const f = s.create('a');
        f.write(Buffer.from('abc'), 0, 3, 0);
        let inline = true;
        let calledInline: boolean | null = null;
        const done = new Promise<Error | null>((resolve) =>
          f.sync((err) => {
            calledInline = inline;
            resolve(err);
          }),
        );
        inline = false;
        expect(await done).toBeNull();
        expect(calledInline).toBe(false);
        f.syncNow();
        f.close();
      }),
    );

    it(
      'renames over an existing file, removes, truncates',
      withStore((s) => {
        s.create('a').write(Buffer.from('new'), 0, 3, 0);
        s.create('b').write(Buffer.from('old'), 0, 3, 0);
        s.rename('a', 'b');
        expect(s.list().sort()).toEqual(['b']);
        expect(s.read('b', 0, 10).toString()).toBe('new');
        s.truncate('b', 1);
        expect(s.read('b', 0, 10).toString()).toBe('n');
        s.remove('b');
        s.remove('never-existed');
        expect(s.list()).toEqual([]);
        s.syncDirectory();
      }),
    );

    it(
      'reads and writes off the main thread',
      withStore(async (s) => {
        const f = s.create('a');
        await f.writeAsync(Buffer.from('hello'), 0);
        await f.writeAsync(Buffer.from('J'), 0);
        f.close();
        const r = await s.openReader('a');
        const into = Buffer.alloc(100, '.');
        expect(await r.read(into, 0, 0, 100)).toBe(5);
        expect(into.subarray(0, 6).toString()).toBe('Jello.');
        expect(await r.read(into, 7, 3, 1)).toBe(1);
        expect(into.subarray(0, 9).toString()).toBe('Jello..l.');
        expect(await r.read(into, 0, 9, 1)).toBe(0);
        await r.close();
        await expect(s.openReader('nope')).rejects.toThrow(/ENOENT/);
      }),
    );

    it(
      'removes and syncs the directory off the main thread',
      withStore(async (s) => {
        s.create('a').close();
        s.create('b').close();
        await s.removeAsync('a');
        await s.removeAsync('never-existed');
        await s.renameAsync('b', 'c');
        await s.renameAsync('c', 'b');
        await s.syncDirectoryAsync();
        expect(s.list()).toEqual(['b']);
      }),
    );

    it(
      'names a missing file in its error',
      withStore((s) => {
        expect(() => s.size('nope')).toThrow(/ENOENT/);
        expect(() => s.read('nope', 0, 1)).toThrow(/ENOENT/);
      }),
    );
  });
}
