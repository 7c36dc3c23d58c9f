/**
 * The router's cookie session routes as a browser meets them, over the six real subgraphs on the
 * machine's PostgreSQL (and Redis for the shared rate-limit buckets, under a namespace of this file
 * dropped at the end): the refresh token only ever in an HttpOnly cookie, rotation, logout, password
 * change, the JSON-only rule, CORS with credentials on these paths alone, the router's login budget,
 * and trusted-documents enforcement leaving these fixed operations alone.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisTokenBuckets } from '#kit/rate-limiter';
import { dropRedisNamespace, testRedisUrl } from '#kit/testing';
import { graphql, startTestStack, type TestStack } from '../test-stack.ts';
import { demoPassword, demoUsers } from '../demo-data.ts';
import { refreshTokenTtlDays } from '../../../subgraphs/auth/src/index.ts';
import { defaultRefreshTokenMaxAgeSeconds, refreshCookieOf } from '../../../router/src/browser-sessions.ts';
import { type RouterOptions } from '../../../router/src/router.ts';

let stack: TestStack;
const redis = new Redis(testRedisUrl);
const namespace = `meridian-test-browser-sessions-${randomUUID()}`;
let directory: string;

beforeAll(async () => {
  stack = await startTestStack();
  directory = mkdtempSync(join(tmpdir(), 'meridian-browser-sessions-'));
});
afterAll(async () => {
  await stack?.stop();
  await redis.quit();
  await dropRedisNamespace(namespace);
  if (directory) rmSync(directory, { recursive: true, force: true });
});

const anotherRouter = (options: Partial<RouterOptions>) => stack.anotherRouter(options);

interface Answer {
  status: number;
  headers: Headers;
  /** The `meridian_refresh` Set-Cookie line, if any. */
  cookie: string | undefined;
  text: string;
  body: {
    data?: { accessToken: string; accessTokenExpiresAt: string; user: { id: string }; loggedOut?: boolean };
    errors?: { message: string; extensions: { code: string; retryAfterSeconds?: number; stacktrace?: unknown } }[];
  };
}

/** What the web client sends: a JSON POST, with the cookie the browser holds and the bearer when it has one. */
async function post(
  path: string,
  body: unknown,
  {
    url = stack.url,
    cookie,
    token,
    headers = {},
  }: { url?: string; cookie?: string; token?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(cookie ? { cookie: `theme=dark; meridian_refresh=${cookie}` } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    cookie: response.headers.getSetCookie().find((line) => line.startsWith('meridian_refresh=')),
    text,
    body: JSON.parse(text) as Answer['body'],
  };
}

/** The token a Set-Cookie line sets (what the browser sends back next time). */
const tokenOf = (setCookie: string | undefined) => refreshCookieOf(setCookie?.split(';')[0]);

const newAccount = () => ({
  email: `browser-${randomUUID()}@example.com`,
  password: 'correct horse battery staple',
  displayName: 'Browser User',
});

describe('cookie sessions: the refresh token lives in an HttpOnly cookie only', () => {
  it('login answers the access token and user, sets the HttpOnly SameSite=Strict cookie on /auth for the refresh token lifetime, and never shows the refresh token', async () => {
    const answer = await post('/auth/login', { email: demoUsers[0]!.email, password: demoPassword });
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body.data!).sort()).toEqual(['accessToken', 'accessTokenExpiresAt', 'user']);
    expect(answer.body.data!.user.id).toEqual(expect.any(String));
    expect(Date.parse(answer.body.data!.accessTokenExpiresAt)).toBeGreaterThan(Date.now());
    expect(answer.cookie).toMatch(
      /^meridian_refresh=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/auth; Max-Age=2592000$/,
    );
    expect(answer.text).not.toContain(tokenOf(answer.cookie)!);
    expect(answer.text).not.toMatch(/refresh/i);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    // The access token is a working bearer token.
    const me = await graphql<{ me: { displayName: string } }>(stack.url, '{ me { displayName } }', {
      token: answer.body.data!.accessToken,
    });
    expect(me.body.data?.me.displayName).toBeTruthy();
  });

  it("sets the cookie's Max-Age to the lifetime the auth subgraph gives refresh tokens", () => {
    expect(defaultRefreshTokenMaxAgeSeconds).toBe(refreshTokenTtlDays * 86_400);
  });

  it('signup creates the account and signs it in the same way', async () => {
    const account = newAccount();
    const answer = await post('/auth/signup', account);
    expect(answer.status).toBe(200);
    expect(answer.body.data!.accessToken).toEqual(expect.any(String));
    expect(tokenOf(answer.cookie)).toBeTruthy();
    const again = await post('/auth/signup', account);
    expect(again.status).toBe(409);
    expect(again.body.errors![0]!.extensions.code).toBe('CONFLICT');
    expect(again.cookie).toBeUndefined();
  });

  it('refresh with the cookie rotates it: a new access token and cookie; the old cookie then fails UNAUTHENTICATED and is cleared', async () => {
    const login = await post('/auth/login', { email: demoUsers[0]!.email, password: demoPassword });
    const first = tokenOf(login.cookie)!;
    const refreshed = await post('/auth/refresh', {}, { cookie: first });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.data!.user.id).toBe(login.body.data!.user.id);
    const second = tokenOf(refreshed.cookie)!;
    expect(second).toBeTruthy();
    expect(second).not.toBe(first);
    expect(refreshed.text).not.toContain(second);
    expect(refreshed.cookie).toContain('HttpOnly; SameSite=Strict; Path=/auth; Max-Age=2592000');

    const replayed = await post('/auth/refresh', {}, { cookie: first });
    expect(replayed.status).toBe(401);
    expect(replayed.body.errors![0]!.extensions.code).toBe('UNAUTHENTICATED');
    expect(replayed.cookie).toBe('meridian_refresh=; HttpOnly; SameSite=Strict; Path=/auth; Max-Age=0');
    // The auth subgraph's reuse detection: a rotated token presented again revokes its whole login.
    expect((await post('/auth/refresh', {}, { cookie: second })).status).toBe(401);
  });

  it('refresh without the cookie is UNAUTHENTICATED', async () => {
    const answer = await post('/auth/refresh', {});
    expect(answer.status).toBe(401);
    expect(answer.body.errors![0]).toEqual({
      message: 'No session cookie; sign in again',
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it('logout revokes the session and clears the cookie; again, or without a cookie, it still answers 200', async () => {
    const login = await post('/auth/login', { email: demoUsers[0]!.email, password: demoPassword });
    const token = tokenOf(login.cookie)!;
    const logout = await post('/auth/logout', {}, { cookie: token });
    expect(logout.status).toBe(200);
    expect(logout.body).toEqual({ data: { loggedOut: true } });
    expect(logout.cookie).toBe('meridian_refresh=; HttpOnly; SameSite=Strict; Path=/auth; Max-Age=0');
    expect((await post('/auth/refresh', {}, { cookie: token })).body.errors![0]!.extensions.code).toBe('UNAUTHENTICATED');

    const twice = await post('/auth/logout', {}, { cookie: token });
    expect([twice.status, twice.cookie]).toEqual([200, logout.cookie]);
    const withoutCookie = await post('/auth/logout', {});
    expect([withoutCookie.status, withoutCookie.body, withoutCookie.cookie]).toEqual([
      200,
      { data: { loggedOut: true } },
      logout.cookie,
    ]);
  });

  it('a password change (with the bearer) gives this device a new session; the old cookie and password stop working', async () => {
    const account = newAccount();
    const signUp = await post('/auth/signup', account);
    const oldCookie = tokenOf(signUp.cookie)!;
    const input = { currentPassword: account.password, newPassword: 'a much better passphrase' };

    const anonymous = await post('/auth/password', input);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors![0]!.extensions.code).toBe('UNAUTHENTICATED');

    const changed = await post('/auth/password', input, { token: signUp.body.data!.accessToken });
    expect(changed.status).toBe(200);
    expect(changed.body.data!.user.id).toBe(signUp.body.data!.user.id);
    const newCookie = tokenOf(changed.cookie)!;
    expect(newCookie).not.toBe(oldCookie);
    expect((await post('/auth/refresh', {}, { cookie: oldCookie })).status).toBe(401);
    expect((await post('/auth/refresh', {}, { cookie: newCookie })).status).toBe(200);
    expect((await post('/auth/login', { email: account.email, password: account.password })).status).toBe(401);
    expect((await post('/auth/login', { email: account.email, password: input.newPassword })).status).toBe(200);
  });
});

describe('cookie sessions: what is refused at the edge', () => {
  it('refuses a text/plain POST (the kind a cross-site form may send without a preflight) with 415, before any login', async () => {
    const answer = await post('/auth/login', JSON.stringify({ email: demoUsers[0]!.email, password: demoPassword }), {
      headers: { 'content-type': 'text/plain' },
    });
    expect(answer.status).toBe(415);
    expect(answer.body.errors![0]!.extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(answer.cookie).toBeUndefined();
    const get = await fetch(`${stack.url}/auth/refresh`);
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
  });

  it('refuses a body of the wrong shape with BAD_USER_INPUT naming the field, and one that is not JSON with BAD_REQUEST', async () => {
    const missing = await post('/auth/login', { email: demoUsers[0]!.email });
    expect(missing.status).toBe(400);
    expect(missing.body.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
    expect(missing.body.errors![0]!.message).toMatch(/^The body of \/auth\/login is not what it takes: password: /);
    const extra = await post('/auth/refresh', { refreshToken: 'x' });
    expect(extra.status).toBe(400);
    expect(extra.body.errors![0]!.message).toContain('refreshToken');
    const broken = await post('/auth/login', '{"email":');
    expect([broken.status, broken.body.errors![0]!.extensions.code]).toEqual([400, 'BAD_REQUEST']);
  });

  it("passes the auth subgraph's errors through with their code and HTTP status", async () => {
    const wrong = await post('/auth/login', { email: demoUsers[1]!.email, password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.errors).toMatchObject([
      { message: 'The email or password is wrong', extensions: { code: 'UNAUTHENTICATED' } },
    ]);
    const short = await post('/auth/signup', { ...newAccount(), password: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('bounds the body like GraphQL requests (413)', async () => {
    const answer = await post('/auth/login', { email: 'x'.repeat(300 * 1024), password: 'x' });
    expect(answer.status).toBe(413);
    expect(answer.body.errors![0]!.extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('in production, the cookie is Secure and errors carry no stack trace', async () => {
    const production = await anotherRouter({ production: true });
    const login = await post('/auth/login', { email: demoUsers[0]!.email, password: demoPassword }, { url: production.url });
    expect(login.cookie).toMatch(/; HttpOnly; SameSite=Strict; Path=\/auth; Secure; Max-Age=2592000$/);
    const wrong = await post('/auth/login', { email: demoUsers[1]!.email, password: 'wrong' }, { url: production.url });
    expect(wrong.body.errors![0]!.extensions).toEqual({ code: 'UNAUTHENTICATED' });
  });
});

describe('cookie sessions: CORS', () => {
  const preflight = (url: string, path: string, origin: string) =>
    fetch(`${url}${path}`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });

  it('answers an allowed origin with credentials on /auth/* (preflight and answer), and without them on /graphql', async () => {
    const origin = 'http://127.0.0.1:5173'; // the web client, in development
    const answer = await preflight(stack.url, '/auth/refresh', origin);
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe(origin);
    expect(answer.headers.get('access-control-allow-credentials')).toBe('true');
    expect(answer.headers.get('access-control-allow-methods')).toContain('POST');

    const login = await post('/auth/login', { email: demoUsers[0]!.email, password: demoPassword }, { headers: { origin } });
    expect(login.headers.get('access-control-allow-origin')).toBe(origin);
    expect(login.headers.get('access-control-allow-credentials')).toBe('true');

    const graphqlPreflight = await preflight(stack.url, '/graphql', origin);
    expect(graphqlPreflight.status).toBe(204);
    expect(graphqlPreflight.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('gives another origin no CORS headers', async () => {
    const answer = await preflight(stack.url, '/auth/login', 'https://evil.example.net');
    expect(answer.status).toBe(403);
    for (const header of ['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-allow-methods']) {
      expect(answer.headers.get(header), header).toBeNull();
    }
    const login = await post('/auth/logout', {}, { headers: { origin: 'https://evil.example.net' } });
    expect(login.headers.get('access-control-allow-origin')).toBeNull();
    expect(login.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('does not let "*" reach the credentialed routes: only listed origins do', async () => {
    const anyOrigin = await anotherRouter({ cors: { origins: ['*'] } });
    expect((await preflight(anyOrigin.url, '/graphql', 'https://anything.example')).status).toBe(204);
    const auth = await preflight(anyOrigin.url, '/auth/login', 'https://anything.example');
    expect(auth.status).toBe(403);
    expect(auth.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('cookie sessions: the router pipeline', () => {
  it("the router's login budget counts the route and the GraphQL mutation together: past the burst, 429 RATE_LIMITED with Retry-After", async () => {
    const limited = await anotherRouter({
      rateLimits: {
        user: null,
        anonymous: null,
        fields: { login: { rate: 1, periodMs: 60_000, burst: 2 } },
        shared: createRedisTokenBuckets(redis, { prefix: `${namespace}:${randomUUID()}:` }),
      },
    });
    const credentials = { email: demoUsers[0]!.email, password: demoPassword };
    expect((await post('/auth/login', credentials, { url: limited.url })).status).toBe(200);
    const viaGraphQL = await graphql<{ login: { accessToken: string } }>(
      limited.url,
      'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }',
      { variables: { input: credentials } },
    );
    expect(viaGraphQL.body.data?.login.accessToken).toBeTruthy();

    const refused = await post('/auth/login', credentials, { url: limited.url });
    expect(refused.status).toBe(429);
    expect(refused.body.errors![0]!.extensions.code).toBe('RATE_LIMITED');
    const wait = refused.body.errors![0]!.extensions.retryAfterSeconds!;
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);
    expect(refused.headers.get('retry-after')).toBe(String(wait));
    expect(refused.cookie).toBeUndefined();
  });

  it('serves the fixed operations while trusted documents are enforced (the manifest lists none of them)', async () => {
    const manifest = join(directory, 'manifest.json');
    writeFileSync(manifest, JSON.stringify({ products: '{ products(first: 1) { edges { node { name } } } }' }));
    const enforcing = await anotherRouter({ trustedDocuments: { mode: 'enforce', path: manifest } });
    const freeForm = await graphql(enforcing.url, 'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }', {
      variables: { input: { email: demoUsers[0]!.email, password: demoPassword } },
    });
    expect(freeForm.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    const login = await post('/auth/login', { email: demoUsers[0]!.email, password: demoPassword }, { url: enforcing.url });
    expect(login.status).toBe(200);
    expect(tokenOf(login.cookie)).toBeTruthy();
  });
});
