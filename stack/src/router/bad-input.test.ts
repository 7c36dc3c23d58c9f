/**
 * Bad tokens and bad inputs, each with the error code it must get: tokens through the router and
 * straight at a subgraph (which verifies them itself), inputs through the router.
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPassword, demoUsers } from '../demo-data.ts';
import { connectLive, watch, type LiveConnection } from '#kit/live-client';
import { graphql, loginAs, startTestStack, type TestStack } from '../test-stack.ts';

let stack: TestStack;
let valid: string;
let realKey: { kid: string; privateJwk: JWK; publicJwk: JWK };
const ada = demoUsers[0]!;
const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

beforeAll(async () => {
  // Production mode: the table also checks that no internal detail reaches a client.
  stack = await startTestStack({ production: true });
  valid = await loginAs(stack.url);
  const client = new pg.Client({ connectionString: stack.databaseUrls.auth });
  await client.connect();
  const { rows } = await client.query('SELECT kid, private_jwk, public_jwk FROM signing_keys ORDER BY created_at DESC LIMIT 1');
  await client.end();
  realKey = { kid: rows[0].kid, privateJwk: rows[0].private_jwk, publicJwk: rows[0].public_jwk };
});
const connections: LiveConnection[] = [];
afterAll(async () => {
  await Promise.all(connections.map((c) => c.dispose()));
  await stack?.stop();
});

/** Signs claims with the real key (or `key`), starting from a valid token's claims. */
async function sign(
  overrides: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
  key?: Parameters<SignJWT['sign']>[0],
) {
  const claims = {
    sub: ada.id,
    roles: ['CUSTOMER'],
    scope: 'customer',
    iss: 'meridian-auth',
    aud: 'meridian',
    iat: now(),
    exp: now() + 600,
    jti: randomUUID(),
    ...overrides,
  };
  for (const [k, v] of Object.entries(claims)) if (v === undefined) delete (claims as Record<string, unknown>)[k];
  const signingKey = key ?? (await importJWK(realKey.privateJwk, 'ES256'));
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: realKey.kid, ...header }).sign(signingKey);
}

async function attackerKey() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, publicJwk: await exportJWK(publicKey) };
}

const badTokens: [string, () => Promise<string>][] = [
  ['not a JWT at all', async () => 'not-a-jwt'],
  ['three dots of garbage', async () => 'a.b.c'],
  [
    'payload changed to ADMIN after signing',
    async () => {
      const [h, , s] = valid.split('.');
      return `${h}.${b64({ sub: ada.id, roles: ['ADMIN'], scope: 'customer admin', iss: 'meridian-auth', aud: 'meridian', iat: now(), exp: now() + 600 })}.${s}`;
    },
  ],
  ['signature bytes flipped', async () => `${valid.slice(0, -6)}${valid.slice(-6).split('').reverse().join('')}`],
  ['expired an hour ago', () => sign({ iat: now() - 7200, exp: now() - 3600 })],
  ['not valid before next year', () => sign({ nbf: now() + 365 * 86400 })],
  ['issued by someone else', () => sign({ iss: 'https://evil.example' })],
  ['for another audience', () => sign({ aud: 'some-other-api' })],
  [
    'alg none, no signature',
    async () =>
      `${b64({ alg: 'none', typ: 'JWT', kid: realKey.kid })}.${b64({ sub: ada.id, roles: ['ADMIN'], iss: 'meridian-auth', aud: 'meridian', iat: now(), exp: now() + 600 })}.`,
  ],
  [
    'HS256 signed with the public key as secret',
    async () => {
      const secret = new TextEncoder().encode(JSON.stringify(realKey.publicJwk));
      return new SignJWT({ sub: ada.id, roles: ['ADMIN'], iss: 'meridian-auth', aud: 'meridian' })
        .setProtectedHeader({ alg: 'HS256', kid: realKey.kid })
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(secret);
    },
  ],
  [
    'signed by an unknown key under an unknown kid',
    async () => sign({ roles: ['ADMIN'] }, { kid: 'attacker-key' }, (await attackerKey()).privateKey),
  ],
  ['signed by an unknown key under the real kid', async () => sign({ roles: ['ADMIN'] }, {}, (await attackerKey()).privateKey)],
  [
    'attacker key embedded in the header (jwk injection)',
    async () => {
      const attacker = await attackerKey();
      return sign({ roles: ['ADMIN'] }, { jwk: attacker.publicJwk, kid: undefined }, attacker.privateKey);
    },
  ],
  ['no subject', () => sign({ sub: undefined })],
  ['no expiry', () => sign({ exp: undefined })],
];

const badHeaders: [string, string][] = [
  ['Basic scheme', `Basic ${Buffer.from('ada:pw').toString('base64')}`],
  ['Bearer with nothing after it', 'Bearer '],
  ['two tokens', `Bearer ${'x'.repeat(10)} ${'y'.repeat(10)}`],
];

describe('bad tokens', () => {
  it.each(badTokens)('%s: 401 UNAUTHENTICATED at the router and at a subgraph', async (_, make) => {
    const token = await make();
    const atRouter = await graphql(stack.url, '{ me { id } }', { token });
    expect(atRouter.status).toBe(401);
    expect(atRouter.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(atRouter.body.data ?? null).toBeNull();

    const atSubgraph = await graphql(stack.subgraphs.orders.url, '{ myOrders { edges { node { id } } } }', { token });
    expect(atSubgraph.status).toBe(401);
    expect(atSubgraph.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it.each(badHeaders)(
    'an Authorization header with %s: 401 UNAUTHENTICATED at the router and at a subgraph',
    async (_, value) => {
      for (const url of [stack.url, stack.subgraphs.users.url]) {
        const result = await graphql(url, '{ me { id } }', { headers: { authorization: value } });
        expect(result.status).toBe(401);
        expect(result.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      }
    },
  );

  it('the valid token the forgeries started from works (the table tests the forgery, not the setup)', async () => {
    expect((await graphql(stack.url, '{ me { id } }', { token: valid })).body.data).toEqual({ me: { id: ada.id } });
    expect((await graphql(stack.url, '{ me { id } }', { token: await sign() })).body.data).toEqual({ me: { id: ada.id } });
  });
});

const signUp = 'mutation ($input: SignUpInput!) { signUp(input: $input) { accessToken } }';
const login = 'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }';
const ok = { email: 'fresh@meridian.dev', password: 'a perfectly fine passphrase', displayName: 'Fresh' };

const badInputs: [string, string, Record<string, unknown>, string][] = [
  ['sign-up: email of 300 characters', signUp, { input: { ...ok, email: `${'a'.repeat(290)}@x.dev` } }, 'BAD_USER_INPUT'],
  ['sign-up: email without @', signUp, { input: { ...ok, email: 'fresh.meridian.dev' } }, 'BAD_USER_INPUT'],
  [
    'sign-up: email with a right-to-left override',
    signUp,
    { input: { ...ok, email: 'fre\u202esh@meridian.dev' } },
    'BAD_USER_INPUT',
  ],
  ['sign-up: email with a zero-width space', signUp, { input: { ...ok, email: 'fre\u200bsh@meridian.dev' } }, 'BAD_USER_INPUT'],
  [
    'sign-up: SQL injection as email',
    signUp,
    { input: { ...ok, email: "x' OR '1'='1'; DROP TABLE accounts; --" } },
    'BAD_USER_INPUT',
  ],
  [
    'sign-up: full-width copy of an existing email',
    signUp,
    { input: { ...ok, email: 'ａｄａ@ｍｅｒｉｄｉａｎ.ｄｅｖ' } },
    'CONFLICT',
  ],
  ['sign-up: existing email in upper case', signUp, { input: { ...ok, email: 'ADA@MERIDIAN.DEV' } }, 'CONFLICT'],
  ['sign-up: password of 9 characters', signUp, { input: { ...ok, password: 'abcdefgh1' } }, 'BAD_USER_INPUT'],
  ['sign-up: password of 10,000 characters', signUp, { input: { ...ok, password: 'ab1!'.repeat(2500) } }, 'BAD_USER_INPUT'],
  [
    'sign-up: display name with control characters',
    signUp,
    { input: { ...ok, displayName: 'Fresh\u0000\u0007' } },
    'BAD_USER_INPUT',
  ],
  ['sign-up: display name of 500 characters', signUp, { input: { ...ok, displayName: 'F'.repeat(500) } }, 'BAD_USER_INPUT'],
  ['sign-up: email given as a JSON object', signUp, { input: { ...ok, email: { $gt: '' } } }, 'BAD_USER_INPUT'],
  ['sign-up: missing password', signUp, { input: { email: ok.email, displayName: ok.displayName } }, 'BAD_USER_INPUT'],
  ['login: SQL injection as email', login, { input: { email: "' OR 1=1 --", password: 'whatever123' } }, 'UNAUTHENTICATED'],
  [
    'login: NoSQL-style operator string as email',
    login,
    { input: { email: '{"$ne": null}', password: 'whatever123' } },
    'UNAUTHENTICATED',
  ],
  [
    'login: Cyrillic look-alike of a real email',
    login,
    { input: { email: 'аda@meridian.dev', password: demoPassword } },
    'UNAUTHENTICATED',
  ],
  [
    'login: right email, 100 KB password',
    login,
    { input: { email: ada.email, password: 'p'.repeat(100_000) } },
    'UNAUTHENTICATED',
  ],
  [
    'refresh: 10,000-character token',
    'mutation ($t: String!) { refreshToken(refreshToken: $t) { accessToken } }',
    { t: 'r'.repeat(10_000) },
    'UNAUTHENTICATED',
  ],
  [
    'refresh: SQL injection as token',
    'mutation ($t: String!) { refreshToken(refreshToken: $t) { accessToken } }',
    { t: "' OR 1=1 --" },
    'UNAUTHENTICATED',
  ],
  ['products: first = 1000', '{ products(first: 1000) { edges { cursor } } }', {}, 'BAD_USER_INPUT'],
  [
    'products: a cursor the API never issued',
    '{ products(after: "eyJub3QiOiJhIGN1cnNvciJ9") { edges { cursor } } }',
    {},
    'BAD_USER_INPUT',
  ],
  ['products: first given as a string', '{ products(first: "ten") { edges { cursor } } }', {}, 'GRAPHQL_VALIDATION_FAILED'],
];

describe('bad inputs through the router', () => {
  it.each(badInputs)('%s', async (_, query, variables, code) => {
    const result = await graphql(stack.url, query, { variables });
    expect(result.body.errors?.[0]?.extensions?.code).toBe(code);
    expect(JSON.stringify(result.body)).not.toMatch(/stacktrace|prisma|SELECT|at [A-Za-z]+ \(/i);
  });

  it('after all of that, the real account still signs in and nothing was created', async () => {
    expect(await loginAs(stack.url)).toBeTruthy();
    const created = await graphql(stack.url, login, { variables: { input: { email: ok.email, password: ok.password } } });
    expect(created.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

const placeOrder =
  'mutation ($input: PlaceOrderInput!, $key: String!) { placeOrder(input: $input, idempotencyKey: $key) { id } }';
const line = (productId: string, quantity = 1) => ({ productId, quantity });
const someProduct = '9d0f0000-0000-4000-8000-000000000007';
const order = (items: unknown[], paymentMethod = 'tok_visa') => ({ input: { items, paymentMethod }, key: 'bad-input-key' });

const badOrders: [string, string, Record<string, unknown>, string][] = [
  ['placeOrder: no items', placeOrder, order([]), 'BAD_USER_INPUT'],
  [
    'placeOrder: 51 lines',
    placeOrder,
    order(Array.from({ length: 51 }, (_, i) => line(`9d0f0000-0000-4000-8000-${String(i).padStart(12, '0')}`))),
    'BAD_USER_INPUT',
  ],
  ['placeOrder: quantity 0', placeOrder, order([line(someProduct, 0)]), 'BAD_USER_INPUT'],
  ['placeOrder: quantity 1001', placeOrder, order([line(someProduct, 1001)]), 'BAD_USER_INPUT'],
  ['placeOrder: quantity 2^31', placeOrder, order([line(someProduct, 2 ** 31)]), 'BAD_USER_INPUT'],
  ['placeOrder: SQL injection as product id', placeOrder, order([line("'; DROP TABLE orders; --")]), 'BAD_USER_INPUT'],
  ['placeOrder: the same product twice', placeOrder, order([line(someProduct), line(someProduct, 2)]), 'BAD_USER_INPUT'],
  ['placeOrder: a card number as payment method', placeOrder, order([line(someProduct)], '4242424242424242'), 'BAD_USER_INPUT'],
  [
    'placeOrder: payment method of 10,000 characters',
    placeOrder,
    order([line(someProduct)], `tok_${'x'.repeat(10_000)}`),
    'BAD_USER_INPUT',
  ],
  ['placeOrder: empty idempotency key', placeOrder, { ...order([line(someProduct)]), key: '' }, 'BAD_USER_INPUT'],
  [
    'placeOrder: idempotency key of 10,000 characters',
    placeOrder,
    { ...order([line(someProduct)]), key: 'k'.repeat(10_000) },
    'BAD_USER_INPUT',
  ],
  [
    'placeOrder: items given as a string',
    placeOrder,
    { input: { items: 'all of them', paymentMethod: 'tok_visa' }, key: 'k' },
    'BAD_USER_INPUT',
  ],
  [
    'cancelOrder: an order that does not exist',
    'mutation { cancelOrder(id: "0d3e0000-0000-4000-8000-0000000000ff") { id } }',
    {},
    'NOT_FOUND',
  ],
  ['cancelOrder: an id that is not a UUID', 'mutation { cancelOrder(id: "1 OR 1=1") { id } }', {}, 'BAD_USER_INPUT'],
  ['deadLetters: as a customer', '{ deadLetters { eventId } }', {}, 'FORBIDDEN'],
];

describe('bad orders through the router (signed in as a customer)', () => {
  let before: number;
  // Signed in as Ada: `valid`, the token of the login in beforeAll.
  const myOrderCount = async () =>
    (
      await graphql<{ myOrders: { edges: unknown[] } }>(stack.url, '{ myOrders(first: 100) { edges { cursor } } }', {
        token: valid,
      })
    ).body.data!.myOrders.edges.length;

  it('counts the orders it has', async () => {
    before = await myOrderCount();
  });

  it.each(badOrders)('%s', async (_, query, variables, code) => {
    const result = await graphql(stack.url, query, { variables, token: valid });
    expect(result.body.errors?.[0]?.extensions?.code).toBe(code);
    expect(JSON.stringify(result.body)).not.toMatch(/stacktrace|prisma|SELECT|at [A-Za-z]+ \(/i);
  });

  it('an anonymous placeOrder is refused at the router', async () => {
    const result = await graphql(stack.url, placeOrder, { variables: order([line(someProduct)]) });
    expect(result.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('after all of that, no order was placed', async () => {
    expect(await myOrderCount()).toBe(before);
  });
});

/** Schema names a production error may mention only when the request named them itself. */
const suggestion = /did you mean/i;

describe('no schema hints in production (introspection is off)', () => {
  const unknown: [string, string, Record<string, unknown>, RegExp][] = [
    ['an unknown field', '{ me { displayNam } }', {}, /Cannot query field "displayNam" on type "User"/],
    ['an unknown argument', '{ products(frist: 1) { edges { cursor } } }', {}, /Unknown argument "frist"/],
    [
      'an unknown input field written in the operation',
      'mutation { login(input: { emial: "a@b.dev", password: "whatever123" }) { accessToken } }',
      {},
      /Field "emial" is not defined by type "LoginInput"/,
    ],
    ['an unknown input field in the variables', login, { input: { emial: 'a@b.dev', password: 'whatever123' } }, /"emial"/],
    ['an unknown type', 'query ($first: Nt) { products(first: $first) { edges { cursor } } }', {}, /Unknown type "Nt"/],
  ];

  it.each(unknown)('%s: the router names what was sent and suggests nothing', async (_, query, variables, names) => {
    const result = await graphql(stack.url, query, { variables });
    const messages = result.body.errors?.map((e) => e.message) ?? [];
    expect(messages.join('\n')).toMatch(names);
    expect(messages.join('\n')).not.toMatch(suggestion);
  });

  const watchErrors = async (url: string, query: string) => {
    const connection = connectLive(url);
    connections.push(connection);
    const { error } = await watch(connection, query, { id: randomUUID() }).ended;
    return (error as { message: string }[]).map((e) => e.message).join('\n');
  };

  it('over graphql-ws at the router, an unknown field of a subscription suggests nothing', async () => {
    const messages = await watchErrors(stack.url, 'subscription ($id: ID!) { orderUpdated(id: $id) { statu } }');
    expect(messages).toMatch(/Cannot query field "statu" on type "Order"/);
    expect(messages).not.toMatch(suggestion);
  });

  it('a subgraph asked directly suggests nothing either, over HTTP and graphql-ws', async () => {
    const overHttp = await graphql(stack.subgraphs.orders.url, '{ myOrder { id } }');
    expect(overHttp.body.errors?.[0]?.message).toMatch(/Cannot query field "myOrder" on type "Query"/);
    expect(JSON.stringify(overHttp.body)).not.toMatch(suggestion);
    const overWs = await watchErrors(stack.subgraphs.orders.url, 'subscription ($id: ID!) { orderUpdate(id: $id) { status } }');
    expect(overWs).toMatch(/Cannot query field "orderUpdate" on type "Subscription"/);
    expect(overWs).not.toMatch(suggestion);
  });
});
