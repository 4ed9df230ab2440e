/** The hook between the poller and React: the latest Snapshot, re-rendering on each publish. */
import { useSyncExternalStore } from 'react';
import type { Snapshot } from './snapshot.js';

/** Functions, not methods: React calls them unbound. */
export interface SnapshotStore {
  readonly subscribe: (listener: () => void) => () => void;
  readonly getSnapshot: () => Snapshot;
}

export function useSnapshots(store: SnapshotStore): Snapshot {
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}
