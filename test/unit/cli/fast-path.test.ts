/**
 * The fast path and yargs must read a command line the same way: for every case the fast path
 * accepts, both parsers give the command the same plan; for the rest, the fast path declines and
 * yargs decides.
 */
import yargs from 'yargs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { protectCommandLine, toYargs, type CommandSpec, type RawArgs } from '../../../src/cli/command-spec.js';
import { fastCommands } from '../../../src/cli/commands.js';
import { fastParse } from '../../../src/cli/fast-path.js';

function spec(name: string): CommandSpec<unknown> {
  return fastCommands.find((s) => s.name === name)!;
}

/** What yargs (as main() configures it) hands the command, or the message it fails with. */
async function viaYargs(s: CommandSpec<unknown>, argv: string[]): Promise<{ raw: RawArgs } | { error: string }> {
  let raw: RawArgs | null = null;
  const module = {
    ...toYargs(s),
    handler: (args: unknown) => {
      raw = args as RawArgs;
    },
  };
  try {
    await yargs([s.name, ...argv])
      .command(module)
      .strict()
      .exitProcess(false)
      .fail((message, error) => {
        throw error ?? new Error(message);
      })
      .parseAsync();
  } catch (err) {
    return { error: (err as Error).message };
  }
  return { raw: raw! };
}

const saved = { ...process.env };
beforeEach(() => {
  delete process.env.RQ_SERVER;
  delete process.env.RQ_SERVERS;
  for (const name of Object.keys(process.env)) if (name.startsWith('RQ_STORE')) delete process.env[name];
});
afterEach(() => {
  process.env = { ...saved };
});

const ACCEPTED: Array<[string, string[]]> = [
  ['push', ['q', 'a', 'b']],
  ['push', ['123', '4.50', '0x1']],
  ['push', ['q', '--ttl', '5', 'm']],
  ['push', ['q', '-0']],
  ['push', ['q', '--whole', '--server', 'h:1']],
  ['push', ['q', '--', '-x', 'y']],
  ['push', ['q', 'a', '--', '--json']],
  ['push', ['q', '--flags=7', 'm', '--json', '--timeout', '2.5']],
  ['pop', ['q']],
  ['pop', ['q', '-n', '5']],
  ['pop', ['q', '--wait']],
  ['pop', ['q', '--wait', '--json']],
  ['pop', ['q', '--wait', '3']],
  ['pop', ['q', '--wait=0.5']],
  ['pop', ['q', '--follow']],
  ['pop', ['q', '-f', '-n', '2']],
  ['pop', ['q', '--lease', '30', '--json']],
  ['pop', ['q', '--raw']],
  ['pop', ['--servers', 'a:1,b:2', 'q']],
  ['ack', ['q', '1', '2']],
  ['ack', ['q', '7', '--server', 'h:1']],
  ['release', ['q', '3@h:1', '--server', 'h:1,g:2']],
  ['peek', ['q', '-0']],
  ['inspect', []],
  ['inspect', ['q', '--json']],
  ['work', ['q', '--', 'sh', '-c', 'exit 1']],
  ['work', ['q', '-c', '4', '--drain', '--', 'cat', '-n']],
  ['work', ['q', 'cat', '--', '-x']],
  ['work', ['q', '-n', '3', '--', 'true']],
  ['work', ['q', '--timeout', '2', '--joblog', 'log', '--', 'true']],
  ['pop', ['q', '--lease', '5', '--id-file', 'id']],
  ['flush', ['q', '--yes']],
  ['drop', ['q', '-y', '--json']],
  ['push', ['q', '--delay', '1.5', 'm']],
  ['release', ['q', '3', '--delay', '30']],
  ['touch', ['q', '3', '4', '--lease', '60', '--json']],
  ['redrive', ['q']],
  ['redrive', ['q', '-n', '10', '--json']],
  ['work', ['q', '--lease', '60', '--retry-delay', '0.5', '--retry-max-delay', '60', '--', 'true']],
  ['serve', []],
  ['serve', ['--port', '0', '--data-dir', '/tmp/x', '--fsync', 'always']],
  ['serve', ['--no-journal', '--max-item-size', '1000000000']],
  ['serve', ['--journal', '--discard-old', '--max-connections', '5', '--max-partial-bytes', '0']],
  ['serve', ['--no-discard-old', '--log-level', 'debug', '--log-format=json', '--log-file', 'f']],
  ['serve', ['--host=::1', '--port=22134', '--max-queues', '7', '--shutdown-timeout', '0.5']],
  ['serve', ['--tls-cert', 'c', '--tls-key', 'k', '--auth-file', 'a', '--max-deliveries', '3']],
  ['serve', ['--store', 'nats://a:1,nats://b:2', '--store-replicas', '3', '--store-prefix', 'x-1']],
  ['serve', ['--store', 'nats://a:1', '--store-user', 'u', '--store-password', 'p', '--store-ack-wait', '5']],
  ['serve', ['--metrics', '--metrics-max-queues', '0']],
  ['serve', ['--metrics', '127.0.0.1:0']],
];

describe('the fast path', () => {
  it.each(ACCEPTED)('reads `rq %s %j` as yargs does', async (name, argv) => {
    const s = spec(name);
    const fast = fastParse(s, argv);
    expect(fast).not.toBeNull();
    const slow = await viaYargs(s, argv);
    expect(slow).toHaveProperty('raw');
    expect(s.plan(fast!)).toEqual(s.plan((slow as { raw: RawArgs }).raw));
  });

  const DECLINED: Array<[string, string[]]> = [
    ['pop', ['q', '--help']],
    ['pop', ['q', '-h']],
    ['pop', ['q', '--bogus']],
    ['pop', ['q', '-n5']],
    ['pop', ['q', '-n']],
    ['pop', ['q', '-n', 'x']],
    ['pop', ['q', '--timeout', '-1']],
    ['pop', ['q', '--json', 'true']],
    ['pop', ['q', '--json=false']],
    ['pop', ['q', '-n', '1', '-n', '2']],
    ['pop', []],
    ['pop', ['q', 'extra']],
    ['push', ['q', '-']],
    ['serve', ['--port']],
    ['serve', ['--data-dir', '--fsync']],
    ['serve', ['--port', '-1']],
    ['serve', ['--log-level', 'loud']],
    ['serve', ['--journal', 'false']],
    ['serve', ['--journal=false']],
    ['serve', ['--dataDir', 'x']],
    ['serve', ['--version']],
    ['serve', ['extra']],
  ];

  it.each(DECLINED)('declines `rq %s %j`, leaving it to yargs', (name, argv) => {
    expect(fastParse(spec(name), argv)).toBeNull();
  });

  it("leaves a missing id to the command's own check, and yargs refuses it too", async () => {
    expect(() => spec('ack').plan(fastParse(spec('ack'), ['q'])!)).toThrow('at least one item id');
    expect(await viaYargs(spec('ack'), ['q'])).toEqual({
      error: expect.stringContaining('Not enough non-option arguments') as unknown,
    });
  });

  it.each([
    ['pop', ['q', '-n', '0'], '-n must be'],
    ['pop', ['q', '--wait=soon'], '--wait takes seconds'],
    ['pop', ['q', '--follow', '--wait=3'], '--follow already waits'],
    ['pop', ['q', '--json', '--raw'], 'choose one'],
    ['pop', ['a b'], 'queue name'],
    ['push', ['q', '-0', '--whole'], 'cannot be combined'],
    ['push', ['q', 'm', '--whole'], 'give no messages'],
    ['push', ['q', '--ttl', '0'], '--ttl'],
    ['push', ['q', '--flags', '-1'], '--flags'],
    ['ack', ['q', 'x1'], 'not an item id'],
    ['ack', ['q', '5', '--server', 'a:1,b:2'], 'with several servers'],
    ['ack', ['q', '5@c:3', '--server', 'a:1,b:2'], 'not among the servers'],
    ['work', ['q'], 'give the command'],
    ['work', ['q', '-c', '0', '--', 'x'], '--concurrency'],
    ['work', ['q', '--timeout', '0', '--', 'x'], '--timeout'],
    ['pop', ['q', '--id-file', 'f'], '--id-file goes with --lease'],
    ['inspect', ['--server', 'a:b'], '--server'],
    ['inspect', ['--timeout', '0'], '--timeout'],
    ['inspect', ['--server', 'a:1', '--servers', 'b:2'], 'not both'],
    ['push', ['q', '--delay', '-1', 'm'], '--delay must be'],
    ['push', ['q', '--delay', '31536001', 'm'], '--delay must be a number of seconds from 0 to 31536000'],
    ['release', ['q', '3', '--delay', '1e9'], '--delay'],
    ['touch', ['q', '3'], 'give the new lease: --lease SECONDS'],
    ['touch', ['q', '3', '--lease', '0'], '--lease must be at least'],
    ['redrive', ['q', '-n', '0'], '-n must be'],
    ['redrive', ['x'.repeat(246)], 'has no dead-letter queue'],
    ['work', ['q', '--lease', '0.5', '--', 'x'], '--lease'],
    ['work', ['q', '--retry-delay', '10', '--retry-max-delay', '5', '--', 'x'], '--retry-max-delay'],
    ['serve', ['--port', '70000'], '--port must be 0–65535'],
    ['serve', ['--fsync', 'sometimes', '--port', '70000'], '--fsync must be'],
    ['serve', ['--max-item-size', '999999999999'], 'more than the journal can record'],
    ['serve', ['--max-open', '0', '--max-connections', '-1'], '--max-open must be'],
    ['serve', ['--max-connections', '-1', '--store', 'x'], '--max-connections must be'],
    ['serve', ['--max-partial-bytes', '5'], '--max-partial-bytes must be at least'],
    ['serve', ['--tls-cert', 'c'], '--tls-cert and --tls-key go together'],
    ['serve', ['--log-file'], '--log-file needs a path'],
    ['serve', ['--store', 'http://x', '--metrics', 'x'], '--store takes nats://'],
    ['serve', ['--store', 'nats://a:1', '--store-user', 'u'], '--store-user needs --store-password'],
    ['serve', ['--metrics', 'foo'], '--metrics takes host:port'],
    ['serve', ['--metrics-max-queues', '-1'], '--metrics-max-queues must be'],
  ])('and yargs both refuse `rq %s %j` with the same reason', async (name, argv, reason) => {
    const s = spec(name);
    const fast = fastParse(s, argv);
    if (fast !== null) expect(() => s.plan(fast)).toThrow(reason);
    const slow = await viaYargs(s, argv);
    expect(slow).toEqual({ error: expect.stringContaining(reason) as unknown });
  });
});

describe('a command line to run (rq work)', () => {
  it.each([
    [
      ['q', 'sh', '-c', 'exit 1'],
      ['q', '--', 'sh', '-c', 'exit 1'],
    ],
    [
      ['-c', '4', 'q', 'cat', '-n'],
      ['-c', '4', 'q', '--', 'cat', '-n'],
    ],
    [
      ['q', '--timeout', '5', '--drain', 'x', '--drain'],
      ['q', '--timeout', '5', '--drain', '--', 'x', '--drain'],
    ],
    [
      ['q', '--timeout=5', '-c4', 'x'],
      ['q', '--timeout=5', '-c4', '--', 'x'],
    ],
    [
      ['q', '--', 'x', '-c'],
      ['q', '--', 'x', '-c'],
    ],
    [['q'], ['q']],
    [['--help'], ['--help']],
  ])('reads the options up to the command: %j is %j', (argv, protectedArgv) => {
    expect(protectCommandLine(spec('work'), argv)).toEqual(protectedArgv);
  });

  it('leaves the other commands alone', () => {
    expect(protectCommandLine(spec('push'), ['q', 'a', '-0'])).toEqual(['q', 'a', '-0']);
  });

  it('hands the command its own options, on both paths', async () => {
    const argv = protectCommandLine(spec('work'), ['q', 'sh', '-c', 'echo $0', 'x']);
    const plan = spec('work').plan(fastParse(spec('work'), argv)!) as { command: string[]; concurrency: number };
    expect(plan).toMatchObject({ command: ['sh', '-c', 'echo $0', 'x'], concurrency: 1 });
    const slow = await viaYargs(spec('work'), [...argv]);
    expect(spec('work').plan((slow as { raw: RawArgs }).raw)).toMatchObject({ command: ['sh', '-c', 'echo $0', 'x'] });
  });
});

describe("rq serve's store options from the environment", () => {
  it('take a variable unless the command line names the option, on both paths', async () => {
    process.env.RQ_STORE = 'nats://env:1';
    process.env.RQ_STORE_REPLICAS = '5';
    const argv = ['--store-replicas', '3'];
    const saved = process.argv;
    process.argv = [saved[0], 'rq', 'serve', ...argv]; // what givenOnCommandLine reads
    try {
      const fast = spec('serve').plan(fastParse(spec('serve'), argv)!);
      expect(fast).toMatchObject({ store: 'nats://env:1', 'store-replicas': '3' });
      const slow = await viaYargs(spec('serve'), argv);
      expect(spec('serve').plan((slow as { raw: RawArgs }).raw)).toEqual(fast);
    } finally {
      process.argv = saved;
    }
  });

  it('are checked as if given on the command line', async () => {
    process.env.RQ_STORE = 'http://x';
    expect(() => spec('serve').plan(fastParse(spec('serve'), [])!)).toThrow('--store takes nats://');
    expect(await viaYargs(spec('serve'), [])).toEqual({ error: expect.stringContaining('--store takes nats://') as unknown });
  });
});
