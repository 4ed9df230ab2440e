/**
 * Items that wait, from a real shell through the built rq: `rq push --delay`, `rq release --delay`,
 * `rq touch` keeping an item past its first lease while another reader polls, `rq redrive` of a
 * dead-letter queue, a fanout queue getting its copies, and the bad input of each (a negative or
 * huge delay, a touch of an item not held, a redrive with nothing to move). Nothing may be lost.
 * Needs `npm run build`.
 */
import { describe, expect, it } from 'vitest';
import { queueStats } from '../helpers/clients.js';
import { eventually } from '../helpers/eventually.js';
import { jsonLines, sh, shellEachTest } from '../helpers/shell.js';

const shell = shellEachTest();

describe('rq push --delay', () => {
  it('keeps an item out of sight until it is due', async () => {
    expect((await sh('rq push jobs --delay 60 later', shell.env)).status).toBe(0);
    const inspect = jsonLines((await sh('rq inspect jobs --json', shell.env)).stdout)[0] as {
      servers: Array<{ queues: Array<Record<string, unknown>> }>;
    };
    expect(inspect.servers[0].queues[0]).toMatchObject({ name: 'jobs', items: 0, delayed: 1 });
    expect(await sh('rq pop jobs', shell.env)).toMatchObject({ status: 1, stderr: 'rq pop: jobs is empty\n' });
    expect((await sh('rq peek jobs', shell.env)).status).toBe(1);
  });

  it('delivers delayed items in due order, not push order, their counts fresh', async () => {
    expect((await sh('rq push jobs --delay 5 slow && rq push jobs --delay 0.1 quick', shell.env)).status).toBe(0);
    await eventually(() => queueStats(shell.srv, 'jobs').delayed === 0, 'both items due', { deadlineMs: 15_000, intervalMs: 50 });
    const items = jsonLines((await sh('rq pop jobs -n 2 --json', shell.env)).stdout);
    expect(items.map((i) => [i.data, i.deliveries])).toEqual([
      ['quick', 1],
      ['slow', 1],
    ]);
  });

  it('refuses a negative, huge or missing delay, and pushes nothing', async () => {
    for (const delay of ['-1', '31536001', '1e12', 'soon', '']) {
      const r = await sh(`rq push jobs --delay ${delay === '' ? '' : `'${delay}'`} x`, shell.env);
      expect({ delay, status: r.status }).toEqual({ delay, status: 2 });
      expect(r.stderr).toContain('--delay');
    }
    expect(queueStats(shell.srv, 'jobs').totalItems).toBe(0);
  });
});

describe('rq release --delay', () => {
  it('gives an item back out of sight, then at the tail once due, its delivery count kept', async () => {
    await sh('rq push jobs first second', shell.env);
    const leased = jsonLines((await sh('rq pop jobs --lease 30 --json --id-file "$T/id"', shell.env)).stdout)[0];
    expect(leased).toMatchObject({ data: 'first', deliveries: 1 });
    const release = await sh('rq release jobs "$(cat "$T/id")" --delay 0.2 --json', shell.env);
    expect(jsonLines(release.stdout)).toEqual([expect.objectContaining({ id: leased.id, released: true })]);
    await eventually(() => queueStats(shell.srv, 'jobs').delayed === 0, 'the released item due', {
      deadlineMs: 10_000,
      intervalMs: 20,
    });
    // Not at the head, as a release without a delay would be: `second` comes first.
    const items = jsonLines((await sh('rq pop jobs -n 2 --json', shell.env)).stdout);
    expect(items.map((i) => [i.data, i.id === leased.id, i.deliveries])).toEqual([
      ['second', false, 1],
      ['first', true, 2],
    ]);
  });

  it('keeps a released item out of sight for its delay', async () => {
    await sh('rq push jobs x && rq pop jobs --lease 30 --id-file "$T/id" > /dev/null', shell.env);
    expect((await sh('rq release jobs "$(cat "$T/id")" --delay 60', shell.env)).status).toBe(0);
    expect(queueStats(shell.srv, 'jobs')).toMatchObject({ items: 0, open: 0, delayed: 1 });
    expect((await sh('rq pop jobs', shell.env)).status).toBe(1);
  });

  it('refuses a bad delay without releasing the item', async () => {
    await sh('rq push jobs x && rq pop jobs --lease 30 --id-file "$T/id" > /dev/null', shell.env);
    const r = await sh('rq release jobs "$(cat "$T/id")" --delay -5', shell.env);
    expect(r.status).toBe(2);
    expect(queueStats(shell.srv, 'jobs')).toMatchObject({ items: 0, open: 1 });
  });
});

describe('rq touch', () => {
  it('keeps an item past its first lease while another reader polls, until it is acknowledged', async () => {
    await sh('rq push jobs long', shell.env);
    expect((await sh('rq pop jobs --lease 1 --id-file "$T/id"', shell.env)).stdout.toString()).toBe('long\n');
    const touch = await sh('rq touch jobs "$(cat "$T/id")" --lease 30 --json', shell.env);
    expect(touch.status).toBe(0);
    expect(jsonLines(touch.stdout)).toEqual([expect.objectContaining({ queue: 'jobs', touched: true })]);
    // Twice the first lease: without the touch the item would have come back to this reader.
    const poll = await sh('rq pop jobs --wait=2', shell.env);
    expect(poll).toMatchObject({ status: 1, stderr: 'rq pop: nothing arrived on jobs\n' });
    expect((await sh('rq ack jobs "$(cat "$T/id")"', shell.env)).status).toBe(0);
    expect(queueStats(shell.srv, 'jobs')).toMatchObject({ items: 0, open: 0, acked: 1 });
  });

  it('exits 1 for an item not held: unknown, acknowledged, or ready', async () => {
    await sh(
      'rq push jobs a b && rq pop jobs --lease 30 --id-file "$T/id" > /dev/null && rq ack jobs "$(cat "$T/id")"',
      shell.env,
    );
    const acked = await sh('rq touch jobs "$(cat "$T/id")" --lease 30', shell.env);
    expect(acked.status).toBe(1);
    expect(acked.stderr).toMatch(/item \d+ is not open on jobs/);
    expect((await sh('rq touch jobs 999 --lease 30', shell.env)).status).toBe(1);
    const ready = jsonLines((await sh('rq peek jobs --json', shell.env)).stdout)[0];
    expect((await sh(`rq touch jobs ${String(ready.id)} --lease 30`, shell.env)).status).toBe(1);
    expect(queueStats(shell.srv, 'jobs')).toMatchObject({ items: 1, open: 0 });
  });

  it('insists on a lease', async () => {
    const r = await sh('rq touch jobs 1', shell.env);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('give the new lease: --lease SECONDS');
  });
});

describe('rq redrive', () => {
  it('moves every item of <queue>.dead back to the tail of <queue>, with data and flags, counts fresh', async () => {
    await sh('rq push jobs.dead one two three --flags 7 && rq push jobs zero', shell.env);
    // Delivered once in the dead queue (a look at it): the moved items start from nothing.
    await sh('rq pop jobs.dead --lease 30 --id-file "$T/id" > /dev/null && rq release jobs.dead "$(cat "$T/id")"', shell.env);
    const moved = await sh('rq redrive jobs -n 2 --json', shell.env);
    expect(moved.status).toBe(0);
    expect(jsonLines(moved.stdout)).toEqual([{ queue: 'jobs', from: 'jobs.dead', moved: 2 }]);
    const rest = await sh('rq redrive jobs', shell.env);
    expect(rest).toMatchObject({ status: 0, stderr: 'rq redrive: moved 1 item from jobs.dead to jobs\n' });
    const items = jsonLines((await sh('rq pop jobs -n 10 --json', shell.env)).stdout);
    expect(items.map((i) => [i.data, i.flags, i.deliveries])).toEqual([
      ['zero', 0, 1],
      ['one', 7, 1],
      ['two', 7, 1],
      ['three', 7, 1],
    ]);
    expect(queueStats(shell.srv, 'jobs.dead')).toMatchObject({ items: 0, open: 0, acked: 3 });
  });

  it('says so, with status 1, when there is nothing to move, and refuses a name with no room for .dead', async () => {
    const missing = await sh('rq redrive jobs', shell.env);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('no queue named jobs.dead');
    expect(queueStats(shell.srv, 'jobs.dead')).toMatchObject({ totalItems: 0 });
    await sh('rq push jobs.dead x && rq pop jobs.dead > /dev/null', shell.env);
    const empty = await sh('rq redrive jobs --json', shell.env);
    expect(empty).toMatchObject({ status: 1, stderr: '' });
    expect(empty.stdout.toString()).toBe('');
    expect((await sh('rq redrive jobs', shell.env)).stderr).toBe('rq redrive: jobs.dead is empty: nothing to move to jobs\n');
    const long = await sh(`rq redrive ${'x'.repeat(246)}`, shell.env);
    expect(long.status).toBe(2);
    expect(long.stderr).toContain('has no dead-letter queue');
  });
});

describe('a fanout queue', () => {
  it('receives its own copy of every item set on its queue once it exists', async () => {
    await sh('rq push orders before', shell.env);
    // A get creates it; what was pushed before is not copied.
    expect((await sh('rq pop orders+billing', shell.env)).status).toBe(1);
    await sh('rq push orders a b', shell.env);
    expect((await sh('rq pop orders+billing -n 5', shell.env)).stdout.toString()).toBe('a\nb\n');
    expect((await sh('rq pop orders -n 5', shell.env)).stdout.toString()).toBe('before\na\nb\n');
  });
});
