/**
 * Test harness: the whole supergraph in this process on the machine's real PostgreSQL (a fresh
 * database per subgraph, dropped afterwards), with the demo data, and a GraphQL client for it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { subgraphNames, type SubgraphName } from '#kit';
import { createTestDatabase, postGraphQL, type TestDatabase } from '#kit/testing';
import { demoPassword, demoUsers } from './demo-data.ts';
import { startEmbeddedStack, type EmbeddedOptions, type EmbeddedStack } from './embedded.ts';

/** POSTs a GraphQL operation to the router; `token` becomes the bearer token. */
export const graphql = postGraphQL;

/** Logs in through the router as a demo user and returns the access token. */
export async function loginAs(url: string, email: string = demoUsers[0]!.email, password = demoPassword): Promise<string> {
  const result = await graphql<{ login: { accessToken: string } }>(
    url,
    'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }',
    { variables: { input: { email, password } } },
  );
  const token = result.body.data?.login.accessToken;
  if (!token) throw new Error(`login failed: ${JSON.stringify(result.body.errors)}`);
  return token;
}

export interface TestStack extends EmbeddedStack {
  url: string;
  dataDir: string;
}

/** Starts the in-process stack on fresh real-PostgreSQL databases; `stop()` drops them. */
export async function startTestStack(options: Partial<EmbeddedOptions> = {}): Promise<TestStack> {
  const databases = {} as Record<SubgraphName, TestDatabase>;
  for (const name of subgraphNames) databases[name] = await createTestDatabase(name);
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-test-'));
  const stack = await startEmbeddedStack({
    dataDir,
    routerPort: 0,
    subgraphPorts: 'ephemeral',
    logLevel: 'silent',
    databaseUrls: Object.fromEntries(subgraphNames.map((n) => [n, databases[n].url])) as Record<SubgraphName, string>,
    ...options,
  });
  return {
    ...stack,
    url: stack.router.url,
    dataDir,
    async stop() {
      await stack.stop();
      for (const name of subgraphNames) await databases[name].drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The cross-subgraph queries. */
export const productsQuery = '{ products(first: 3) { edges { node { name price { amount currency } } } } }';
export const meQuery = `{ me { displayName roles orders(first: 5) { edges { node { status total { amount }
  items { quantity product { name } } payment { status } } } } documents { filename status } } }`;
