/**
 * The router at the edge, as a browser meets it: CORS preflights answered before Apollo's CSRF
 * prevention, CORS headers on an allowed origin's answers and none on another's, the defaults of
 * each mode — and `/metrics` on the admin port only. Real routers over real subgraph servers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '#kit/logger';
import { startFederation, type Federation } from './execution/conformance/harness.ts';
import { shop } from './execution/conformance/fixtures/shop.ts';
import { startRouter, type RouterOptions, type RunningRouter } from './router.ts';

let federation: Federation;
let directory: string;
const routers: RunningRouter[] = [];
/** The router under test: these origins, credentials off. */
let router: RunningRouter;

async function anotherRouter(options: Partial<RouterOptions>): Promise<RunningRouter> {
  const started = await startRouter({
    supergraphPath: join(directory, 'supergraph.graphql'),
    port: 0,
    production: false,
    maxBodyBytes: 1_000_000,
    tokens: { jwksUrl: 'http://127.0.0.1:9/.well-known/jwks.json', issuer: 'meridian-auth', audience: 'meridian' },
    logger: createLogger('router', 'silent'),
    ...options,
  });
  routers.push(started);
  return started;
}

beforeAll(async () => {
  federation = await startFederation([...shop]);
  directory = mkdtempSync(join(tmpdir(), 'meridian-edge-cors-'));
  writeFileSync(join(directory, 'supergraph.graphql'), federation.supergraphSdl);
  router = await anotherRouter({
    cors: { origins: ['https://app.example.com', 'https://*.shop.example.com', 'http://localhost:*'] },
  });
});
afterAll(async () => {
  for (const started of routers) await started.stop();
  await federation?.stop();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

/** What a browser sends before a JSON POST with a bearer token. */
const preflight = (url: string, origin: string) =>
  fetch(`${url}/graphql`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type,x-correlation-id',
    },
  });

const post = (url: string, origin: string, contentType = 'application/json') =>
  fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { origin, 'content-type': contentType },
    body: JSON.stringify({ query: '{ topProducts(first: 1) { name } }' }),
  });

describe('CORS: an allowed origin', () => {
  it('gets its preflight answered (204) with the methods, headers and max age, and no credentials', async () => {
    const answer = await preflight(router.url, 'https://app.example.com');
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(answer.headers.get('vary')).toBe('Origin');
    expect(answer.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS');
    expect(answer.headers.get('access-control-allow-headers')!.split(', ').sort()).toEqual(
      [
        'apollo-require-preflight',
        'authorization',
        'content-type',
        'traceparent',
        'x-apollo-operation-name',
        'x-correlation-id',
      ].sort(),
    );
    expect(answer.headers.get('access-control-max-age')).toBe('600');
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('gets the data of its POST with Access-Control-Allow-Origin, Vary and the exposed headers', async () => {
    const answer = await post(router.url, 'https://app.example.com');
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ data: { topProducts: [{ name: 'Table' }] } });
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(answer.headers.get('vary')).toMatch(/\bOrigin\b/);
    expect(answer.headers.get('access-control-expose-headers')).toBe('x-correlation-id, retry-after');
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('gets Access-Control-Allow-Credentials only when credentials are configured', async () => {
    const withCredentials = await anotherRouter({ cors: { origins: ['https://app.example.com'], credentials: true } });
    const answer = await preflight(withCredentials.url, 'https://app.example.com');
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-credentials')).toBe('true');
    expect((await post(withCredentials.url, 'https://app.example.com')).headers.get('access-control-allow-credentials')).toBe(
      'true',
    );
  });
});

describe('CORS: another origin', () => {
  it('gets its preflight refused with 403, a clear error and no CORS header', async () => {
    const answer = await preflight(router.url, 'https://evil.example.net');
    expect(answer.status).toBe(403);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expect(answer.headers.get('access-control-allow-methods')).toBeNull();
    const body = (await answer.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('CORS_ORIGIN_NOT_ALLOWED');
    expect(body.errors[0]!.message).toContain('https://evil.example.net');
  });

  it('gets no Access-Control-Allow-Origin on an answer (its browser then withholds it from the page)', async () => {
    const answer = await post(router.url, 'https://evil.example.net');
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expect(answer.headers.get('access-control-expose-headers')).toBeNull();
    expect(answer.headers.get('vary')).toMatch(/\bOrigin\b/);
  });

  it('matches wildcards on subdomains and ports only, never on look-alikes', async () => {
    const cases: [string, boolean][] = [
      ['https://web.shop.example.com', true],
      ['https://a.b.shop.example.com', true],
      ['https://shop.example.com', false],
      ['https://evilshop.example.com', false],
      ['https://web.shop.example.com.evil.net', false],
      ['http://web.shop.example.com', false],
      ['http://localhost:5173', true],
      ['http://localhost', true],
      ['http://localhost.evil.net:5173', false],
      ['https://localhost:5173', false],
      ['https://app.example.com:8443', false],
      ['null', false],
    ];
    for (const [origin, allowed] of cases) {
      const answer = await preflight(router.url, origin);
      expect([origin, answer.status], origin).toEqual([origin, allowed ? 204 : 403]);
      expect(answer.headers.get('access-control-allow-origin'), origin).toBe(allowed ? origin : null);
    }
  });
});

describe('CORS: defaults and CSRF prevention', () => {
  it('in development, allows pages on localhost and 127.0.0.1 on any port, and nothing else', async () => {
    const development = await anotherRouter({});
    expect((await preflight(development.url, 'http://localhost:3000')).status).toBe(204);
    expect((await preflight(development.url, 'http://127.0.0.1:8080')).status).toBe(204);
    expect((await preflight(development.url, 'https://app.example.com')).status).toBe(403);
  });

  it('in production, refuses every origin unless ROUTER_CORS_ORIGINS lists it', async () => {
    const production = await anotherRouter({ production: true });
    for (const origin of ['http://localhost:3000', 'http://127.0.0.1:8080', 'https://app.example.com']) {
      const answer = await preflight(production.url, origin);
      expect(answer.status, origin).toBe(403);
      expect(answer.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
    const actual = await post(production.url, 'http://localhost:3000');
    expect(actual.status).toBe(200);
    expect(actual.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('still refuses a simple cross-site POST (no preflight) through Apollo CSRF prevention, even from an allowed origin', async () => {
    const answer = await post(router.url, 'https://app.example.com', 'text/plain');
    expect(answer.status).toBe(400);
    expect(await answer.text()).toMatch(/cross-site request forgery|CSRF/i);
    const get = await fetch(`${router.url}/graphql?query=${encodeURIComponent('{ topProducts(first: 1) { name } }')}`, {
      headers: { origin: 'https://app.example.com' },
    });
    expect(get.status).toBe(400);
  });
});

describe('/metrics on the admin port', () => {
  it('is served on the admin listener (loopback) and answers 404 on the public port', async () => {
    expect(router.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(router.adminUrl).not.toBe(router.url);
    const metrics = await fetch(`${router.adminUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('meridian_router_http_request_duration_seconds');
    const publicMetrics = await fetch(`${router.url}/metrics`);
    expect(publicMetrics.status).toBe(404);
    expect((await fetch(`${router.url}/health`)).status).toBe(200);
    expect((await fetch(`${router.adminUrl}/graphql`)).status).toBe(404);
  });

  it('listens on the port and interface it is given', async () => {
    const placed = await anotherRouter({ admin: { port: 0, host: '::1' } });
    expect(placed.adminUrl).toMatch(/^http:\/\/\[::1\]:\d+$/);
    expect((await fetch(`${placed.adminUrl}/metrics`)).status).toBe(200);
  });
});
