/**
 * Python's python-memcache (Debian python3-memcache), spawned against the real server: redqueue's
 * usage example unchanged, then the worker flow, releases on disconnect and the key options.
 */
import { describe, expect, it } from 'vitest';
import { realClientSetup, runScript, traitsUnderTest } from '../../helpers/real-clients.js';
import { stat } from '../../helpers/raw-client.js';

const PYTHON = '/usr/bin/python3';
const suite = realClientSetup('python-memcache', ['python3-memcache'], [PYTHON]);
const { conns } = suite;

/** Runs a Python script with `mc` connected to the test server. */
function python(script: string): Promise<string> {
  const prelude = `import memcache, sys\nmc = memcache.Client(['127.0.0.1:${suite.port()}'])\n`;
  return runScript(PYTHON, ['-c', prelude + script]);
}

describe.skipIf(suite.skip !== null)(suite.title, () => {
  it("runs redqueue's usage example unchanged", async () => {
    // https://github.com/superfeedr/redqueue README, word for word but for the port.
    const out = await python(['mc.set("myqueue", "Hello world")', 'print(mc.get("myqueue"))', 'mc.delete("myqueue")'].join('\n'));
    expect(out).toBe('Hello world\n');
    const c = await conns.connect();
    expect(await stat(c, 'queue_myqueue_acked')).toBe(1);
    expect(await stat(c, 'queue_myqueue_items')).toBe(0);
    expect(await stat(c, 'queue_myqueue_open')).toBe(0);
  });

  it("keeps FIFO order and python-memcache's type flags (str, int, pickled dict)", async () => {
    const out = await python(
      [
        'for v in ["first", 42, {"job": [1, 2]}, b"raw"]: assert mc.set("jobs", v)',
        'for _ in range(4):',
        '    print(repr(mc.get("jobs")))',
        '    mc.delete("jobs")',
        'print(repr(mc.get("jobs")))',
      ].join('\n'),
    );
    expect(out).toBe("'first'\n42\n{'job': [1, 2]}\nb'raw'\nNone\n");
  });

  it('returns an unacknowledged item to the head when the client disconnects', async () => {
    const out = await python(
      [
        'mc.set("q", "a"); mc.set("q", "b")',
        'print(mc.get("q"))',
        'mc.disconnect_all()',
        'print(mc.get("q"))',
        'print(mc.get("q"))',
      ].join('\n'),
    );
    expect(out).toBe('a\na\nb\n');
  });

  it('speaks the key options: close/open, peek, abort, and a blocking get that times out', async () => {
    const out = await python(
      [
        'mc.set("q", "one"); mc.set("q", "two")',
        'print(mc.get("q/open"))',
        'print(mc.get("q/close/open"))',
        'print(mc.get("q/abort"))',
        'print(mc.get("q/peek"))',
        'print(mc.get("q/close"))',
        'print(mc.get("empty/t=100"))',
        'print(sorted(mc.get_multi(["q/peek", "other"]).items()))',
      ].join('\n'),
    );
    // Peek shows the item given back by abort, on a store that shows it before it is delivered again.
    expect(out).toBe(
      traitsUnderTest().peekShowsGivenBack
        ? "one\ntwo\nNone\ntwo\nNone\nNone\n[('q/peek', 'two')]\n"
        : 'one\ntwo\nNone\nNone\nNone\nNone\n[]\n',
    );
  });

  it("reads rq's stats", async () => {
    const out = await python(
      [
        'mc.set("q", "x")',
        '[(server, stats)] = mc.get_stats()',
        'print(stats["curr_items"], stats["queue_q_items"], stats["version"])',
      ].join('\n'),
    );
    expect(out).toMatch(/^1 1 \d+\.\d+\.\d+\n$/);
  });

  it('delays an item, renews a lease with touch, retries with a delay and reads the delivery count', async () => {
    // "later" must stay delayed for the whole script, however slow the store (a queue made on
    // JetStream R3 under load takes seconds): were it due before "now" comes back, it would be the
    // last gets' answer.
    const out = await python(
      [
        'mc.cache_cas = True',
        'text = lambda k: k.decode() if isinstance(k, bytes) else k',
        'print(mc.set("pq/delay=600000", "later"), mc.get("pq"))',
        'mc.set("pq", "now")',
        // gets keeps the cas (the item id) under the reply key, which carries the count.
        'print(mc.gets("pq/lease=1000/deliveries"))',
        '[(key, id)] = mc.cas_ids.items()',
        'print(text(key))',
        'print(mc.touch("pq/id=%d" % id, 60), mc.touch("pq/id=999", 60))',
        'print(mc.delete("pq/abort/id=%d/delay=100" % id), mc.get("pq"))',
        'mc.cas_ids.clear()',
        'print(mc.gets("pq/t=5000/deliveries"), [text(k) for k in mc.cas_ids])',
      ].join('\n'),
    );
    expect(out).toBe("True None\nnow\npq/lease=1000/deliveries=1\n1 0\n1 None\nnow ['pq/t=5000/deliveries=2']\n");
    const c = await conns.connect();
    expect(await stat(c, 'queue_pq_delayed')).toBe(1);
  });

  it('gets a refusal for add and stores nothing', async () => {
    const out = await python(['print(mc.add("q", "x"))', 'print(mc.get("q"))'].join('\n'));
    expect(out).toBe('False\nNone\n');
    const c = await conns.connect();
    expect(await stat(c, 'total_items')).toBe(0);
  });
});
