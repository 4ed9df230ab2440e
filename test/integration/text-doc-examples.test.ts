/**
 * Replays every transcript of docs/protocol.md marked ```session against a fresh real server and
 * checks each reply byte for byte, so the examples say exactly what the server does.
 *
 * Transcript format (a telnet session): lines starting with `$ ` are the shell and are skipped;
 * a line starting with a reply word (STORED, VALUE, END, …) is the server's; a storage command's
 * data block and a VALUE's data block are taken by their byte counts; every other line is a
 * command the client types. A fence info of `session --max-open N` (or `--max-deliveries N`) starts
 * the server with that limit.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/raw-client.js';
import { startServer, type TestServer } from '../helpers/server.js';

const DOC = fs.readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');

interface Step {
  readonly send: string;
  readonly expect: string;
  readonly quit: boolean;
}

interface Session {
  readonly title: string;
  readonly maxOpen: number | undefined;
  readonly maxDeliveries: number | undefined;
  readonly steps: Step[];
}

const REPLY = /^(STORED|END|DELETED|DEAD_LETTERED|TOUCHED|NOT_FOUND|OK|ERROR)$|^(VALUE|STAT|VERSION|CLIENT_ERROR|SERVER_ERROR) /;
const STORAGE = /^(set|add|replace|append|prepend|cas)$/;

/** Takes lines from `lines[at]` on until they make `bytes` bytes (joined by CRLF); returns the block and the next index. */
function takeBlock(lines: string[], at: number, bytes: number): [string, number] {
  let block = lines[at] ?? '';
  let i = at + 1;
  while (Buffer.byteLength(block, 'latin1') < bytes && i < lines.length) block += '\r\n' + lines[i++];
  return [block, i];
}

function parseSession(body: string): Step[] {
  const lines = body.split('\n').filter((l) => !l.startsWith('$ '));
  const steps: Step[] = [];
  let i = 0;
  while (i < lines.length) {
    const command = lines[i++];
    if (REPLY.test(command)) throw new Error(`a reply with no command before it: ${command}`);
    let send = command + '\r\n';
    const tokens = command.trim().split(/\s+/);
    if (STORAGE.test(tokens[0]) && tokens.length >= 5) {
      const [block, next] = takeBlock(lines, i, Number(tokens[4]));
      send += block + '\r\n';
      i = next;
    }
    let expect = '';
    while (i < lines.length && REPLY.test(lines[i])) {
      const line = lines[i++];
      expect += line + '\r\n';
      if (line.startsWith('VALUE ')) {
        const [block, next] = takeBlock(lines, i, Number(line.split(' ')[3]));
        expect += block + '\r\n';
        i = next;
      }
    }
    steps.push({ send, expect, quit: tokens[0] === 'quit' });
  }
  return steps;
}

function sessions(): Session[] {
  const out: Session[] = [];
  const fence = /```session([^\n]*)\n([\s\S]*?)```/g;
  const text = DOC.slice(0, DOC.indexOf('## Binary protocol'));
  for (const m of text.matchAll(fence)) {
    const maxOpen = /--max-open (\d+)/.exec(m[1])?.[1];
    const maxDeliveries = /--max-deliveries (\d+)/.exec(m[1])?.[1];
    const before = text.slice(0, m.index).trimEnd().split('\n\n').pop() ?? '';
    out.push({
      title: before.split('\n')[0],
      maxOpen: maxOpen ? Number(maxOpen) : undefined,
      maxDeliveries: maxDeliveries ? Number(maxDeliveries) : undefined,
      steps: parseSession(m[2].trimEnd()),
    });
  }
  return out;
}

let srv: TestServer | null = null;
let client: RawClient | null = null;

afterEach(async () => {
  client?.close();
  client = null;
  await srv?.close();
  srv = null;
});

describe('docs/protocol.md transcripts', () => {
  const all = sessions();

  it('has transcripts to replay', () => {
    expect(all.length).toBeGreaterThanOrEqual(4);
  });

  for (const session of all) {
    it(`replays: ${session.title}`, async () => {
      srv = await startServer({ maxOpen: session.maxOpen, limits: { maxDeliveries: session.maxDeliveries ?? Infinity } });
      client = await RawClient.connect(srv.port);
      for (const step of session.steps) {
        client.send(step.send);
        if (step.quit) {
          await client.waitClosed();
          continue;
        }
        const got = await client.readBytes(Buffer.byteLength(step.expect, 'latin1'));
        expect({ sent: step.send, got: got.toString('latin1') }).toEqual({ sent: step.send, got: step.expect });
      }
      if (!client.closed) {
        // Nothing more than the transcript shows: a last round trip must answer exactly.
        expect(await client.request('version\r\n')).toMatch(/^VERSION \d+\.\d+\.\d+\r\n$/);
      }
    });
  }
});
