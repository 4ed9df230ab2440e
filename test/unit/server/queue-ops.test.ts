/** The embedded engine's queue operations pass the conformance suite, in memory and with a journal. */
import { MemoryStore } from '../../../src/journal/memory-store.js';
import { QueueEngine } from '../../../src/queue/engine.js';
import { MEMORY_ONLY, restoreFromStore, type Persistence } from '../../../src/server/persistence.js';
import { EngineQueues } from '../../../src/server/queue-ops/engine-operations.js';
import { ServerCounters } from '../../../src/server/stats.js';
import { operationsConformance } from '../../helpers/queue-ops-conformance.js';
import { eventually } from '../../helpers/eventually.js';

operationsConformance('memory only', async (limits) => {
  let refusal: string | null = null;
  const persistence: Persistence = { ...MEMORY_ONLY, writeRefusal: () => refusal };
  const counters = new ServerCounters();
  return {
    queues: new EngineQueues(new QueueEngine(limits), persistence, counters),
    counters,
    refuseChanges: async () => {
      refusal = 'changes are refused';
    },
    close: async () => {},
  };
});

operationsConformance('journal', async (limits) => {
  const store = new MemoryStore();
  const restored = restoreFromStore(limits, store, { fsync: { kind: 'always' }, warn: () => {} });
  const counters = new ServerCounters();
  return {
    queues: new EngineQueues(restored.engine, restored.persistence, counters),
    counters,
    // A disk fault: the next write fails, and from then on the journal refuses changes.
    refuseChanges: async () => {
      store.fault = 'ENOSPC';
      restored.engine.enqueue('fault', 0, 0, Buffer.from('x'), Date.now());
      await eventually(() => restored.persistence.writeRefusal() !== null, 'the journal to refuse changes');
    },
    close: async () => {
      store.fault = null;
      await restored.persistence.close();
    },
  };
});
