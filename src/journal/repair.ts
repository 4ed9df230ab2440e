/**
 * What startup does to a journal it has read, and what `rq replay-journal --repair` does on request
 * (docs/journal-format.md: Damage): the original of every file with corrupt records is kept as
 * `<name>.damaged` (a hard link: no copy, and the file itself is never changed after, only removed
 * once a new snapshot holds what it gave); a torn tail (an interrupted write) is cut after the last
 * good record; files the state does not need are removed. Writing the new snapshot that replaces
 * damaged files is the caller's part (restore.ts, the CLI).
 */
import { damagedName, DAMAGED_SUFFIX } from './names.js';
import { isCorrupt, type JournalRead } from './reader.js';
import type { JournalStore } from './store.js';

/** Returns one line per file changed or kept. */
export function repairJournal(store: JournalStore, read: JournalRead): string[] {
  const done: string[] = [];
  const names = store.list();
  let changed = false;
  for (const f of read.files) {
    if (f.unreadable !== null || f.damaged.length === 0) continue;
    if (isCorrupt(f)) {
      const kept = names.filter((n) => n.startsWith(f.name + DAMAGED_SUFFIX));
      if (kept.some((k) => sameBytes(store, k, f.name))) continue;
      const name = damagedName(f.name, names);
      store.keepCopy(f.name, name);
      names.push(name);
      changed = true;
      done.push(`${store.location}/${f.name}: its original is kept as ${name}`);
    } else if (f.records === 0 && f.header === null) {
      store.remove(f.name);
      changed = true;
      done.push(`${store.location}/${f.name}: removed (cut short inside its header: it held nothing)`);
    } else {
      store.truncate(f.name, f.validEnd);
      f.size = f.validEnd;
      changed = true;
      done.push(`${store.location}/${f.name}: cut at offset ${f.validEnd}, after its last good record`);
    }
  }
  for (const name of read.obsolete) {
    store.remove(name);
    changed = true;
    done.push(`${store.location}/${name}: removed (not needed)`);
  }
  if (changed) store.syncDirectory();
  return done;
}

function sameBytes(store: JournalStore, a: string, b: string): boolean {
  const size = store.size(a);
  return size === store.size(b) && store.read(a, 0, size).equals(store.read(b, 0, size));
}
