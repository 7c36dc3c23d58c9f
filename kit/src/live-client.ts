/**
 * A graphql-ws client for tests and benchmarks: connect to a router (or subgraph) over WebSocket and
 * collect what a subscription delivers; and the figures a service reports about its subscriptions.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface LiveConnection {
  client: Client;
  /** Resolves with the close code and reason when the socket closes (the first time). */
  closed: Promise<{ code: number; reason: string }>;
  /** The raw socket once connected (to send protocol messages by hand, e.g. a ping with a fresh token). */
  socket(): Promise<WebSocket>;
  dispose(): Promise<void>;
}

/** Connects to `url` (http(s) URL of a GraphQL endpoint); `token` goes in `connection_init`. */
export function connectLive(url: string, options: { token?: string } = {}): LiveConnection {
  let onClosed!: (event: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  let onSocket!: (socket: WebSocket) => void;
  const opened = new Promise<WebSocket>((resolve) => (onSocket = resolve));
  const client = createClient({
    url: `${url.replace(/^http/, 'ws').replace(/\/$/, '')}${url.endsWith('/graphql') ? '' : '/graphql'}`,
    webSocketImpl: WebSocket,
    lazy: false,
    onNonLazyError: () => {}, // the close is reported through `closed`
    retryAttempts: 0, // a close is the caller's to see, not to be hidden by reconnecting
    connectionParams: options.token ? { authorization: `Bearer ${options.token}` } : {},
    on: {
      connected: (socket) => onSocket(socket as WebSocket),
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string | Buffer };
        onClosed({ code, reason: String(reason) });
      },
    },
  });
  return { client, closed, socket: () => opened, dispose: () => client.dispose() as Promise<void> };
}

export interface Watch<T> {
  /** Every `next` payload, in order. */
  results: {
    data?: T | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  }[];
  /** Resolves when the subscription completes or fails (`error` set then). */
  ended: Promise<{ error?: unknown }>;
  /** Waits until `predicate` holds for the results so far. */
  until(predicate: (results: Watch<T>['results']) => boolean, timeoutMs?: number): Promise<void>;
  stop(): void;
}

export function watch<T = Record<string, unknown>>(
  connection: LiveConnection,
  query: string,
  variables: Record<string, unknown> = {},
): Watch<T> {
  const results: Watch<T>['results'] = [];
  let onEnd!: (outcome: { error?: unknown }) => void;
  const ended = new Promise<{ error?: unknown }>((resolve) => (onEnd = resolve));
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((w) => w());
  const stop = connection.client.subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        results.push(result as Watch<T>['results'][number]);
        notify();
      },
      error: (error) => {
        onEnd({ error });
        notify();
      },
      complete: () => {
        onEnd({});
        notify();
      },
    },
  );
  return {
    results,
    ended,
    stop,
    until(predicate, timeoutMs = 15_000) {
      if (predicate(results)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms; results so far: ${JSON.stringify(results)}`));
        }, timeoutMs);
        const check = () => {
          if (!predicate(results)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
  };
}

/** How many subscriptions the subgraph at `url` (its base URL, `http://host:port`) holds, from its `/health`. */
export async function openSubscriptions(url: string): Promise<number> {
  return ((await (await fetch(`${url}/health`)).json()) as { subscriptions: number }).subscriptions;
}

/**
 * The samples of a Prometheus `/metrics` page at `url` (a router's admin listener, `ROUTER_ADMIN_PORT`),
 * by name with labels (`name{label="value"}`).
 */
export async function metricsOf(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}
