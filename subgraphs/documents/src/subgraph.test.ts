import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessEventBus, createLogger, type RunningSubgraph, type SubgraphConfig } from '#kit';
import { createTestDatabase, type TestDatabase } from '#kit/testing';
import { createDocumentStore, createDocumentsDb } from './adapters/prisma-document-store.ts';
import { startDocumentsSubgraph } from './subgraph.ts';

let database: TestDatabase;
let subgraph: RunningSubgraph;
const ownerId = crypto.randomUUID();
const documentId = crypto.randomUUID();
const jobId = crypto.randomUUID();

beforeAll(async () => {
  database = await createTestDatabase('documents');
  const db = createDocumentsDb(database.url, 1);
  const store = createDocumentStore(db);
  await store.saveDocument({
    id: documentId,
    ownerId,
    filename: 'scan.png',
    contentType: 'image/png',
    sizeBytes: 512,
    objectKey: `documents/${ownerId}/${crypto.randomUUID()}`,
    status: 'PROCESSING',
  });
  await store.saveJob({ id: jobId, documentId, status: 'RUNNING', progress: 50, attempts: 1 });
  await db.$disconnect();
  const config: SubgraphConfig = {
    name: 'documents',
    port: 0,
    host: '127.0.0.1',
    databaseUrl: database.url,
    databasePoolMax: 4,
    maxBodyBytes: 1_000_000,
    production: false,
    logLevel: 'silent',
    redisUrl: undefined,
    tokens: { jwksUrl: 'http://127.0.0.1:9/.well-known/jwks.json', issuer: 'meridian-auth', audience: 'meridian' },
  };
  subgraph = await startDocumentsSubgraph(config, { bus: createInProcessEventBus(createLogger('test', 'silent')) });
});
afterAll(async () => {
  await subgraph?.stop();
  await database?.drop();
});

async function post<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>) {
  const response = await fetch(subgraph.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    body: (await response.json()) as { data?: T; errors?: { extensions?: { code?: string } }[] },
  };
}

describe('documents subgraph over HTTP', () => {
  it('publishes its SDL with the Document and DocumentJob entities and its contribution to User', async () => {
    const { body } = await post<{ _service: { sdl: string } }>('{ _service { sdl } }');
    const sdl: string = body.data!._service.sdl;
    expect(sdl).toMatch(/type Document\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type DocumentJob\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type User\s+@key\(fields: "id"\)\s*{[^}]*documents\(/);
  });

  it('resolves document and job references to null for an anonymous viewer, though both exist', async () => {
    const { status, body } = await post(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Document { id filename } ... on DocumentJob { id progress } } }',
      {
        r: [
          { __typename: 'Document', id: documentId },
          { __typename: 'DocumentJob', id: jobId },
        ],
      },
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data!._entities).toEqual([null, null]);
  });

  it("refuses a user's documents to an anonymous viewer as UNAUTHENTICATED", async () => {
    const { body } = await post('query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { documents { id } } } }', {
      r: [{ __typename: 'User', id: ownerId }],
    });
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('answers document(id) with null and myDocuments with UNAUTHENTICATED for an anonymous viewer', async () => {
    const single = await post('query ($id: ID!) { document(id: $id) { id } }', { id: documentId });
    expect(single.body.data).toEqual({ document: null });
    const mine = await post('{ myDocuments { edges { cursor } } }');
    expect(mine.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
