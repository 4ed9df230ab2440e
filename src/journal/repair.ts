/**
 * Cutting damage: what startup does to a journal it has read, and what `rq replay-journal --repair`
 * does on request. A damaged file is cut after its last good record (a file whose header is damaged
 * is removed); files the state does not need are removed.
 */
import { HEADER_BYTES } from './format.js';
import type { JournalRead } from './reader.js';
import type { JournalStore } from './store.js';

/** Returns one line per file changed. */
export function cutDamage(store: JournalStore, read: JournalRead): string[] {
  const done: string[] = [];
  for (const f of read.files) {
    if (f.damage === null) continue;
    if (f.validEnd < HEADER_BYTES) {
      store.remove(f.name);
      done.push(`${store.location}/${f.name}: removed (its header is damaged)`);
    } else {
      store.truncate(f.name, f.validEnd);
      f.size = f.validEnd;
      done.push(`${store.location}/${f.name}: cut at offset ${f.damage.offset}, after its last good record`);
    }
  }
  for (const name of read.obsolete) {
    store.remove(name);
    done.push(`${store.location}/${name}: removed (not needed)`);
  }
  if (done.length > 0) store.syncDirectory();
  return done;
}
