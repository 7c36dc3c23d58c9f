/**
 * The conformance harness: a fixture's subgraphs served over real HTTP, composed, and put behind two
 * gateways at once — the Meridian router (whatever executor it runs) and a plain `@apollo/gateway`
 * (the reference). Each case sends the same operation to both, like a client, and checks Meridian's
 * answer against an expected answer written from federation's semantics AND against the reference's
 * answer. Black-box: nothing here knows how the router executes a plan.
 *
 *   client ──POST──▶ Meridian router ──┐
 *                                       ├──▶ subgraph servers (graphql-js over in-memory data)
 *   client ──POST──▶ @apollo/gateway ───┘
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { graphql, GraphQLError, parse, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { expect } from 'vitest';
import { createErrorFormatter } from '#kit/error-formatter';
import { createLogger } from '#kit/logger';
import { startRouter, type RouterOptions, type RunningRouter } from '../../router.ts';

/** One subgraph of a fixture: its SDL (fed 2 with `@link`, or fed 1 without) and its resolvers. */
export interface SubgraphFixture {
  name: string;
  typeDefs: string;
  resolvers: GraphQLResolverMap<unknown>;
}

/** What a subgraph server does with the next requests: answer, or fail as a broken service does. */
export type SubgraphBehaviour = 'answer' | 'http-500';

/** A fixture's subgraph served over HTTP, with the operations it received (the upstream side of a case). */
export interface ServedSubgraph {
  name: string;
  url: string;
  /** Every operation received, in arrival order, with the identity the router forwarded. */
  received: { query: string; variables?: Record<string, unknown>; authorization?: string }[];
  behaviour: SubgraphBehaviour;
  /** Holds every answer this long (requests that overlap in flight, timeouts). */
  delayMs: number;
  /** Closes the server (and its connections): the subgraph is down, its port refuses connections. */
  stop(): Promise<void>;
  /** Serves again on the same port after `stop()` (nothing to do if it is serving). */
  restart(): Promise<void>;
}

/** A GraphQL response as a client reads it off the wire. */
export interface WireResponse {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: GraphQLFormattedError[] };
}

/** The part of an error a client may rely on, and that both gateways must agree on. */
export interface ComparableError {
  message: string;
  path?: (string | number)[];
  code?: unknown;
}

/** An answer reduced to what must match: data, and errors in a stable order. */
export interface Answer {
  data?: Record<string, unknown> | null;
  errors?: ComparableError[];
}

export interface Federation {
  supergraphSdl: string;
  subgraphs: Record<string, ServedSubgraph>;
  /** The Meridian router's GraphQL endpoint. */
  meridianUrl: string;
  /** Meridian's admin listener (`/metrics`). */
  meridianAdminUrl: string;
  /** The plain `@apollo/gateway` endpoint. */
  gatewayUrl: string;
  stop(): Promise<void>;
}

export interface FederationOptions {
  /** Subgraphs composed into the supergraph but not served: their URL refuses connections. */
  unreachable?: string[];
  /** Router options beyond the harness's own (e.g. `dedup`, `verifyToken`, `subgraphTimeoutMs`). */
  router?: Partial<RouterOptions>;
}

/**
 * Serves each subgraph on its own port, composes them (failing loudly on composition errors), and
 * starts the Meridian router and a plain `@apollo/gateway` on the supergraph.
 */
export async function startFederation(fixtures: SubgraphFixture[], options: FederationOptions = {}): Promise<Federation> {
  const subgraphs: Record<string, ServedSubgraph> = {};
  const directory = mkdtempSync(join(tmpdir(), 'meridian-conformance-'));
  let router: RunningRouter | undefined;
  let gateway: ApolloServer | undefined;
  const stop = async () => {
    await router?.stop();
    await gateway?.stop();
    for (const subgraph of Object.values(subgraphs)) await subgraph.stop();
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    for (const fixture of fixtures) {
      subgraphs[fixture.name] = options.unreachable?.includes(fixture.name)
        ? await unreachableSubgraph(fixture.name)
        : await serveSubgraph(fixture);
    }
    const supergraphSdl = compose(fixtures, subgraphs);
    const supergraphPath = join(directory, 'supergraph.graphql');
    writeFileSync(supergraphPath, supergraphSdl);

    router = await startRouter({
      supergraphPath,
      port: 0,
      host: '127.0.0.1',
      production: false,
      maxBodyBytes: 1_000_000,
      // No case sends a token: nothing is ever verified against this (closed) JWKS address.
      tokens: { jwksUrl: 'http://127.0.0.1:9/.well-known/jwks.json', issuer: 'meridian-auth', audience: 'meridian' },
      logger: createLogger('router', 'silent'),
      ...options.router,
    });
    gateway = new ApolloServer({
      gateway: new ApolloGateway({ supergraphSdl, logger: silentLogger }),
      introspection: true,
      logger: silentLogger,
    });
    const { url } = await startStandaloneServer(gateway, { listen: { port: 0, host: '127.0.0.1' } });
    return {
      supergraphSdl,
      subgraphs,
      meridianUrl: `${router.url}/graphql`,
      meridianAdminUrl: router.adminUrl,
      gatewayUrl: url,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };

function compose(fixtures: SubgraphFixture[], served: Record<string, ServedSubgraph>): string {
  const result = composeServices(fixtures.map((f) => ({ name: f.name, typeDefs: parse(f.typeDefs), url: served[f.name]!.url })));
  if (result.errors) throw new Error(`fixture does not compose:\n${result.errors.map((e) => e.message).join('\n')}`);
  return result.supergraphSdl;
}

/** A bare node:http + graphql-js subgraph server: POST JSON in, JSON out, nothing else. */
async function serveSubgraph(fixture: SubgraphFixture): Promise<ServedSubgraph> {
  const schema: GraphQLSchema = buildSubgraphSchema({ typeDefs: parse(fixture.typeDefs), resolvers: fixture.resolvers });
  const served: ServedSubgraph = {
    name: fixture.name,
    url: '',
    received: [],
    behaviour: 'answer',
    delayMs: 0,
    stop: async () => {},
    restart: async () => {},
  };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      query: string;
      variables?: Record<string, unknown>;
      operationName?: string;
    };
    served.received.push({ query: request.query, variables: request.variables, authorization: req.headers.authorization });
    if (served.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, served.delayMs));
    if (served.behaviour === 'http-500') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('the service crashed');
      return;
    }
    const result = await graphql({
      schema,
      source: request.query,
      variableValues: request.variables,
      operationName: request.operationName,
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
  });
  const port = await listen(server);
  served.url = `http://127.0.0.1:${port}/graphql`;
  served.stop = () => closeServer(server);
  served.restart = async () => {
    if (!server.listening) await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  };
  return served;
}

/** A subgraph whose URL refuses connections: a port that was free a moment ago and is closed again. */
async function unreachableSubgraph(name: string): Promise<ServedSubgraph> {
  const server = createServer();
  const port = await listen(server);
  await closeServer(server);
  return {
    name,
    url: `http://127.0.0.1:${port}/graphql`,
    received: [],
    behaviour: 'answer',
    delayMs: 0,
    stop: async () => {},
    restart: async () => {},
  };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** POSTs an operation as a client does. */
export async function post(url: string, query: string, variables?: Record<string, unknown>): Promise<WireResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as WireResponse['body'] };
}

/**
 * Meridian's error policy (kit's errors.ts) as it applies to an error the reference gateway answered:
 * a code outside Meridian's vocabulary (the gateway's DOWNSTREAM_SERVICE_ERROR, a subgraph's own)
 * reaches clients as INTERNAL_SERVER_ERROR. That is a Meridian feature, not a conformance difference.
 */
const meridianPolicy = createErrorFormatter({ exposeInternals: true });

function comparable(error: GraphQLFormattedError, viaMeridianPolicy: boolean): ComparableError {
  const formatted = viaMeridianPolicy
    ? meridianPolicy(error, new GraphQLError(error.message, { extensions: error.extensions }))
    : error;
  return {
    message: error.message,
    ...(error.path ? { path: [...error.path] } : {}),
    ...(formatted.extensions?.code !== undefined ? { code: formatted.extensions.code } : {}),
  };
}

/** Errors by path (list indices as numbers), then by message; pathless errors first. */
function errorOrder(a: ComparableError, b: ComparableError): number {
  const [p, q] = [a.path ?? [], b.path ?? []];
  for (let i = 0; i < Math.min(p.length, q.length); i++) {
    const [x, y] = [p[i]!, q[i]!];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x).localeCompare(String(y));
  }
  if (p.length !== q.length) return p.length - q.length;
  return typeof a.message === 'string' && typeof b.message === 'string' ? a.message.localeCompare(b.message) : 0;
}

/**
 * An answer reduced to data and comparable errors. The spec leaves the order of `errors` open and
 * an executor that runs fetches in parallel may list them differently: they are sorted by path.
 */
export function answerOf(response: WireResponse, viaMeridianPolicy = false): Answer {
  const { data, errors } = response.body;
  return {
    ...(data !== undefined ? { data } : {}),
    ...(errors ? { errors: errors.map((e) => comparable(e, viaMeridianPolicy)).sort(errorOrder) } : {}),
  };
}

export interface CaseOptions {
  variables?: Record<string, unknown>;
  /**
   * The plain `@apollo/gateway` answers this case wrongly (a known gap): Meridian is held to the
   * expected answer only, not to the reference's.
   */
  referenceIsWrong?: boolean;
  /** Runs before the operation is sent to each gateway (resets state a mutation changes). */
  beforeEach?: () => void;
  /** Expected HTTP status of both answers (default 200; `null`: not checked). */
  status?: number | null;
  /**
   * `exact` (default): errors as in `expected.errors`. `reported`: data as expected, and at least one
   * error reported — in `errors` or, as `@apollo/gateway` reports a non-null violation it detects
   * itself, in `extensions.valueCompletion` — with any message and path (`expected.errors` unused).
   */
  errors?: 'exact' | 'reported';
}

/**
 * Every error a response reports: its `errors`, and the non-null violations `@apollo/gateway` lists
 * in `extensions.valueCompletion` instead (no GraphQL spec behaviour; Meridian may do either).
 */
export function reportedErrors(response: WireResponse): ComparableError[] {
  const body = response.body as WireResponse['body'] & { extensions?: { valueCompletion?: GraphQLFormattedError[] } };
  return [...(body.errors ?? []), ...(body.extensions?.valueCompletion ?? [])].map((e) => comparable(e, false)).sort(errorOrder);
}

/**
 * One conformance case: sends `query` to Meridian and to the reference gateway, one after the
 * other, and asserts that Meridian answers `expected` (errors sorted by path, each as message, path,
 * code) and the same as the reference, down to the order of fields. Returns both raw responses for
 * extra checks.
 */
export async function expectAnswer(
  federation: Federation,
  query: string,
  expected: Answer,
  options: CaseOptions = {},
): Promise<{ meridian: WireResponse; reference: WireResponse }> {
  options.beforeEach?.();
  const meridian = await post(federation.meridianUrl, query, options.variables);
  options.beforeEach?.();
  const reference = await post(federation.gatewayUrl, query, options.variables);
  const status = options.status === undefined ? 200 : options.status;
  const exact = options.errors !== 'reported';
  const reduce = (response: WireResponse, viaMeridianPolicy = false) => {
    const answer = answerOf(response, viaMeridianPolicy);
    return exact ? answer : { data: answer.data };
  };

  const sortedExpected = expected.errors ? { ...expected, errors: [...expected.errors].sort(errorOrder) } : expected;
  expect(reduce(meridian), 'Meridian answers as federation specifies').toEqual(exact ? sortedExpected : { data: expected.data });
  if (!exact) expect(reportedErrors(meridian).length, 'Meridian reports an error').toBeGreaterThan(0);
  if (status !== null) expect(meridian.status, 'Meridian HTTP status').toBe(status);
  if (!options.referenceIsWrong) {
    expect(reduce(meridian), 'Meridian answers as plain @apollo/gateway does').toEqual(reduce(reference, true));
    // toEqual ignores key order; the spec orders a response's fields as the operation selects them.
    expect(JSON.stringify(meridian.body.data), 'fields in the order of the operation').toBe(JSON.stringify(reference.body.data));
    if (status !== null) expect(reference.status, 'plain @apollo/gateway HTTP status').toBe(status);
  }
  return { meridian, reference };
}

/** Expected-answer shorthand for an error: `err('msg', ['a', 0, 'b'], 'CODE')`. */
export function err(message: string | RegExp, path?: (string | number)[], code?: string): ComparableError {
  return {
    message: typeof message === 'string' ? message : (expect.stringMatching(message) as unknown as string),
    ...(path ? { path } : {}),
    ...(code ? { code } : {}),
  };
}
