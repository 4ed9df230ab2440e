/**
 * The token inbox (src/server/jetstream/token-inbox.ts) on a real NATS server: each answer reaches
 * the request waiting on its token; an answer after its request ended goes to `unmatched`; a
 * request past its deadline expires; closing expires what is open.
 */
import { connect, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenInbox, type Awaiting } from '../../../src/server/jetstream/token-inbox.js';
import { eventually } from '../../helpers/eventually.js';
import { NatsServer, NO_NATS_SERVER } from '../../helpers/nats-cluster.js';

describe.skipIf(NO_NATS_SERVER !== null)(`token inbox${NO_NATS_SERVER ? ` (${NO_NATS_SERVER})` : ''}`, () => {
  let server: NatsServer;
  let nc: NatsConnection;
  beforeAll(async () => {
    server = await NatsServer.start({ jetstream: false });
    nc = await connect({ servers: server.url });
    // An echo service: answers each request with its own data.
    nc.subscribe('echo', {
      callback: (_err, m) => {
        m.respond(m.data);
      },
    });
    await nc.flush();
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });

  /** A request that records what happened to it. */
  function awaiting(deadlineMs: number, log: string[], name: string): Awaiting {
    return {
      deadline: Date.now() + deadlineMs,
      answered: (m) => log.push(`${name}: ${m.string()}`),
      expired: () => log.push(`${name}: expired`),
    };
  }

  it('routes each answer to its token, and the rest to unmatched', async () => {
    const log: string[] = [];
    const unmatched: Msg[] = [];
    const inbox = new TokenInbox(nc, (m) => unmatched.push(m));
    const tokens = ['a', 'b', 'c'].map((name) => inbox.add(awaiting(5_000, log, name)));
    // c ends before its answer comes: the answer is unmatched.
    inbox.end(tokens[2]);
    for (const [i, token] of tokens.entries()) nc.publish('echo', `answer ${i}`, { reply: inbox.replyTo(token) });
    await eventually(
      () => log.length === 2 && unmatched.length === 1,
      () => `${log.join(', ')}; ${unmatched.length}`,
    );
    expect(log.sort()).toEqual(['a: answer 0', 'b: answer 1']);
    expect(unmatched.map((m) => m.string())).toEqual(['answer 2']);
    expect([...inbox.waiting()].length).toBe(2);
    inbox.close();
  });

  it('expires a request past its deadline, and what is open when it closes', async () => {
    const log: string[] = [];
    const inbox = new TokenInbox(nc);
    inbox.add(awaiting(10, log, 'soon'));
    inbox.add(awaiting(60_000, log, 'later'));
    await eventually(() => log.length > 0, 'the first request to expire');
    expect(log).toEqual(['soon: expired']);
    expect(inbox.size).toBe(1);
    inbox.close();
    expect(log).toEqual(['soon: expired', 'later: expired']);
    expect(inbox.size).toBe(0);
  });
});
