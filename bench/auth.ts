/**
 * `npm run bench auth` — logins/s through the router, and what verifying a bearer token costs the
 * router per request (see run.ts).
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { createJwksVerifier } from '#kit/auth';
import { defaultRateLimitPrefix } from '#kit/rate-limiter';
import { createAccountStore, createAuthDb, createPasswordHasher } from '../subgraphs/auth/src/index.ts';
import { demoPassword } from '../stack/src/demo-data.ts';
import { loginAs } from '../stack/src/test-stack.ts';
import { cpuSeconds } from './processes.ts';
import { base, cleanups, connections, load, redisUrl, seconds, startServices } from './services.ts';

/** `count` customer accounts with the demo password (one hash, as the seed does); their emails. */
async function loginAccounts(authDatabaseUrl: string, count: number): Promise<string[]> {
  const db = createAuthDb(authDatabaseUrl, 1);
  try {
    const accounts = createAccountStore(db);
    const passwordHash = await createPasswordHasher().hash(demoPassword);
    const emails = Array.from({ length: count }, (_, i) => `login${i}@bench.test`);
    for (const email of emails) {
      await accounts.save({ id: randomUUID(), email, displayName: email, passwordHash, roles: ['CUSTOMER'] });
    }
    return emails;
  } finally {
    await db.$disconnect();
  }
}

/** Logins through the router for `duration` s, the accounts taken in turn; every answer must be a session. */
async function loginLoad(url: string, emails: string[], duration: number) {
  let next = 0;
  let refused = 0;
  const result = await autocannon({
    url: `${url}/graphql`,
    method: 'POST',
    connections,
    duration,
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({
            query: 'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }',
            variables: { input: { email: emails[(next += 1) % emails.length], password: demoPassword } },
          }),
        }),
        onResponse: (_status, body) => {
          if (body.includes('"accessToken"')) return;
          refused += 1;
          if (refused === 1) console.error(`a login without a session: ${body}`);
        },
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0 || refused > 0) {
    throw new Error(`logins: ${result.non2xx} non-2xx, ${result.errors} errors, ${refused} answers without a session`);
  }
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

/**
 * auth: login/s through the router (scrypt dominates by design), and what verifying a bearer token
 * costs the router per request: the same anonymous-capable query with and without a token.
 */
export async function authScenario() {
  const { routerUrl, router, urls } = await startServices();
  console.log(`scenario auth: ${connections} connections, ${seconds} s per run`);
  // One account per two connections' worth of requests, taken in turn: at most 5 attempts on one
  // account are checked at a time (the rest are refused as RATE_LIMITED, cheaply), so logins that
  // all named Ada would measure refusals.
  const emails = await loginAccounts(urls.auth, connections * 2);
  cleanups.push(async () => {
    const redis = new Redis(redisUrl);
    await redis.del(...emails.map((email) => `${defaultRateLimitPrefix}login:account:${email}`));
    await redis.quit();
  });
  await loginLoad(routerUrl, emails, 3);
  const logins = await loginLoad(routerUrl, emails, seconds);
  console.log(
    `login through the router    ${logins.rps.toFixed(1).padStart(7)} logins/s   p50 ${logins.p50} ms   p99 ${logins.p99} ms`,
  );

  const token = await loginAs(routerUrl);
  const query = JSON.stringify({ query: '{ products(first: 3) { edges { node { name price { amount currency } } } } }' });
  await load(routerUrl, query, token, 3);
  const rows: { label: string; rps: number; p50: number; p99: number; cpuMs: number }[] = [];
  for (let i = 0; i < 3; i += 1) {
    for (const [label, bearer] of [
      ['anonymous', undefined],
      ['with token', token],
    ] as const) {
      const before = cpuSeconds(router.pid!);
      const run = await load(routerUrl, query, bearer, seconds);
      rows.push({ label, ...run, cpuMs: ((cpuSeconds(router.pid!) - before) * 1000) / run.total });
    }
  }
  const medianOf = (label: string, key: 'cpuMs' | 'p50' | 'rps') =>
    rows
      .filter((r) => r.label === label)
      .map((r) => r[key])
      .sort((a, b) => a - b)[1]!;
  for (const label of ['anonymous', 'with token']) {
    console.log(
      `products query, ${label.padEnd(10)}  ${medianOf(label, 'rps').toFixed(0).padStart(6)} req/s   p50 ${medianOf(label, 'p50')} ms   router CPU ${medianOf(label, 'cpuMs').toFixed(2)} ms/request`,
    );
  }
  console.log(
    `token verification overhead at the router: ${(medianOf('with token', 'cpuMs') - medianOf('anonymous', 'cpuMs')).toFixed(2)} ms CPU per request (median of 3 runs each)`,
  );

  // The verification itself, without HTTP: a full ES256 check against the cached JWKS (what a new
  // token costs each hop once), and a repeat of a token already verified (every later request).
  const settings = {
    jwksUrl: `http://127.0.0.1:${base + 2}/.well-known/jwks.json`,
    issuer: 'meridian-auth',
    audience: 'meridian',
  };
  for (const [label, verify] of [
    ['first sight of a token (ES256 verify)', createJwksVerifier({ ...settings, cacheSize: 0 })],
    ['repeat of a verified token (cache)   ', createJwksVerifier(settings)],
  ] as const) {
    await verify(token);
    const n = 5000;
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i += 1) await verify(token);
    console.log(`${label}: ${(Number(process.hrtime.bigint() - started) / 1e3 / n).toFixed(1)} µs per token`);
  }
}
