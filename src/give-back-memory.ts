/**
 * Gives the memory of a large replay or compaction back to the system once it is garbage.
 *
 * Why it is needed: the items of a replayed state live in ArrayBuffers, which V8 frees only when it
 * collects the objects holding them, and V8 collects only when the program allocates. An idle server
 * allocates nothing, so after restoring or compacting a million items it kept the whole replay state
 * (hundreds of MB) for as long as it stayed idle (bench/RESULTS.md: Memory).
 *
 * How: the inspector's `HeapProfiler.collectGarbage`, which runs V8's low-memory collection (full
 * collections until nothing more is freed, the young generation shrunk). It is Node's one supported
 * way to ask for a collection without starting node with --expose-gc; it needs no debugger, and the
 * session is closed again at once. It costs a pause of some tens of milliseconds, so the journal asks
 * for it only after a large read (journal/policy.ts: LARGE_READ_BYTES), which takes far longer
 * itself, and an idle server only once its young generation grew (cli/serve/idle-give-back.ts). The
 * inspector module is loaded then, not at start-up (it adds ~2 MB to every server).
 */

/**
 * Asks V8 to collect everything unreachable and give it back; `done` is called once it has (at once
 * when node was built without the inspector, which is then all this can do).
 */
export function giveBackMemory(done: () => void = () => {}): void {
  if (!process.features.inspector) return done();
  import('node:inspector')
    .then(({ Session }) => {
      const session = new Session();
      session.connect();
      session.post('HeapProfiler.collectGarbage', () => {
        // Disconnecting inside the session's own callback leaves the process unable to exit (Node 20).
        setImmediate(() => {
          session.disconnect();
          done();
        });
      });
    })
    // Only a hint: a server whose inspector cannot be used (an embedder's Node, a policy) goes on
    // serving with the memory V8 frees by itself, rather than dying of an unhandled rejection.
    .catch(() => done());
}
