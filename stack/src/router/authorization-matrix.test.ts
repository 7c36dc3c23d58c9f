/**
 * The authorization matrix: customer A (the owner), customer B, an admin and an anonymous caller,
 * for every query and mutation touching private data, through the router and straight at the
 * owning subgraph (entities included). No cross-account read or write may succeed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoDocuments, demoOrders, demoUsers } from '../demo-data.ts';
import { graphql, loginAs, startTestStack, type TestStack } from '../test-stack.ts';
import type { SubgraphName } from '../topology.ts';

type Actor = 'anonymous' | 'owner' | 'other' | 'admin';
/** DATA: answered, non-null; NULL: answered null (indistinguishable from absent); or an error code. */
type Outcome = 'DATA' | 'NULL' | 'UNAUTHENTICATED' | 'FORBIDDEN';

let stack: TestStack;
const tokens: Record<Actor, string | undefined> = { anonymous: undefined, owner: undefined, other: undefined, admin: undefined };
const [ada, grace, admin] = demoUsers as [(typeof demoUsers)[0], (typeof demoUsers)[0], (typeof demoUsers)[0]];
const adaOrder = demoOrders[0]!;
const adaPaymentId = adaOrder.payment!.id;
const adaDocument = demoDocuments[0]!;

beforeAll(async () => {
  stack = await startTestStack();
  tokens.owner = await loginAs(stack.url, ada.email);
  tokens.other = await loginAs(stack.url, grace.email);
  tokens.admin = await loginAs(stack.url, admin.email);
});
afterAll(async () => {
  await stack?.stop();
});

interface Case {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  /** Where the answer is, e.g. ['order'] or ['_entities', 0]. */
  path: (string | number)[];
  expect: Record<Actor, Outcome>;
}

const ownerOnly = (anonymous: Outcome = 'UNAUTHENTICATED', other: Outcome = 'NULL'): Record<Actor, Outcome> => ({
  anonymous,
  owner: 'DATA',
  other,
  admin: 'DATA',
});

const throughRouter: Case[] = [
  {
    name: 'user(id) with email and addresses',
    query: 'query ($id: ID!) { user(id: $id) { email addresses { city } } }',
    variables: { id: ada.id },
    path: ['user'],
    expect: ownerOnly('UNAUTHENTICATED', 'FORBIDDEN'),
  },
  {
    name: 'order(id)',
    query: 'query ($id: ID!) { order(id: $id) { id total { amount } } }',
    variables: { id: adaOrder.id },
    path: ['order'],
    expect: ownerOnly(),
  },
  {
    name: 'order(id) -> buyer email',
    query: 'query ($id: ID!) { order(id: $id) { buyer { email } } }',
    variables: { id: adaOrder.id },
    path: ['order'],
    expect: ownerOnly(),
  },
  {
    name: 'order(id) -> payment',
    query: 'query ($id: ID!) { order(id: $id) { payment { status } } }',
    variables: { id: adaOrder.id },
    path: ['order'],
    expect: ownerOnly(),
  },
  {
    name: 'payment(id)',
    query: 'query ($id: ID!) { payment(id: $id) { id amount { amount } } }',
    variables: { id: adaPaymentId },
    path: ['payment'],
    expect: ownerOnly(),
  },
  {
    name: 'document(id)',
    query: 'query ($id: ID!) { document(id: $id) { id filename jobs { text } } }',
    variables: { id: adaDocument.id },
    path: ['document'],
    expect: ownerOnly(),
  },
  {
    name: "user(id) -> the user's orders",
    query: 'query ($id: ID!) { user(id: $id) { orders { edges { node { id } } } } }',
    variables: { id: ada.id },
    path: ['user'],
    expect: ownerOnly('UNAUTHENTICATED', 'FORBIDDEN'),
  },
  {
    name: "user(id) -> the user's documents",
    query: 'query ($id: ID!) { user(id: $id) { documents { id } } }',
    variables: { id: ada.id },
    path: ['user'],
    expect: ownerOnly('UNAUTHENTICATED', 'FORBIDDEN'),
  },
  {
    name: "user(id) -> the user's roles",
    query: 'query ($id: ID!) { user(id: $id) { roles } }',
    variables: { id: ada.id },
    path: ['user'],
    expect: ownerOnly('UNAUTHENTICATED', 'FORBIDDEN'),
  },
  {
    name: 'rotateSigningKey (admin only)',
    query: 'mutation { rotateSigningKey { kid } }',
    path: ['rotateSigningKey'],
    expect: { anonymous: 'UNAUTHENTICATED', owner: 'FORBIDDEN', other: 'FORBIDDEN', admin: 'DATA' },
  },
];

const entities = (typename: string, id: string, selection: string) => ({
  query: `query ($r: [_Any!]!) { _entities(representations: $r) { ... on ${typename} { ${selection} } } }`,
  variables: { r: [{ __typename: typename, id }] },
  path: ['_entities', 0],
});

const atSubgraphs: (Case & { subgraph: SubgraphName })[] = [
  {
    subgraph: 'users',
    name: 'User entity: email',
    ...entities('User', ada.id, 'email'),
    expect: ownerOnly('FORBIDDEN', 'FORBIDDEN'),
  },
  {
    subgraph: 'users',
    name: 'user(id)',
    query: 'query ($id: ID!) { user(id: $id) { email } }',
    variables: { id: ada.id },
    path: ['user'],
    expect: ownerOnly('UNAUTHENTICATED', 'FORBIDDEN'),
  },
  {
    subgraph: 'auth',
    name: 'User entity: roles',
    ...entities('User', ada.id, 'roles'),
    expect: ownerOnly('FORBIDDEN', 'FORBIDDEN'),
  },
  {
    subgraph: 'auth',
    name: 'rotateSigningKey',
    query: 'mutation { rotateSigningKey { kid } }',
    path: ['rotateSigningKey'],
    expect: { anonymous: 'UNAUTHENTICATED', owner: 'FORBIDDEN', other: 'FORBIDDEN', admin: 'DATA' },
  },
  {
    subgraph: 'orders',
    name: 'order(id)',
    query: 'query ($id: ID!) { order(id: $id) { id } }',
    variables: { id: adaOrder.id },
    path: ['order'],
    expect: ownerOnly('NULL'),
  },
  {
    subgraph: 'orders',
    name: 'Order entity',
    ...entities('Order', adaOrder.id, 'id items { quantity }'),
    expect: ownerOnly('NULL'),
  },
  {
    subgraph: 'orders',
    name: 'User entity: orders',
    ...entities('User', ada.id, 'orders { edges { node { id } } }'),
    expect: ownerOnly('UNAUTHENTICATED', 'FORBIDDEN'),
  },
  {
    subgraph: 'payments',
    name: 'payment(id)',
    query: 'query ($id: ID!) { payment(id: $id) { id } }',
    variables: { id: adaPaymentId },
    path: ['payment'],
    expect: ownerOnly(),
  },
  {
    subgraph: 'payments',
    name: 'Order entity: payment',
    ...entities('Order', adaOrder.id, 'payment { id }'),
    path: ['_entities', 0, 'payment'],
    expect: ownerOnly('NULL'),
  },
  {
    subgraph: 'payments',
    name: 'Payment entity',
    ...entities('Payment', adaPaymentId, 'id amount { amount }'),
    expect: ownerOnly('NULL'),
  },
  {
    subgraph: 'documents',
    name: 'document(id)',
    query: 'query ($id: ID!) { document(id: $id) { id } }',
    variables: { id: adaDocument.id },
    path: ['document'],
    expect: ownerOnly('NULL'),
  },
  {
    subgraph: 'documents',
    name: 'Document entity',
    ...entities('Document', adaDocument.id, 'id filename'),
    expect: ownerOnly('NULL'),
  },
  {
    subgraph: 'documents',
    name: 'DocumentJob entity',
    ...entities('DocumentJob', adaDocument.job.id, 'id text'),
    expect: ownerOnly('NULL'),
  },
  {
    subgraph: 'documents',
    name: 'User entity: documents',
    ...entities('User', ada.id, 'documents { id }'),
    expect: ownerOnly('UNAUTHENTICATED', 'FORBIDDEN'),
  },
];

function outcomeOf(
  body: { data?: Record<string, unknown> | null; errors?: { extensions?: Record<string, unknown> }[] },
  path: (string | number)[],
): Outcome | string {
  const code = body.errors?.[0]?.extensions?.code;
  if (code) return String(code);
  let value: unknown = body.data;
  for (const key of path) value = value == null ? value : (value as Record<string | number, unknown>)[key];
  return value == null ? 'NULL' : 'DATA';
}

const actors: Actor[] = ['anonymous', 'owner', 'other', 'admin'];

describe('authorization matrix through the router', () => {
  it.each(throughRouter.flatMap((c) => actors.map((actor) => [c.name, actor, c] as const)))('%s as %s', async (_, actor, c) => {
    const result = await graphql(stack.url, c.query, { variables: c.variables, token: tokens[actor] });
    expect(outcomeOf(result.body, c.path)).toBe(c.expect[actor]);
  });

  it.each(actors)('myOrders, myDocuments as %s list only the caller’s own', async (actor) => {
    const result = await graphql<{
      myOrders: { edges: { node: { buyer: { id: string } } }[] };
      myDocuments: { edges: { node: { owner: { id: string } } }[] };
    }>(stack.url, '{ myOrders { edges { node { buyer { id } } } } myDocuments { edges { node { owner { id } } } } }', {
      token: tokens[actor],
    });
    if (actor === 'anonymous') {
      expect(result.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      return;
    }
    const me = { owner: ada.id, other: grace.id, admin: admin.id }[actor];
    const owners = [
      ...result.body.data!.myOrders.edges.map((e) => e.node.buyer.id),
      ...result.body.data!.myDocuments.edges.map((e) => e.node.owner.id),
    ];
    expect(owners.every((id) => id === me)).toBe(true);
    if (actor === 'owner') expect(owners.length).toBeGreaterThan(3);
  });
});

describe('authorization matrix straight at the subgraphs (no router in between)', () => {
  it.each(atSubgraphs.flatMap((c) => actors.map((actor) => [c.subgraph, c.name, actor, c] as const)))(
    '%s: %s as %s',
    async (subgraph, _, actor, c) => {
      const result = await graphql(stack.subgraphs[subgraph].url, c.query, { variables: c.variables, token: tokens[actor] });
      expect(outcomeOf(result.body, c.path)).toBe(c.expect[actor]);
    },
  );

  it('a customer changing the password or logging out affects only their own account', async () => {
    const other = await loginAs(stack.url, grace.email);
    const changed = await graphql(
      stack.subgraphs.auth.url,
      'mutation { changePassword(input: { currentPassword: "meridian-demo-2026", newPassword: "a brand new passphrase" }) { user { id } } }',
      { token: other },
    );
    expect(changed.body.data).toEqual({ changePassword: { user: { id: grace.id } } });
    expect(await loginAs(stack.url, ada.email)).toBeTruthy(); // Ada's password is untouched
    await graphql(stack.subgraphs.auth.url, 'mutation { logoutAll }', { token: other });
    expect((await graphql(stack.url, '{ me { id } }', { token: tokens.owner })).body.data).toEqual({ me: { id: ada.id } });
  });
});
