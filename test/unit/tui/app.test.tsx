/** The live App with a real Poller on a manual clock and a scripted source: keys in, frames out. */
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../../src/tui/App.js';
import { Poller } from '../../../src/tui/poller.js';
import { eventually } from '../../helpers/eventually.js';
import { statsReply } from '../../helpers/tui-fixtures.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { ScriptedSource } from '../../helpers/scripted-source.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const DOWN = '\x1b[B';
const ENTER = '\r';
const ESC = '\x1b';

/** Waits, with a deadline, until `ok()` holds, letting React and the poller run in between. */
const plain = (app: ReturnType<typeof render>) => (app.lastFrame() ?? '').replace(/\x1b\[[0-9;]*m/g, '');

/** Waits until the latest frame satisfies `ok`; returns it without colours. */
async function frameWhere(app: ReturnType<typeof render>, ok: (frame: string) => boolean, what: string): Promise<string> {
  await eventually(
    () => ok(plain(app)),
    () => `a frame with ${what}; last:\n${plain(app)}`,
  );
  return plain(app);
}

async function start() {
  const clock = new ManualClock();
  const source = new ScriptedSource();
  source.answer('s:1', statsReply({}, { alpha: { items: 3 }, beta: { items: 9 }, gamma: { items: 1 } }));
  source.head = { id: 5, flags: 0, data: Buffer.from('beta-head') };
  const poller = new Poller({ servers: ['s:1'], source, intervalMs: 1000, clock });
  const app = render(<App poller={poller} />);
  cleanups.push(() => {
    app.unmount();
    poller.stop();
  });
  poller.start();
  await frameWhere(app, (f) => f.includes('gamma'), 'the queues');
  return { clock, source, poller, app };
}

describe('App', () => {
  it('sorts by depth, moves the selection, opens the detail with a peek, and comes back', async () => {
    const { app, source } = await start();
    await frameWhere(app, (f) => /beta[\s\S]*alpha[\s\S]*gamma/.test(f), 'depth order');
    app.stdin.write(DOWN);
    app.stdin.write(ENTER);
    let frame = await frameWhere(app, (f) => f.includes('beta-head'), 'the detail view with the peeked head');
    expect(frame).toContain('queue alpha');
    expect(frame).toContain('head item (peek, not consumed) on s:1: id 5');
    expect(source.peeks.at(-1)).toEqual(['s:1', 'alpha']);
    app.stdin.write(ESC);
    frame = await frameWhere(app, (f) => f.includes('QUEUE'), 'the table again');
    expect(frame).toContain('sort depth');
  });

  it('cycles the sort, filters by name, pauses, and shows the help', async () => {
    const { app, poller } = await start();
    app.stdin.write('s');
    await frameWhere(app, (f) => f.includes('sort age'), 'sort age');
    app.stdin.write('/');
    app.stdin.write('am');
    await frameWhere(app, (f) => f.includes('filter: am'), 'the filter being typed');
    app.stdin.write(ENTER);
    const frame = await frameWhere(app, (f) => f.includes('filter "am"'), 'the filter kept');
    expect(frame).toContain('gamma');
    expect(frame).not.toMatch(/^beta/m);
    app.stdin.write('p');
    await frameWhere(app, (f) => f.includes('PAUSED'), 'the pause');
    await eventually(() => poller.getSnapshot().paused, 'the poller to pause');
    app.stdin.write('?');
    await frameWhere(app, (f) => f.includes('rq top: keys'), 'the help');
  });

  it('quits on q', async () => {
    const { app } = await start();
    expect(app.stdin.listenerCount('readable')).toBeGreaterThan(0);
    app.stdin.write('q');
    // useApp().exit() unmounts, and Ink stops reading the keyboard.
    await eventually(() => app.stdin.listenerCount('readable') === 0, 'Ink to let go of stdin');
    const before = app.frames.length;
    app.stdin.write('s');
    await new Promise((r) => setImmediate(r));
    expect(app.frames.length).toBe(before);
  });
});
