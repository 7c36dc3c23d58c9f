/**
 * The router serves any composed supergraph file and forwards what subgraphs need: the bearer token
 * of a verified caller and the correlation id. A probe subgraph records the headers it receives.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unauthenticated } from '#kit/errors';
import { createLogger } from '#kit/logger';
import { postGraphQL as graphql } from '#kit/testing';
import { composeSupergraph } from './compose.ts';
import { startRouter, type RunningRouter } from './router.ts';

const typeDefs = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
  type Query { probe: Probe! }
  type Probe { authorization: String correlationId: String userId: String forwardedFor: String }
`;
const dir = mkdtempSync(join(tmpdir(), 'meridian-probe-'));
let probe: ApolloServer<{ headers: Record<string, string | string[] | undefined> }>;
let router: RunningRouter;

beforeAll(async () => {
  probe = new ApolloServer({
    schema: buildSubgraphSchema({
      typeDefs: parse(typeDefs),
      resolvers: {
        Query: {
          probe: (_: unknown, __: unknown, context: unknown) => {
            const { headers } = context as { headers: Record<string, string | undefined> };
            return {
              authorization: headers.authorization ?? null,
              correlationId: headers['x-correlation-id'] ?? null,
              userId: headers['x-user-id'] ?? null,
              forwardedFor: headers['x-forwarded-for'] ?? null,
            };
          },
        },
      },
    }),
  });
  const { url } = await startStandaloneServer(probe, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => ({ headers: req.headers }),
  });
  const supergraphPath = join(dir, 'probe-supergraph.graphql');
  writeFileSync(supergraphPath, composeSupergraph([{ name: 'probe', url, typeDefs }]));
  router = await startRouter({
    supergraphPath,
    port: 0,
    production: false,
    maxBodyBytes: 64 * 1024,
    tokens: { jwksUrl: 'http://127.0.0.1:9/.well-known/jwks.json', issuer: 'i', audience: 'a' },
    logger: createLogger('router', 'silent'),
    // Stands in for JWKS verification, which router.test.ts covers against the real auth subgraph.
    verifyToken: async (token) => {
      if (token !== 'good-token') throw unauthenticated('The access token is not valid');
      return { id: 'u1', roles: ['CUSTOMER'], scopes: ['customer'], isAdmin: false, token };
    },
  });
});
afterAll(async () => {
  await router?.stop();
  await probe?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('router header propagation', () => {
  it('forwards the verified bearer token and the correlation id to the subgraph', async () => {
    const result = await graphql(router.url, '{ probe { authorization correlationId } }', {
      token: 'good-token',
      headers: { 'x-correlation-id': 'corr-42' },
    });
    expect(result.body.data).toEqual({ probe: { authorization: 'Bearer good-token', correlationId: 'corr-42' } });
  });

  it('forwards the generated correlation id it echoes to the client', async () => {
    const result = await graphql<{ probe: { correlationId: string } }>(router.url, '{ probe { correlationId } }');
    expect(result.body.data?.probe.correlationId).toBe(result.headers.get('x-correlation-id'));
  });

  it('does not pass client-chosen identity headers on to subgraphs', async () => {
    const result = await graphql(router.url, '{ probe { userId authorization } }', { headers: { 'x-user-id': 'admin' } });
    expect(result.body.data).toEqual({ probe: { userId: null, authorization: null } });
  });

  it('an invalid token never reaches the subgraph: 401 UNAUTHENTICATED', async () => {
    const result = await graphql(router.url, '{ probe { authorization } }', { token: 'forged' });
    expect(result.status).toBe(401);
    expect(result.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it("tells subgraphs the client's address, ignoring an x-forwarded-for the client made up", async () => {
    const result = await graphql(router.url, '{ probe { forwardedFor } }', { headers: { 'x-forwarded-for': '203.0.113.5' } });
    expect(result.body.data).toEqual({ probe: { forwardedFor: '127.0.0.1' } });
  });
});
