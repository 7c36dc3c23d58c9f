import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLObjectType, GraphQLSchema, GraphQLString, GraphQLInt, GraphQLNonNull } from 'graphql';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { createErrorFormatter } from './error-formatter.js';
import { startGraphQLWs, tooSlowCloseCode, type GraphQLWsServer, type WsServerOptions } from './graphql-ws-server.js';
import { createLogger } from './logger.js';
import { eventually } from './testing.js';

/** `ticks(size)`: an endless stream of `size`-character strings, as fast as they are taken. */
let produced = 0;
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString, resolve: () => 'ok' } } }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      ticks: {
        type: GraphQLString,
        args: { size: { type: new GraphQLNonNull(GraphQLInt) } },
        subscribe: async function* (_: unknown, { size }: { size: number }) {
          for (;;) {
            produced++;
            yield { ticks: 'x'.repeat(size) };
            await new Promise((r) => setImmediate(r));
          }
        },
      },
    },
  }),
});

let http: Server;
let live: GraphQLWsServer;
afterEach(async () => {
  await live?.stop();
  await new Promise((r) => http?.close(r));
});

async function start(options: { maxBufferedBytes?: number; keepAliveMs?: number; graphqlWs?: WsServerOptions } = {}) {
  http = createServer((_req, res) => res.end());
  live = startGraphQLWs({
    server: http,
    logger: createLogger('test', 'silent'),
    formatError: createErrorFormatter({ exposeInternals: false }),
    graphqlWs: { schema },
    ...options,
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return `ws://127.0.0.1:${(http.address() as AddressInfo).port}/graphql`;
}

/** A raw protocol client: connects, initialises, waits for the ack. */
async function connect(url: string) {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  const messages: { type: string; id?: string; payload?: unknown }[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise((r) => socket.once('open', r));
  socket.send(JSON.stringify({ type: 'connection_init' }));
  await eventually(() => messages.some((m) => m.type === 'connection_ack'), 'the server acknowledges connection_init');
  return { socket, messages, closed };
}

describe('graphql-ws transport', () => {
  it('closes a client that does not read (1013) once its buffer passes the limit, and stops producing for it', async () => {
    const url = await start({ maxBufferedBytes: 256 * 1024 });
    const client = await connect(url);
    (client.socket as unknown as { _socket: { pause(): void } })._socket.pause(); // stop reading
    produced = 0;
    client.socket.send(JSON.stringify({ type: 'subscribe', id: '1', payload: { query: 'subscription { ticks(size: 65536) }' } }));
    await eventually(() => live.connections() === 0, 'the server drops the slow client');
    expect(live.connections()).toBe(0); // closed, then dropped when the close handshake could not finish
    const stoppedAt = produced;
    await new Promise((r) => setTimeout(r, 200));
    expect(produced).toBe(stoppedAt); // the subscription was ended with the connection
    // Tens of megabytes would have been produced by now without the bound; a few hundred KB were.
    expect(stoppedAt * 65_536).toBeLessThan(64 * 1024 * 1024);
    (client.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    const closed = await client.closed;
    expect([tooSlowCloseCode, 1006]).toContain(closed.code);
  });

  it('delivers to a client that reads, and closes everyone with 1001 on stop', async () => {
    const url = await start();
    const client = await connect(url);
    client.socket.send(JSON.stringify({ type: 'subscribe', id: '1', payload: { query: 'subscription { ticks(size: 3) }' } }));
    await eventually(() => client.messages.filter((m) => m.type === 'next').length >= 5, 'five results arrive');
    expect(client.messages.find((m) => m.type === 'next')).toEqual({
      type: 'next',
      id: '1',
      payload: { data: { ticks: 'xxx' } },
    });
    await live.stop();
    expect((await client.closed).code).toBe(1001);
  });

  it('answers a ping without echoing its payload (it may carry a token)', async () => {
    const url = await start();
    const client = await connect(url);
    client.socket.send(JSON.stringify({ type: 'ping', payload: { authorization: 'Bearer secret' } }));
    await eventually(() => client.messages.some((m) => m.type === 'pong'), 'the pong arrives');
    expect(client.messages.find((m) => m.type === 'pong')).toEqual({ type: 'pong' });
    client.socket.close();
  });

  it('drops a peer that stops answering keep-alive pings', async () => {
    const url = await start({ keepAliveMs: 100 });
    const client = await connect(url);
    // ws answers pings automatically; a dead peer does not: stop reading, so no pong goes back.
    (client.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    await eventually(() => live.connections() === 0, 'the server drops the silent peer', 3_000, 20);
    expect(live.connections()).toBe(0);
  });

  it('masks what a result carries as a plain Error (an unreachable service) in production', async () => {
    const url = await start({
      graphqlWs: {
        schema,
        async *subscribe() {
          yield { data: { ticks: null }, errors: [new Error('connect ECONNREFUSED 127.0.0.1:4005')] };
        },
      } as WsServerOptions,
    });
    const client = await connect(url);
    client.socket.send(JSON.stringify({ type: 'subscribe', id: '1', payload: { query: 'subscription { ticks(size: 1) }' } }));
    await eventually(() => client.messages.some((m) => m.type === 'next'), 'the result arrives');
    expect(client.messages.find((m) => m.type === 'next')!.payload).toEqual({
      data: { ticks: null },
      errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
    });
    client.socket.close();
  });

  it('refuses upgrades on other paths', async () => {
    const url = await start();
    const socket = new WebSocket(url.replace('/graphql', '/elsewhere'), 'graphql-transport-ws');
    const outcome = await new Promise((resolve) => {
      socket.on('unexpected-response', (_req, res) => resolve(res.statusCode));
      socket.on('error', () => resolve('error'));
    });
    expect(outcome).toBe(404);
  });
});
