import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '#kit/logger';
import { createInProcessPubSub } from '#kit/pubsub';
import { readSchemaFile } from '#kit/subgraph-server';
import { createTestDatabase, inProcessSubgraph, testViewer, type TestDatabase } from '#kit/testing';
import { createDocumentStore, createDocumentsDb, type DocumentsDb } from '../adapters/prisma-document-store.ts';
import type { DocumentStore } from '../ports.ts';
import { createLoaders, type Context } from './context.ts';
import { createResolvers } from './resolvers.ts';

let database: TestDatabase;
let db: DocumentsDb;
let store: DocumentStore;
let subgraph: Awaited<ReturnType<typeof inProcessSubgraph>>;
const sql: string[] = [];
const logger = createLogger('test', 'silent');

const uuid = () => crypto.randomUUID();
const admin = testViewer(uuid(), ['ADMIN']);
const users = Array.from({ length: 20 }, () => uuid());
const ada = users[0]!;
const bob = users[1]!;
/** Each user's document ids, newest first. */
const documentsOf = new Map<string, string[]>();
const jobsOf = new Map<string, string[]>(); // document id -> job ids, newest first
const byNewest = (a: { id: string; createdAt: Date }, b: { id: string; createdAt: Date }) =>
  b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1);

beforeAll(async () => {
  database = await createTestDatabase('documents');
  db = createDocumentsDb(database.url, 4, true);
  db.$on('query', (event) => sql.push(event.query));
  store = createDocumentStore(db);
  // In-process Apollo Server on the real schema and error formatter: no HTTP, so tests can pick the viewer.
  subgraph = await inProcessSubgraph<Context>({
    typeDefs: readSchemaFile(import.meta.url, 2),
    resolvers: createResolvers({ documents: store, pubsub: createInProcessPubSub() }),
    contextFor: (viewer) => ({ viewer, correlationId: 'test', logger, loaders: createLoaders(store) }),
  });

  const base = Date.parse('2026-06-01T00:00:00.000Z');
  for (const [u, ownerId] of users.entries()) {
    const count = u === 0 ? 45 : 4 + (u % 5); // Ada has enough for several pages
    const seeded: { id: string; createdAt: Date }[] = [];
    for (let i = 0; i < count; i += 1) {
      const id = uuid();
      const createdAt = new Date(base + Math.floor(i / 2) * 1000);
      // Pairs share a timestamp, so pagination must break ties by id.
      await store.saveDocument({
        id,
        ownerId,
        filename: `doc-${i}.pdf`,
        contentType: 'application/pdf',
        sizeBytes: 1000 + i,
        objectKey: `documents/${ownerId}/${uuid()}`,
        status: 'PROCESSED',
        createdAt,
      });
      seeded.push({ id, createdAt });
    }
    const newestFirst = seeded.sort(byNewest).map((d) => d.id);
    documentsOf.set(ownerId, newestFirst);
    if (u < 3) {
      for (const documentId of newestFirst.slice(0, 2)) {
        const [older, newer] = [uuid(), uuid()];
        await store.saveJob({
          id: older,
          documentId,
          status: 'FAILED',
          progress: 30,
          attempts: 3,
          failureReason: 'timeout',
          createdAt: new Date(base),
        });
        await store.saveJob({
          id: newer,
          documentId,
          status: 'COMPLETED',
          progress: 100,
          attempts: 1,
          text: 'hi',
          pageCount: 1,
          createdAt: new Date(base + 1),
        });
        jobsOf.set(documentId, [newer, older]);
      }
    }
  }
});
afterAll(async () => {
  await subgraph.stop();
  await db.$disconnect();
  await database.drop();
});

const codeOf = (result: { errors?: readonly { extensions?: Record<string, unknown> }[] }) => result.errors?.[0]?.extensions?.code;
const entities =
  'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id recent: documents(first: 3) { id } few: documents(first: 1) { id } } ... on Document { id filename size owner { id } } ... on DocumentJob { id status document { id } } } }';
const refs = (typename: string, ids: string[]) => ids.map((id) => ({ __typename: typename, id }));
type UserDocuments = { _entities: { id: string; recent: { id: string }[]; few: { id: string }[] }[] };
interface Connection<T> {
  edges: { node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

describe('documents resolvers on real PostgreSQL', () => {
  it('User.documents for 20 users costs one SQL query, each user getting their own most recent documents', async () => {
    sql.length = 0;
    const result = await subgraph.run<UserDocuments>(admin, entities, { r: refs('User', users) });
    expect(result.errors).toBeUndefined();
    expect(sql).toHaveLength(1);
    const got = result.data!._entities;
    expect(got.map((u) => u.id)).toEqual(users);
    for (const user of got) {
      expect(user.recent.map((d) => d.id)).toEqual(documentsOf.get(user.id)!.slice(0, 3));
      expect(user.few.map((d) => d.id)).toEqual(documentsOf.get(user.id)!.slice(0, 1));
    }
  });

  it('User.documents is the user’s own or an admin’s to read; anyone else gets FORBIDDEN', async () => {
    const own = await subgraph.run<UserDocuments>(testViewer(ada), entities, { r: refs('User', [ada]) });
    expect(own.data!._entities[0]!.recent).toHaveLength(3);
    const other = await subgraph.run(testViewer(ada), entities, { r: refs('User', [bob]) });
    expect(codeOf(other)).toBe('FORBIDDEN');
    expect(codeOf(await subgraph.run(null, entities, { r: refs('User', [ada]) }))).toBe('UNAUTHENTICATED');
  });

  it('User.documents refuses more than 100 as BAD_USER_INPUT', async () => {
    const result = await subgraph.run(
      admin,
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { documents(first: 101) { id } } } }',
      {
        r: refs('User', [ada]),
      },
    );
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
  });

  it('myDocuments pages through the viewer’s own documents newest first, without gaps or repeats', async () => {
    const query =
      'query ($after: String) { myDocuments(first: 10, after: $after) { edges { node { id owner { id } } } pageInfo { hasNextPage endCursor } } }';
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page += 1) {
      type Page = { myDocuments: Connection<{ id: string; owner: { id: string } }> };
      const connection: Page['myDocuments'] = (await subgraph.run<Page>(testViewer(ada), query, { after })).data!.myDocuments;
      seen.push(...connection.edges.map((e) => e.node.id));
      expect(connection.edges.every((e) => e.node.owner.id === ada)).toBe(true);
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(documentsOf.get(ada));
    expect(seen).toHaveLength(45);
    expect(codeOf(await subgraph.run(null, query))).toBe('UNAUTHENTICATED');
  });

  it('document(id) is the owner’s or an admin’s; for anyone else it is null, as if it did not exist', async () => {
    const query = 'query ($id: ID!) { document(id: $id) { id size } }';
    const id = documentsOf.get(bob)![0]!;
    expect((await subgraph.run(testViewer(bob), query, { id })).data!.document).toMatchObject({ id });
    expect((await subgraph.run(admin, query, { id })).data!.document).toMatchObject({ id });
    const stranger = await subgraph.run(testViewer(ada), query, { id });
    expect(stranger.errors).toBeUndefined();
    expect(stranger.data!.document).toBeNull();
    expect((await subgraph.run(null, query, { id })).data!.document).toBeNull();
  });

  it('failedDocumentJobs is for admins only, and bounded', async () => {
    const query = '{ failedDocumentJobs(last: 5) { id status failureReason } }';
    const listed = await subgraph.run<{ failedDocumentJobs: { status: string }[] }>(admin, query);
    expect(listed.errors).toBeUndefined();
    expect(listed.data!.failedDocumentJobs.every((j) => j.status === 'FAILED')).toBe(true);
    expect(codeOf(await subgraph.run(testViewer(ada), query))).toBe('FORBIDDEN');
    expect(codeOf(await subgraph.run(admin, '{ failedDocumentJobs(last: 100000) { id } }'))).toBe('BAD_USER_INPUT');
  });

  it('jobs of many documents load in one query, newest first', async () => {
    const docs = documentsOf.get(ada)!.slice(0, 10);
    sql.length = 0;
    type Page = { myDocuments: Connection<{ id: string; jobs: { id: string }[] }> };
    const result = await subgraph.run<Page>(
      testViewer(ada),
      'query { myDocuments(first: 10) { edges { node { id jobs { id status } } } pageInfo { hasNextPage } } }',
    );
    expect(sql).toHaveLength(2); // the page, then all jobs
    const nodes = result.data!.myDocuments.edges.map((e) => e.node);
    expect(nodes.map((n) => n.id)).toEqual(docs);
    for (const node of nodes) expect(node.jobs.map((j) => j.id)).toEqual(jobsOf.get(node.id) ?? []);
    expect(nodes.filter((n) => n.jobs.length === 2)).toHaveLength(2);
  });

  it('document and job references resolve batched, and only to what the viewer may see', async () => {
    const adaDocs = documentsOf.get(ada)!.slice(0, 2);
    const adaJobs = adaDocs.flatMap((documentId) => jobsOf.get(documentId)!.map((id) => ({ id, documentId })));
    const bobJob = jobsOf.get(documentsOf.get(bob)![0]!)![0]!;
    sql.length = 0;
    const result = await subgraph.run(testViewer(ada), entities, {
      r: [
        ...refs('Document', [...adaDocs, documentsOf.get(bob)![0]!]),
        ...refs('DocumentJob', [...adaJobs.map((j) => j.id), bobJob, uuid()]),
      ],
    });
    expect(result.errors).toBeUndefined();
    expect(result.data!._entities).toEqual([
      ...adaDocs.map((id) => ({
        id,
        filename: expect.stringMatching(/^doc-\d+\.pdf$/),
        size: expect.any(Number),
        owner: { id: ada },
      })),
      null,
      ...adaJobs.map(({ id, documentId }) => ({
        id,
        status: expect.stringMatching(/^(COMPLETED|FAILED)$/),
        document: { id: documentId },
      })),
      null,
      null,
    ]);
    expect(sql.filter((q) => q.includes('"document_jobs"'))).toHaveLength(1);
    expect(sql.filter((q) => q.includes('FROM "public"."documents"'))).toHaveLength(1);
  });
});
