import { randomUUID } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessEventBus } from '#kit/events';
import { createLogger } from '#kit/logger';
import { createInProcessPubSub } from '#kit/pubsub';
import { createTestDatabase, postGraphQL, testSubgraphConfig, type TestDatabase } from '#kit/testing';
import { startAuthSubgraph } from './subgraph.ts';

type AuthReplica = Awaited<ReturnType<typeof startAuthSubgraph>>;

let database: TestDatabase;
const bus = createInProcessEventBus(createLogger('test', 'silent'));
const replicas: AuthReplica[] = [];

beforeAll(async () => {
  database = await createTestDatabase('auth');
  // Two replicas of one deployment: same database, each with its own key ring in memory.
  for (let i = 0; i < 2; i += 1) {
    replicas.push(await startAuthSubgraph(testSubgraphConfig('auth', database.url), { bus, pubsub: createInProcessPubSub() }));
  }
});
afterAll(async () => {
  for (const replica of replicas) await replica.stop();
  await bus.close();
  await database.drop();
});

const credentials = { email: 'replicas@example.com', password: 'correct horse battery' };
const login = async (replica: AuthReplica) => {
  const { body } = await postGraphQL<{ login: { accessToken: string } }>(
    replica.url,
    'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }',
    { variables: { input: credentials } },
  );
  return body.data!.login.accessToken;
};
const kidOf = (token: string) => decodeProtectedHeader(token).kid;

describe('auth replicas sharing one database', () => {
  it('a key rotated through one replica is used by the other at once: it verifies with it, signs with it and publishes it', async () => {
    const [a, b] = replicas as [AuthReplica, AuthReplica];
    await postGraphQL(a.url, 'mutation ($input: SignUpInput!) { signUp(input: $input) { accessToken } }', {
      variables: { input: { ...credentials, displayName: 'Replica' } },
    });
    const oldKid = kidOf(await login(b));

    const admin = await a.keys.sign(
      { sub: randomUUID(), roles: ['ADMIN'], scope: 'admin', email: 'admin@example.com', name: 'Admin' },
      60,
    );
    const rotated = await postGraphQL<{ rotateSigningKey: { kid: string } }>(a.url, 'mutation { rotateSigningKey { kid } }', {
      token: admin.token,
    });
    const newKid = rotated.body.data!.rotateSigningKey.kid;
    expect(newKid).not.toBe(oldKid);

    // B accepts a token A signed with the new key before B itself has signed anything since.
    const fromA = await login(a);
    expect(kidOf(fromA)).toBe(newKid);
    const onB = await postGraphQL(b.url, 'mutation { logoutAll }', { token: fromA });
    expect(onB.body).toEqual({ data: { logoutAll: true } });

    expect(kidOf(await login(b))).toBe(newKid);
    const jwks = (await (await fetch(new URL('/.well-known/jwks.json', b.url))).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([newKid, oldKid]);
    const listed = await postGraphQL<{ signingKeys: { kid: string }[] }>(b.url, '{ signingKeys { kid } }');
    expect(listed.body.data!.signingKeys.map((k) => k.kid)).toEqual([newKid, oldKid]);
  });
});
