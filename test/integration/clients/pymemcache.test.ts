/**
 * Python's pymemcache (Debian python3-pymemcache), spawned against the real server. pymemcache sends
 * set and delete with noreply by default, and closes the connection when a VALUE line names another
 * key than the one it asked for, so every key option must come back exactly as sent.
 */
import { describe, expect, it } from 'vitest';
import { realClientSetup, runScript } from '../../helpers/real-clients.js';
import { stat } from '../../helpers/raw-client.js';

const PYTHON = '/usr/bin/python3';
const suite = realClientSetup('pymemcache', ['python3-pymemcache'], [PYTHON]);
const { conns } = suite;

/** Runs a Python script with `c` (and a second client `d`) connected to the test server. */
function python(script: string): Promise<string> {
  const prelude = [
    'from pymemcache.client.base import Client',
    'from pymemcache.exceptions import MemcacheClientError',
    `c = Client(('127.0.0.1', ${suite.port()}), timeout=5)`,
    `d = Client(('127.0.0.1', ${suite.port()}), timeout=5)`,
    '',
  ].join('\n');
  return runScript(PYTHON, ['-c', prelude + script]);
}

describe.skipIf(suite.skip !== null)(suite.title, () => {
  it('runs the worker flow with its default noreply sets and deletes', async () => {
    const out = await python(
      [
        'print(c.set("jobs", b"one"), c.set("jobs", "two"))', // noreply: True without waiting
        'print(c.get("jobs"))',
        'print(c.delete("jobs", noreply=False))',
        'print(c.get("jobs"))',
        'c.delete("jobs")', // noreply
        'print(c.get("jobs"), c.delete("jobs", noreply=False))',
      ].join('\n'),
    );
    expect(out).toBe("True True\nb'one'\nTrue\nb'two'\nNone False\n");
    const s = await conns.connect();
    expect(await stat(s, 'queue_jobs_acked')).toBe(2);
  });

  it('gets back the exact key it sent for every option, so it keeps its connection', async () => {
    const out = await python(
      [
        'for v in [b"a", b"b", b"c"]: c.set("q", v, noreply=False)',
        'print(c.get("q/open"), c.get("q/close/open"), c.get("q/peek"), c.get("q/close"))',
        'print(sorted(c.get_many(["q/peek", "q/open", "none"]).items()))',
        'print(c.get("empty/t=100"))',
      ].join('\n'),
    );
    expect(out).toBe("b'a' b'b' b'c' None\n[('q/open', b'c'), ('q/peek', b'c')]\nNone\n");
    const s = await conns.connect();
    // One connection for c over the whole script: the key checks never made pymemcache reconnect.
    expect(await stat(s, 'total_connections')).toBe(2);
  });

  it('acknowledges by id from another client with the cas of gets', async () => {
    const out = await python(
      [
        'c.set("q", b"x", noreply=False)',
        'value, cas = c.gets("q")',
        'print(value, int(cas) > 0)',
        'print(d.delete("q/id=" + cas.decode(), noreply=False))',
        'print(c.delete("q", noreply=False))',
      ].join('\n'),
    );
    expect(out).toBe("b'x' True\nTrue\nFalse\n");
  });

  it('raises a client error for add and incr, stores nothing, and the connection stays usable', async () => {
    const out = await python(
      [
        'for call in [lambda: c.add("q", b"x", noreply=False), lambda: c.incr("q", 1), lambda: c.replace("q", b"x", noreply=False)]:',
        '    try:',
        '        call(); print("no error")',
        '    except MemcacheClientError as e:',
        '        print("error:", e)',
        'print(c.get("q"), c.version())',
      ].join('\n'),
    );
    expect(out).toMatch(
      /^error: .*add is not supported by a queue.*\nerror: .*incr is not supported.*\nerror: .*replace is not supported.*\nNone b'\d+\.\d+\.\d+'\n$/,
    );
    const s = await conns.connect();
    expect(await stat(s, 'total_items')).toBe(0);
  });

  it('reads stats and flushes everything', async () => {
    const out = await python(
      [
        'c.set("q", b"x", noreply=False)',
        'st = c.stats()',
        'print(st[b"queue_q_items"], st[b"curr_items"])',
        'print(c.flush_all(noreply=False), c.get("q"))',
      ].join('\n'),
    );
    expect(out).toBe('1 1\nTrue None\n');
  });
});
