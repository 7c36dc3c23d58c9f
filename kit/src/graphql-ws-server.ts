/**
 * GraphQL over WebSocket (the `graphql-transport-ws` protocol of graphql-ws) on an existing HTTP
 * server, same port and path as HTTP GraphQL. graphql-ws's `makeServer` speaks the protocol; this
 * file is the transport around it, shared by the router and the subgraphs:
 *
 * - upgrades only on `path`, with the graphql-ws subprotocol; bounded incoming message size;
 * - keep-alive: a WebSocket ping every `keepAliveMs`; a peer that misses the pong is dropped;
 * - bounded buffers: a client that does not read is closed with 1013 (try again later) once more
 *   than `maxBufferedBytes` wait to be sent to it — memory per slow client stays bounded, and a
 *   graphql-ws client reconnects and resubscribes (each subscription starts with the current state);
 * - errors leave through the shared formatter (codes kept, internals masked in production);
 * - `stop()` closes every connection with 1001 (going away), which clients reconnect from.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { clientAddressOf, loopbackProxies, trustedProxies } from './client-address.js';
import { correlationHeader, correlationIdOf } from './http-server.js';
import type { Logger } from './logger.js';

/** What each connection's graphql-ws context carries in `extra`. */
export interface WsExtra {
  socket: WebSocket;
  /** The end client's address (see `clientAddressOf`), worked out at the upgrade (the request is not kept). */
  clientAddress: string;
  /** From the upgrade request's `x-correlation-id` when well-formed, else new. */
  correlationId: string;
  /** Closes the connection; the first close wins (later ones are ignored). */
  close(code: number, reason: string): void;
}

export type WsServerOptions = Omit<ServerOptions<Record<string, unknown>, WsExtra>, 'onNext' | 'onError'>;

export interface GraphQLWsOptions {
  server: Server;
  logger: Logger;
  /** graphql-ws's server options (schema or execution hooks, onConnect, onSubscribe, ...). */
  graphqlWs: WsServerOptions;
  /** The error formatter results and errors pass through (see `createErrorFormatter`). */
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  path?: string;
  /** Largest incoming message (bytes); default 256 KiB. */
  maxMessageBytes?: number;
  /** Default 12 s. */
  keepAliveMs?: number;
  /** Bytes allowed to wait for a slow client before it is closed; default 1 MiB. */
  maxBufferedBytes?: number;
  /** Peers allowed to name the client in `x-forwarded-for`: addresses and CIDR ranges (see `trustedProxies`). Default: loopback. */
  trustedProxies?: string[];
}

export interface GraphQLWsServer {
  /** Open WebSocket connections. */
  connections(): number;
  /** Closes every connection with 1001 and stops accepting new ones. */
  stop(): Promise<void>;
}

/** Sockets pinged per turn of the event loop by the keep-alive sweep. */
const keepAliveSlice = 256;

/** Close code for a client closed because it does not keep up (RFC 6455 "Try Again Later"). */
export const tooSlowCloseCode = 1013;

const connectionOf = Symbol('graphql-ws connection');
type TrackedSocket = WebSocket & { [connectionOf]?: Connection };

interface Shared {
  logger: Logger;
  maxBufferedBytes: number;
}

/**
 * One WebSocket connection: graphql-ws's socket adapter and the `extra` of its context. A class with
 * listeners shared by all sockets (they find their connection on the socket), not closures per
 * connection: a router holds tens of thousands of these.
 */
class Connection implements WsExtra {
  closed: ((code: number, reason: string) => Promise<void>) | undefined;
  /** Pinged by the keep-alive sweep and not answered yet. */
  unanswered = false;
  private handle: ((data: string) => Promise<void>) | undefined;
  private closing = false;
  private ended = false;

  constructor(
    readonly socket: WebSocket,
    readonly clientAddress: string,
    readonly correlationId: string,
    private readonly shared: Shared,
  ) {}

  get protocol() {
    return this.socket.protocol;
  }

  send(data: string) {
    const { socket } = this;
    if (this.closing || socket.readyState !== socket.OPEN) return;
    socket.send(data);
    if (socket.bufferedAmount > this.shared.maxBufferedBytes) {
      this.shared.logger.warn(
        { correlationId: this.correlationId, buffered: socket.bufferedAmount },
        'websocket client too slow; closing it',
      );
      this.close(tooSlowCloseCode, 'Too slow: more than the buffer limit waits to be sent; reconnect');
    }
  }

  /** Closes the connection; the first close wins. */
  close(code: number, reason: string) {
    if (this.closing) return;
    this.closing = true;
    this.socket.close(code, reason);
    this.end(code, reason);
    // A peer that never answers the close frame must not hold the socket.
    const socket = this.socket;
    setTimeout(() => socket.terminate(), 3_000).unref();
  }

  onMessage(handle: (data: string) => Promise<void>) {
    this.handle = handle;
  }

  /** Pongs carry no payload: a ping's payload may hold a refreshed token, never echoed back. */
  onPing() {
    if (!this.closing && this.socket.readyState === this.socket.OPEN) this.socket.send('{"type":"pong"}');
  }

  receive(data: string) {
    this.handle?.(data).catch((error: unknown) => {
      this.shared.logger.error({ err: error, correlationId: this.correlationId }, 'websocket message failed');
      this.close(CloseCode.InternalServerError, 'Internal server error');
    });
  }

  /** Ends the connection's subscriptions and runs the close hooks, once: at our close, or the peer's. */
  end(code: number, reason: string) {
    if (this.ended) return;
    this.ended = true;
    this.closed?.(code, reason).catch((error: unknown) => this.shared.logger.error({ err: error }, 'websocket close failed'));
  }

  warn(error: Error) {
    this.shared.logger.warn({ err: error, correlationId: this.correlationId }, 'websocket error');
  }
}

function onSocketMessage(this: TrackedSocket, data: RawData) {
  this[connectionOf]?.receive(String(data));
}
function onSocketPong(this: TrackedSocket) {
  const connection = this[connectionOf];
  if (connection) connection.unanswered = false;
}
function onSocketError(this: TrackedSocket, error: Error) {
  this[connectionOf]?.warn(error);
}
function onSocketClose(this: TrackedSocket, code: number, reason: Buffer) {
  this[connectionOf]?.end(code, String(reason));
}

export function startGraphQLWs(options: GraphQLWsOptions): GraphQLWsServer {
  const { logger, formatError } = options;
  const path = options.path ?? '/graphql';
  const keepAliveMs = options.keepAliveMs ?? 12_000;
  const maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
  const proxies = options.trustedProxies ? trustedProxies(options.trustedProxies) : loopbackProxies;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxMessageBytes ?? 256 * 1024,
    handleProtocols: (protocols) => handleProtocols(protocols),
    perMessageDeflate: false,
  });
  // Results may carry GraphQLErrors (executed here), plain Errors (the gateway's executor reports an
  // unreachable subgraph so), or errors formatted already (by Apollo Server).
  const format = (error: GraphQLError | GraphQLFormattedError | Error) => {
    if (error instanceof GraphQLError) return formatError(error.toJSON(), error);
    if (error instanceof Error) {
      const wrapped = new GraphQLError(error.message, { originalError: error });
      return formatError(wrapped.toJSON(), wrapped);
    }
    return error;
  };
  const shared: Shared = { logger, maxBufferedBytes };
  const protocol = makeServer<Record<string, unknown>, WsExtra>({
    ...options.graphqlWs,
    onNext: (_ctx, _id, _payload, _args, result) =>
      result.errors ? { ...result, errors: result.errors.map(format) } : undefined,
    onError: (_ctx, _id, _payload, errors) => errors.map(format),
  });

  function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer) {
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== path) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws: TrackedSocket) => {
      const connection = new Connection(
        ws,
        clientAddressOf(request, proxies),
        correlationIdOf(request.headers[correlationHeader]),
        shared,
      );
      ws[connectionOf] = connection;
      ws.on('message', onSocketMessage);
      ws.on('pong', onSocketPong);
      ws.on('error', onSocketError);
      ws.once('close', onSocketClose);
      connection.closed = protocol.opened(connection, connection);
    });
  }

  // One keep-alive sweep for every connection (not a timer each): a socket that has not answered
  // the previous ping is dropped, the others are pinged again. The sweep goes a slice of sockets at a
  // time, yielding to the event loop in between: pinging 10,000 sockets in one go blocked every
  // event for ~200-350 ms (npm run bench subscriptions).
  let sweeping = false;
  const keepAlive = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    const sockets = [...wss.clients] as TrackedSocket[];
    let next = 0;
    const sweepSlice = () => {
      const end = Math.min(next + keepAliveSlice, sockets.length);
      for (; next < end; next++) {
        const socket = sockets[next]!;
        const connection = socket[connectionOf];
        if (!connection || socket.readyState !== socket.OPEN) continue;
        if (connection.unanswered) {
          socket.terminate();
          continue;
        }
        connection.unanswered = true;
        socket.ping();
      }
      if (next < sockets.length) setImmediate(sweepSlice);
      else sweeping = false;
    };
    sweepSlice();
  }, keepAliveMs);
  keepAlive.unref();

  options.server.on('upgrade', onUpgrade);
  return {
    connections: () => wss.clients.size,
    async stop() {
      options.server.off('upgrade', onUpgrade);
      clearInterval(keepAlive);
      for (const socket of wss.clients) socket.close(1001, 'Going away: the server is restarting; reconnect');
      await new Promise<void>((resolve) => {
        const deadline = setTimeout(() => {
          for (const socket of wss.clients) socket.terminate();
        }, 2_000);
        wss.close(() => {
          clearTimeout(deadline);
          resolve();
        });
      });
    },
  };
}

/**
 * Maps each item of an async iterable; `return()` (the client completed or left) reaches the source,
 * and `onEnd` runs once however the iteration ends.
 */
export function mapAsyncIterable<T, R>(source: AsyncIterable<T>, map: (item: T) => R | Promise<R>, onEnd?: () => void) {
  const iterator = source[Symbol.asyncIterator]();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    onEnd?.();
  };
  const mapped: AsyncGenerator<R, undefined> = {
    async next() {
      const item = await iterator.next().catch((error: unknown) => {
        end();
        throw error;
      });
      if (item.done) {
        end();
        return { done: true, value: undefined };
      }
      return { done: false, value: await map(item.value) };
    },
    async return() {
      end();
      await iterator.return?.();
      return { done: true, value: undefined };
    },
    async throw(error: unknown) {
      end();
      await iterator.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return mapped;
    },
  };
  return mapped;
}
