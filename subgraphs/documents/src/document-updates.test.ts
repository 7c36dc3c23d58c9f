/**
 * `documentJobUpdated` and `documentUpdated` over graphql-ws on the real documents subgraph, fed the
 * way production feeds them: job events on the Redis event bus -> group `documents-live` -> Redis
 * pub/sub -> watchers.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisEventBus, domainEvent, type EventBus } from '#kit/events';
import { createLogger } from '#kit/logger';
import { createRedisPubSub, type PubSub } from '#kit/pubsub';
import type { RunningSubgraph } from '#kit/subgraph-server';
import { startTestIssuer, type TestIssuer } from '#kit/test-tokens';
import {
  createTestDatabase,
  dropRedisNamespace,
  testRedisUrl,
  testSubgraphConfig,
  type TestDatabase,
  eventually,
} from '#kit/testing';
import { connectLive, openSubscriptions, type LiveConnection } from '#kit/live-client';
import { createDocumentStore, createDocumentsDb, type DocumentsDb } from './adapters/prisma-document-store.ts';
import type { DocumentStore, JobSeed } from './ports.ts';
import type { DocumentStatus } from './domain/document.ts';
import { startDocumentsSubgraph } from './subgraph.ts';

const logger = createLogger('test', 'silent');
const namespace = `test-documents-live-${randomUUID().slice(0, 8)}`;
const alice = randomUUID();
const bob = randomUUID();
const jobQuery = `subscription ($id: ID!) {
  documentJobUpdated(jobId: $id) { id status progress attempts failureReason text }
}`;
const documentQuery = `subscription ($id: ID!) {
  documentUpdated(id: $id) { id status jobs { id } }
}`;

let database: TestDatabase;
let db: DocumentsDb;
let store: DocumentStore;
let issuer: TestIssuer;
let connection: Redis;
let bus: EventBus;
let pubsub: PubSub;
let subgraph: RunningSubgraph;
let aliceToken: string;
const connections: LiveConnection[] = [];

/** A graphql-ws client of the subgraph; `token` goes in the connection_init payload. */
function liveClient(token?: string): Client {
  const connection = connectLive(subgraph.url, { token });
  connections.push(connection);
  return connection.client;
}

async function seedDocument(ownerId: string, status: DocumentStatus = 'PROCESSING'): Promise<string> {
  const id = randomUUID();
  await store.saveDocument({
    id,
    ownerId,
    filename: 'receipt.txt',
    contentType: 'text/plain',
    sizeBytes: 64,
    objectKey: `documents/${ownerId}/${randomUUID()}`,
    status,
  });
  return id;
}

async function seedJob(documentId: string, job: Partial<JobSeed> = {}): Promise<string> {
  const id = randomUUID();
  await store.saveJob({ id, documentId, status: 'PENDING', progress: 0, attempts: 0, ...job });
  return id;
}

/** Publishes `document.job.updated` on the bus as the documents outbox would. */
function publishJob(jobId: string, documentId: string, move: { status: string; progress: number; attempts: number }) {
  const payload = { jobId, documentId, ownerId: alice, failureReason: null, at: new Date().toISOString(), ...move };
  return bus.publish(domainEvent('document.job.updated', payload));
}

type Data = Record<string, Record<string, unknown>>;
const watchJob = (client: Client, id: string, extensions?: Record<string, unknown>) =>
  client.iterate<Data>({ query: jobQuery, variables: { id }, extensions });
const watchDocument = (client: Client, id: string) => client.iterate<Data>({ query: documentQuery, variables: { id } });

/** `field` of each event until the subscription completes. */
async function rest(events: AsyncIterable<{ data?: Data | null }>, field: string): Promise<Record<string, unknown>[]> {
  const seen: Record<string, unknown>[] = [];
  for await (const event of events) seen.push(event.data![field]!);
  return seen;
}

beforeAll(async () => {
  database = await createTestDatabase('documents');
  db = createDocumentsDb(database.url, 2);
  store = createDocumentStore(db);
  issuer = await startTestIssuer();
  connection = new Redis(testRedisUrl, { maxRetriesPerRequest: null });
  bus = createRedisEventBus(connection, logger, { namespace });
  pubsub = createRedisPubSub(connection, logger, { namespace });
  subgraph = await startDocumentsSubgraph(testSubgraphConfig('documents', database.url, { tokens: issuer.tokens }), {
    bus,
    pubsub,
  });
  aliceToken = await issuer.sign(alice);
});
afterAll(async () => {
  await Promise.all(connections.map((connection) => connection.dispose()));
  await subgraph?.stop();
  await bus?.close();
  await pubsub?.close();
  await connection?.quit();
  await db?.$disconnect();
  await issuer?.stop();
  await dropRedisNamespace(namespace);
  await database?.drop();
});

describe('documentJobUpdated over graphql-ws', () => {
  it("the worker's writes reach the watcher in order through outbox, bus and pub/sub; it completes after COMPLETED, with the text", async () => {
    const documentId = await seedDocument(alice, 'UPLOADED');
    const jobId = await seedJob(documentId);
    const events = watchJob(liveClient(aliceToken), jobId);
    expect((await events.next()).value?.data?.documentJobUpdated).toMatchObject({ status: 'PENDING', progress: 0, attempts: 0 });

    // What the worker does with a job (see processJob), each write with its event in the outbox.
    const claimed = (await store.claimJob(jobId))!;
    const ref = { id: jobId, documentId, attempts: claimed.attempts, ownerId: alice };
    await store.setProgress(ref, 30);
    await store.setProgress(ref, 90);
    await store.completeJob(ref, 'Total: 12.50 EUR', 1);

    expect(await rest(events, 'documentJobUpdated')).toEqual([
      { id: jobId, status: 'RUNNING', progress: 0, attempts: 1, failureReason: null, text: null },
      { id: jobId, status: 'RUNNING', progress: 30, attempts: 1, failureReason: null, text: null },
      { id: jobId, status: 'RUNNING', progress: 90, attempts: 1, failureReason: null, text: null },
      { id: jobId, status: 'COMPLETED', progress: 100, attempts: 1, failureReason: null, text: 'Total: 12.50 EUR' },
    ]);
  });

  it('a retry is a move forward (one more attempt, from 0 %); a stale or repeated move is skipped; FAILED ends it', async () => {
    const documentId = await seedDocument(alice);
    const jobId = await seedJob(documentId, { status: 'RUNNING', progress: 30, attempts: 1 });
    const events = watchJob(liveClient(aliceToken), jobId);
    expect((await events.next()).value?.data?.documentJobUpdated).toMatchObject({ status: 'RUNNING', progress: 30, attempts: 1 });
    await publishJob(jobId, documentId, { status: 'RUNNING', progress: 0, attempts: 1 }); // older than what was read
    await publishJob(jobId, documentId, { status: 'RUNNING', progress: 30, attempts: 1 }); // redelivered
    await publishJob(jobId, documentId, { status: 'RUNNING', progress: 0, attempts: 2 }); // the retry
    await publishJob(jobId, documentId, { status: 'RUNNING', progress: 90, attempts: 1 }); // the first attempt, late
    await publishJob(jobId, documentId, { status: 'RUNNING', progress: 30, attempts: 2 });
    await bus.publish(
      domainEvent('document.job.updated', {
        jobId,
        documentId,
        ownerId: alice,
        status: 'FAILED',
        progress: 30,
        attempts: 2,
        failureReason: 'Gave up after 2 attempts: storage unreachable',
        at: new Date().toISOString(),
      }),
    );
    const moves = await rest(events, 'documentJobUpdated');
    expect(moves.map(({ status, progress, attempts }) => [status, progress, attempts])).toEqual([
      ['RUNNING', 0, 2],
      ['RUNNING', 30, 2],
      ['FAILED', 30, 2],
    ]);
    expect(moves.at(-1)?.failureReason).toBe('Gave up after 2 attempts: storage unreachable');
  });

  it('a job already finished is sent once, then the subscription completes', async () => {
    const documentId = await seedDocument(alice, 'PROCESSED');
    const jobId = await seedJob(documentId, {
      status: 'COMPLETED',
      progress: 100,
      attempts: 1,
      text: 'done',
      finishedAt: new Date(),
    });
    expect(await rest(watchJob(liveClient(aliceToken), jobId), 'documentJobUpdated')).toEqual([
      { id: jobId, status: 'COMPLETED', progress: 100, attempts: 1, failureReason: null, text: 'done' },
    ]);
  });

  it("refuses a job of another customer's document as FORBIDDEN; NOT_FOUND, BAD_USER_INPUT and UNAUTHENTICATED as they apply", async () => {
    const bobsJob = await seedJob(await seedDocument(bob));
    const codeOf = async (client: Client, id: string) => (await watchJob(client, id).next()).value?.errors?.[0]?.extensions?.code;
    expect(await codeOf(liveClient(aliceToken), bobsJob)).toBe('FORBIDDEN');
    expect(await codeOf(liveClient(aliceToken), randomUUID())).toBe('NOT_FOUND');
    expect(await codeOf(liveClient(aliceToken), 'job-1')).toBe('BAD_USER_INPUT');
    expect(await codeOf(liveClient(), bobsJob)).toBe('UNAUTHENTICATED');
    const admin = liveClient(await issuer.sign(randomUUID(), ['ADMIN']));
    const watched = watchJob(admin, bobsJob);
    expect((await watched.next()).value?.data?.documentJobUpdated).toMatchObject({ id: bobsJob, status: 'PENDING' });
    await watched.return?.();
  });

  it("takes each operation's token from extensions.authorization; a bad token at connection_init closes with 4401", async () => {
    const jobId = await seedJob(await seedDocument(alice));
    const events = watchJob(liveClient(), jobId, { authorization: `Bearer ${aliceToken}` });
    expect((await events.next()).value?.data?.documentJobUpdated).toMatchObject({ id: jobId });
    await events.return?.();
    await expect(watchJob(liveClient('not-a-jwt'), jobId).next()).rejects.toMatchObject({ code: 4401 });
  });

  it('releases both pub/sub channels when the clients leave', async () => {
    const documentId = await seedDocument(alice);
    const jobId = await seedJob(documentId);
    const listeners = async (channel: string) =>
      Number(((await connection.pubsub('NUMSUB', `${namespace}:live:${channel}`)) as [string, number])[1]);
    const health = () => openSubscriptions(subgraph.http.url);
    const before = await health();
    const client = liveClient(aliceToken);
    const job = watchJob(client, jobId);
    const document = watchDocument(client, documentId);
    await Promise.all([job.next(), document.next()]);
    expect([await listeners(`document-job:${jobId}`), await listeners(`document:${documentId}`), await health()]).toEqual([
      1,
      1,
      before + 2,
    ]);
    await job.return?.();
    await document.return?.();
    await eventually(
      async () =>
        (await health()) === before &&
        (await listeners(`document-job:${jobId}`)) === 0 &&
        (await listeners(`document:${documentId}`)) === 0,
      'both subscriptions are gone',
    );
  });
});

describe('documentUpdated over graphql-ws', () => {
  it("follows every job of the document, a reprocess included, skipping each job's stale moves, and ends when the document is deleted", async () => {
    const documentId = await seedDocument(alice, 'PROCESSED');
    const first = await seedJob(documentId, { status: 'COMPLETED', progress: 100, attempts: 1, finishedAt: new Date() });
    const events = watchDocument(liveClient(aliceToken), documentId);
    expect((await events.next()).value?.data?.documentUpdated).toEqual({
      id: documentId,
      status: 'PROCESSED',
      jobs: [{ id: first }],
    });

    const second = await seedJob(documentId); // reprocessDocument's new job
    await publishJob(first, documentId, { status: 'COMPLETED', progress: 100, attempts: 1 }); // redelivered: skipped
    await publishJob(second, documentId, { status: 'RUNNING', progress: 0, attempts: 1 });
    await publishJob(second, documentId, { status: 'RUNNING', progress: 30, attempts: 1 });
    await publishJob(second, documentId, { status: 'COMPLETED', progress: 100, attempts: 1 });
    const seen: unknown[] = [];
    for (let i = 0; i < 3; i += 1) seen.push((await events.next()).value?.data?.documentUpdated?.status);
    expect(seen).toEqual(['PROCESSING', 'PROCESSING', 'PROCESSED']);

    // It goes on (another reprocess may come) until the document is deleted, which the outbox announces.
    await store.deleteDocument((await store.byIds([documentId]))[0]!, new Date());
    expect((await events.next()).done).toBe(true);
  });

  it("refuses another customer's document as FORBIDDEN, and NOT_FOUND for no such document", async () => {
    const bobs = await seedDocument(bob);
    const codeOf = async (id: string) =>
      (await watchDocument(liveClient(aliceToken), id).next()).value?.errors?.[0]?.extensions?.code;
    expect(await codeOf(bobs)).toBe('FORBIDDEN');
    expect(await codeOf(randomUUID())).toBe('NOT_FOUND');
  });

  it('a watcher of a job whose document is deleted before the job finished is told it is over', async () => {
    const documentId = await seedDocument(alice);
    const jobId = await seedJob(documentId, { status: 'RUNNING', progress: 30, attempts: 1 });
    const events = watchJob(liveClient(aliceToken), jobId);
    await events.next();
    await store.deleteDocument((await store.byIds([documentId]))[0]!, new Date());
    expect((await events.next()).done).toBe(true);
  });
});
