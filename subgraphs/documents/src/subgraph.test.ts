import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessEventBus } from '#kit/events';
import { createLogger } from '#kit/logger';
import { createInProcessPubSub } from '#kit/pubsub';
import type { RunningSubgraph } from '#kit/subgraph-server';
import { createTestDatabase, postGraphQL, testSubgraphConfig, type TestDatabase } from '#kit/testing';
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
  subgraph = await startDocumentsSubgraph(testSubgraphConfig('documents', database.url), {
    bus: createInProcessEventBus(createLogger('test', 'silent')),
    pubsub: createInProcessPubSub(),
  });
});
afterAll(async () => {
  await subgraph?.stop();
  await database?.drop();
});

describe('documents subgraph over HTTP', () => {
  it('publishes its SDL with the Document and DocumentJob entities and its contribution to User', async () => {
    const { body } = await postGraphQL<{ _service: { sdl: string } }>(subgraph.url, '{ _service { sdl } }');
    const sdl: string = body.data!._service.sdl;
    expect(sdl).toMatch(/type Document\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type DocumentJob\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type User\s+@key\(fields: "id"\)\s*{[^}]*documents\(/);
  });

  it('resolves document and job references to null for an anonymous viewer, though both exist', async () => {
    const { status, body } = await postGraphQL(
      subgraph.url,
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Document { id filename } ... on DocumentJob { id progress } } }',
      {
        variables: {
          r: [
            { __typename: 'Document', id: documentId },
            { __typename: 'DocumentJob', id: jobId },
          ],
        },
      },
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data!._entities).toEqual([null, null]);
  });

  it("refuses a user's documents to an anonymous viewer as UNAUTHENTICATED", async () => {
    const { body } = await postGraphQL(
      subgraph.url,
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { documents { id } } } }',
      { variables: { r: [{ __typename: 'User', id: ownerId }] } },
    );
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('answers document(id) with null and myDocuments with UNAUTHENTICATED for an anonymous viewer', async () => {
    const single = await postGraphQL(subgraph.url, 'query ($id: ID!) { document(id: $id) { id } }', {
      variables: { id: documentId },
    });
    expect(single.body.data).toEqual({ document: null });
    const mine = await postGraphQL(subgraph.url, '{ myDocuments { edges { cursor } } }');
    expect(mine.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
