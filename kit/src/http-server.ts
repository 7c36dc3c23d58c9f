/**
 * Serves an Apollo Server on `node:http`: the one HTTP front door of the router and of every
 * subgraph. It bounds the request body, opens the correlation-id scope, serves `/health` and any
 * extra JSON routes, and hands GraphQL requests (and the landing page on `GET /`) to Apollo.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLResponse } from '@apollo/server';
import type { CorsPolicy } from './cors.js';
import type { Logger } from './logger.js';

export const correlationHeader = 'x-correlation-id';
const correlationIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's correlation id when it is well-formed (letters, digits, `._:-`, at most 128), else a new one. */
export function correlationIdOf(given: unknown): string {
  return typeof given === 'string' && correlationIdPattern.test(given) ? given : randomUUID();
}

/** A route's answer: a string body is sent as text, anything else as JSON. A header may repeat (`set-cookie`). */
export interface RouteAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string | string[]>;
}

/** What the server hands a route beside the request. */
export interface RouteRequest {
  correlationId: string;
  /** Reads the body as text; one over `maxBodyBytes` is answered 413 `PAYLOAD_TOO_LARGE` by the server. */
  text(): Promise<string>;
}

/** Extra routes answered before GraphQL, by path and any method, e.g. `/.well-known/jwks.json`. */
export type Route = (req: IncomingMessage, request: RouteRequest) => Promise<RouteAnswer>;

export interface HttpServerOptions<TContext extends BaseContext> {
  apollo: ApolloServer<TContext>;
  /** Builds the per-request context; may throw a GraphQLError (e.g. UNAUTHENTICATED). */
  context: (req: IncomingMessage, correlationId: string) => Promise<TContext>;
  logger: Logger;
  port: number;
  host?: string;
  /** Requests with a larger body get 413 and `PAYLOAD_TOO_LARGE`. */
  maxBodyBytes: number;
  routes?: Record<string, Route>;
  /** `GET /health` answers 200 while this is true, 503 otherwise. */
  isReady?: () => boolean;
  /** Extra figures for the `/health` answer (e.g. open subscriptions). */
  health?: () => Record<string, unknown>;
  /**
   * Sees Apollo's answer to a GraphQL request, with the request's context (undefined when none was
   * built), before it is written; may replace it (e.g. a streamed `@defer` answer).
   */
  respond?: (response: HTTPGraphQLResponse, context: TContext | undefined) => HTTPGraphQLResponse;
  /**
   * Sees each GraphQL request before Apollo Server (method, query string, parsed body): returns the
   * request to run, possibly rewritten (e.g. a trusted document's id replaced by its text), or a
   * refusal, answered as one GraphQL error with its code and HTTP status.
   */
  admit?: (request: GraphQLHttpRequest) => Pick<GraphQLHttpRequest, 'search' | 'body'> | GraphQLHttpRefusal;
  /** Called once per finished request, e.g. for metrics. */
  onResponse?: (info: { status: number; seconds: number }) => void;
  /** Browser origins allowed to call (see cors.ts); without it no CORS header is sent and no preflight answered. */
  cors?: CorsPolicy;
  /**
   * A second listener for operators only (e.g. `/metrics`), on its own port and interface — loopback
   * unless said otherwise. Its routes are not served on the public port.
   */
  admin?: { port: number; host?: string; routes: Record<string, Route> };
}

/** A GraphQL request as it reaches Apollo Server: method, query string (`?…` or empty), parsed body. */
export interface GraphQLHttpRequest {
  method: string;
  search: string;
  body: unknown;
}

/** A GraphQL request refused before Apollo Server. */
export interface GraphQLHttpRefusal {
  status: number;
  code: string;
  message: string;
}

export interface RunningHttpServer {
  server: Server;
  port: number;
  url: string;
  /** The admin listener's base URL, when there is one. */
  adminUrl?: string;
  stop(): Promise<void>;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function sendRoute(res: ServerResponse, route: Route, req: IncomingMessage, correlationId: string, maxBodyBytes: number) {
  let answer: RouteAnswer;
  try {
    answer = await route(req, { correlationId, text: () => readBody(req, maxBodyBytes) });
  } catch (error) {
    if (!(error instanceof BodyTooLarge)) throw error;
    sendTooLarge(res, maxBodyBytes);
    return;
  }
  if (typeof answer.body === 'string') {
    res.writeHead(answer.status, { 'content-type': 'text/plain; charset=utf-8', ...answer.headers });
    res.end(answer.body);
  } else {
    sendJson(res, answer.status, answer.body, answer.headers);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

const sendTooLarge = (res: ServerResponse, maxBodyBytes: number) =>
  sendJson(res, 413, errorBody('PAYLOAD_TOO_LARGE', `Request body is larger than the limit of ${maxBodyBytes} bytes`), {
    connection: 'close',
  });

const errorBody = (code: string, message: string) => ({ errors: [{ message, extensions: { code } }] });

/** Starts the server; `port: 0` picks a free port (see `url`). */
export async function startHttpServer<TContext extends BaseContext>(
  options: HttpServerOptions<TContext>,
): Promise<RunningHttpServer> {
  const { apollo, logger, maxBodyBytes } = options;

  async function handle(req: IncomingMessage, res: ServerResponse, correlationId: string) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/health') {
      const ready = options.isReady?.() ?? true;
      sendJson(res, ready ? 200 : 503, { status: ready ? 'ok' : 'starting', ...options.health?.() });
      return;
    }
    const route = options.routes?.[url.pathname];
    if (route) {
      await sendRoute(res, route, req, correlationId, maxBodyBytes);
      return;
    }
    if (url.pathname !== '/' && url.pathname !== '/graphql') {
      sendJson(res, 404, errorBody('NOT_FOUND', `No route ${url.pathname}; GraphQL is served at /graphql`));
      return;
    }

    let body: unknown;
    if (req.method === 'POST') {
      let raw: string;
      try {
        raw = await readBody(req, maxBodyBytes);
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          sendTooLarge(res, maxBodyBytes);
          return;
        }
        throw error;
      }
      const isJson = (req.headers['content-type'] ?? '').includes('json');
      try {
        body = isJson && raw.length > 0 ? JSON.parse(raw) : raw;
      } catch {
        sendJson(res, 400, errorBody('BAD_REQUEST', 'Request body is not valid JSON'));
        return;
      }
    }

    const method = (req.method ?? 'GET').toUpperCase();
    let search = url.search;
    if (options.admit) {
      const admitted = options.admit({ method, search, body });
      if ('code' in admitted) {
        // Never cached: a refused id may be listed by the next manifest.
        sendJson(res, admitted.status, errorBody(admitted.code, admitted.message), {
          'cache-control': 'private, no-cache, must-revalidate',
        });
        return;
      }
      ({ search, body } = admitted);
    }

    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    let context: TContext | undefined;
    const answer = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method, headers, search, body },
      context: async () => (context = await options.context(req, correlationId)),
    });
    const response = options.respond ? options.respond(answer, context) : answer;
    for (const [name, value] of response.headers) {
      // Keep the CORS `Vary: Origin` beside whatever Apollo varies on.
      const vary = name === 'vary' ? res.getHeader('vary') : undefined;
      res.setHeader(name, vary ? `${String(vary)}, ${value}` : value);
    }
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  const server = createServer((req, res) => {
    const correlationId = correlationIdOf(req.headers[correlationHeader]);
    res.setHeader(correlationHeader, correlationId);
    const started = process.hrtime.bigint();
    // The CORS preflight is answered before anything else (Apollo's CSRF prevention would refuse it).
    const done = options.cors?.handle(req, res) ?? false;
    (done ? Promise.resolve() : handle(req, res, correlationId))
      .catch((error: unknown) => {
        logger.error({ err: error, correlationId }, 'request failed');
        if (!res.headersSent) sendJson(res, 500, errorBody('INTERNAL_SERVER_ERROR', 'Internal server error'));
        else res.end();
      })
      .finally(() => {
        options.onResponse?.({
          status: res.statusCode,
          seconds: Number(process.hrtime.bigint() - started) / 1e9,
        });
      });
  });
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let admin: { server: Server; url: string } | undefined;
  try {
    if (options.admin) admin = await startAdminServer(options.admin, logger, maxBodyBytes);
  } catch (error) {
    await close(server);
    throw error;
  }
  return {
    server,
    port,
    url: baseUrl(options.host, port),
    adminUrl: admin?.url,
    async stop() {
      await close(server);
      if (admin) await close(admin.server);
    },
  };
}

const baseUrl = (host: string | undefined, port: number) => {
  const shown = host && host !== '0.0.0.0' && host !== '::' ? host : '127.0.0.1';
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
};

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });

/** The operators' listener: its routes (GET), 404 for anything else. */
async function startAdminServer(
  admin: NonNullable<HttpServerOptions<BaseContext>['admin']>,
  logger: Logger,
  maxBodyBytes: number,
) {
  const server = createServer((req, res) => {
    const correlationId = correlationIdOf(req.headers[correlationHeader]);
    const route = admin.routes[new URL(req.url ?? '/', 'http://localhost').pathname];
    if (!route) {
      sendJson(res, 404, errorBody('NOT_FOUND', `No route ${req.url ?? '/'} on the admin port`));
      return;
    }
    sendRoute(res, route, req, correlationId, maxBodyBytes).catch((error: unknown) => {
      logger.error({ err: error }, 'admin request failed');
      if (!res.headersSent) sendJson(res, 500, errorBody('INTERNAL_SERVER_ERROR', 'Internal server error'));
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(admin.port, admin.host ?? '127.0.0.1', () => resolve());
  });
  return { server, url: baseUrl(admin.host ?? '127.0.0.1', (server.address() as AddressInfo).port) };
}
