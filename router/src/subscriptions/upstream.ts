/**
 * The router's side of subgraph subscriptions: one graphql-ws (`graphql-transport-ws`) connection
 * per subgraph, multiplexing every subscription the router holds there. The connection carries no
 * identity; each subscription carries its client's token and correlation id in `extensions` (as an
 * HTTP fetch carries them in headers), and the subgraph verifies the token itself.
 *
 * A small client of our own rather than graphql-ws's `createClient`: a router holds one upstream
 * subscription per live query (10,000 and more), and graphql-ws's client keeps several closures and
 * a promise chain for each; here a subscription is one small object and messages are routed by id.
 *
 * A dropped connection (a subgraph restarting, a replica going away) is opened again with backoff
 * and every subscription is sent again; subgraphs answer with the current state first, so clients
 * miss only the intermediate states of the outage. After `retryAttempts` failed connections in a
 * row, the subscriptions fail with SERVICE_UNAVAILABLE.
 */
import type { GraphQLFormattedError } from 'graphql';
import type { FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import type { Logger } from '#kit/logger';

export interface UpstreamRequest {
  query: string;
  operationName?: string;
  variables: Record<string, unknown>;
  /** `Bearer <client's token>`, verified again by the subgraph. */
  authorization?: string;
  correlationId: string;
}

/** One `next` payload of a subgraph subscription. */
export type UpstreamEvent = FormattedExecutionResult<Record<string, unknown>, unknown>;

export interface UpstreamSink {
  next(event: UpstreamEvent): void;
  /** The subgraph refused or ended the subscription with errors, or could not be reached. */
  error(errors: readonly GraphQLFormattedError[]): void;
  complete(): void;
}

/** An open upstream subscription. */
export interface UpstreamHandle {
  /** Ends it (tells the subgraph); the sink hears nothing more. */
  end(): void;
}

export interface Upstreams {
  /** Opens `request` on `service`. */
  subscribe(service: string, request: UpstreamRequest, sink: UpstreamSink): UpstreamHandle;
  close(): Promise<void>;
}

export interface UpstreamOptions {
  urlOf: (service: string) => string;
  logger: Logger;
  /** Failed connections in a row before the subscriptions fail; default 8 (backoff doubling from 250 ms, at most 5 s). */
  retryAttempts?: number;
  /** A connection without subscriptions closes after this long; default 5 s. */
  idleCloseMs?: number;
  /** Ping interval; a subgraph that misses the pong is dropped and reconnected. Default 10 s. */
  keepAliveMs?: number;
}

class Subscription implements UpstreamHandle {
  constructor(
    readonly connection: SubgraphConnection,
    readonly id: string,
    readonly request: UpstreamRequest,
    readonly sink: UpstreamSink,
  ) {}

  end() {
    this.connection.unsubscribe(this);
  }
}

const protocol = 'graphql-transport-ws';

/** One subgraph's connection and the subscriptions on it. */
class SubgraphConnection {
  private readonly subscriptions = new Map<string, Subscription>();
  private socket: WebSocket | undefined;
  private acknowledged = false;
  private failures = 0;
  private lastId = 0;
  private reconnect: NodeJS.Timeout | undefined;
  private idleClose: NodeJS.Timeout | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  private awaitingPong = false;
  private disposed = false;

  constructor(
    private readonly service: string,
    private readonly url: string,
    private readonly options: UpstreamOptions,
  ) {}

  subscribe(request: UpstreamRequest, sink: UpstreamSink): Subscription {
    const subscription = new Subscription(this, String(++this.lastId), request, sink);
    this.subscriptions.set(subscription.id, subscription);
    clearTimeout(this.idleClose);
    if (this.acknowledged) this.send(subscription);
    else if (!this.socket && !this.reconnect) this.connect();
    return subscription;
  }

  unsubscribe(subscription: Subscription) {
    if (!this.subscriptions.delete(subscription.id)) return;
    if (this.acknowledged) this.socket!.send(`{"type":"complete","id":${JSON.stringify(subscription.id)}}`);
    if (this.subscriptions.size === 0) {
      clearTimeout(this.idleClose);
      this.idleClose = setTimeout(
        () => this.subscriptions.size === 0 && this.socket?.close(1000, 'idle'),
        this.options.idleCloseMs ?? 5_000,
      );
      this.idleClose.unref();
    }
  }

  dispose() {
    this.disposed = true;
    clearTimeout(this.reconnect);
    clearTimeout(this.idleClose);
    this.subscriptions.clear();
    this.socket?.close(1000, 'router stopping');
  }

  private connect() {
    this.reconnect = undefined;
    const socket = new WebSocket(this.url, protocol);
    this.socket = socket;
    socket.on('open', () => socket.send('{"type":"connection_init","payload":{}}'));
    socket.on('message', (data) => this.receive(socket, String(data)));
    socket.on('pong', () => (this.awaitingPong = false));
    socket.on('error', (error) =>
      this.options.logger.debug({ service: this.service, err: error }, 'subscription upstream error'),
    );
    socket.on('close', (code, reason) => this.closed(socket, code, String(reason)));
  }

  private receive(socket: WebSocket, text: string) {
    let message: { type?: string; id?: string; payload?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return socket.close(4400, 'Invalid message received');
    }
    if (message.type === 'connection_ack') return this.acknowledge();
    if (message.type === 'ping') return socket.send('{"type":"pong"}');
    const subscription = message.id === undefined ? undefined : this.subscriptions.get(message.id);
    if (!subscription) return; // ended here already
    if (message.type === 'next') subscription.sink.next(message.payload as UpstreamEvent);
    else if (message.type === 'error') {
      this.subscriptions.delete(subscription.id);
      subscription.sink.error(message.payload as GraphQLFormattedError[]);
    } else if (message.type === 'complete') {
      this.subscriptions.delete(subscription.id);
      subscription.sink.complete();
    }
  }

  private acknowledge() {
    this.acknowledged = true;
    this.failures = 0;
    this.options.logger.debug({ service: this.service, url: this.url }, 'subscription upstream connected');
    for (const subscription of this.subscriptions.values()) this.send(subscription);
    this.keepAlive = setInterval(() => {
      if (this.awaitingPong) return this.socket?.terminate();
      this.awaitingPong = true;
      this.socket?.ping();
    }, this.options.keepAliveMs ?? 10_000);
    this.keepAlive.unref();
  }

  private send(subscription: Subscription) {
    const { query, operationName, variables, authorization, correlationId } = subscription.request;
    const extensions = authorization ? { authorization, correlationId } : { correlationId };
    this.socket!.send(
      JSON.stringify({ type: 'subscribe', id: subscription.id, payload: { query, operationName, variables, extensions } }),
    );
  }

  private closed(socket: WebSocket, code: number, reason: string) {
    if (this.socket !== socket) return;
    clearInterval(this.keepAlive);
    const wasAcknowledged = this.acknowledged;
    this.socket = undefined;
    this.acknowledged = false;
    this.awaitingPong = false;
    if (this.disposed || this.subscriptions.size === 0) return;
    if (!wasAcknowledged) this.failures++;
    const attempts = this.options.retryAttempts ?? 8;
    if (this.failures >= attempts) {
      this.options.logger.error({ service: this.service, url: this.url, code, reason }, 'subscription upstream unreachable');
      const failed = [...this.subscriptions.values()];
      this.subscriptions.clear();
      this.failures = 0;
      const errors = [
        {
          message: `The ${this.service} service cannot be reached; subscribe again later`,
          extensions: { code: 'SERVICE_UNAVAILABLE' },
        },
      ];
      for (const subscription of failed) subscription.sink.error(errors);
      return;
    }
    const delay = Math.min(250 * 2 ** this.failures, 5_000) * (0.5 + Math.random() / 2);
    this.options.logger.warn(
      { service: this.service, url: this.url, code, reason, delay },
      'subscription upstream closed; reconnecting',
    );
    this.reconnect = setTimeout(() => this.connect(), delay);
  }
}

export function createUpstreams(options: UpstreamOptions): Upstreams {
  const connections = new Map<string, SubgraphConnection>();
  const connectionOf = (service: string) => {
    let connection = connections.get(service);
    if (!connection) {
      const url = options.urlOf(service).replace(/^http/, 'ws');
      connections.set(service, (connection = new SubgraphConnection(service, url, options)));
    }
    return connection;
  };
  return {
    subscribe: (service, request, sink) => connectionOf(service).subscribe(request, sink),
    async close() {
      for (const connection of connections.values()) connection.dispose();
      connections.clear();
    },
  };
}
