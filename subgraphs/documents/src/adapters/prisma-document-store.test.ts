import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cursor } from '#kit/pagination';
import { createTestDatabase, type TestDatabase } from '#kit/testing';
import type { DocumentSeed } from '../ports.ts';
import { createDocumentStore, createDocumentsDb, type DocumentsDb } from './prisma-document-store.ts';

let database: TestDatabase;
let db: DocumentsDb;

beforeAll(async () => {
  database = await createTestDatabase('documents');
  db = createDocumentsDb(database.url, 2);
});
afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

const uuid = () => crypto.randomUUID();
const seed = (ownerId: string, createdAt: Date, overrides: Partial<DocumentSeed> = {}) => ({
  id: uuid(),
  ownerId,
  filename: 'scan.pdf',
  contentType: 'application/pdf',
  sizeBytes: 2048,
  objectKey: `uploads/${ownerId}/${uuid()}`,
  fileKey: overrides.status === 'UPLOADING' ? null : `documents/${ownerId}/${uuid()}`,
  fileEtag: overrides.status === 'UPLOADING' ? null : 'etag-at-submit',
  status: 'PROCESSED' as const,
  createdAt,
  ...overrides,
});
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));

describe('prisma document store (real PostgreSQL)', () => {
  it('saving a document or job again by id replaces it', async () => {
    const store = createDocumentStore(db);
    const doc = seed(uuid(), at(0), { status: 'UPLOADING' });
    await store.saveDocument(doc);
    await store.saveDocument({ ...doc, status: 'PROCESSED', filename: 'renamed.pdf' });
    const jobId = uuid();
    await store.saveJob({ id: jobId, documentId: doc.id, status: 'RUNNING', progress: 40, attempts: 1 });
    const finishedAt = at(5);
    await store.saveJob({
      id: jobId,
      documentId: doc.id,
      status: 'COMPLETED',
      progress: 100,
      attempts: 1,
      text: 'hello',
      pageCount: 1,
      finishedAt,
    });

    // Seeded submitted without a file key: its file is where it was uploaded.
    expect(await store.byIds([doc.id])).toEqual([
      { ...doc, status: 'PROCESSED', filename: 'renamed.pdf', fileKey: doc.objectKey },
    ]);
    const [job] = await store.jobsByIds([jobId]);
    expect(job).toMatchObject({
      status: 'COMPLETED',
      progress: 100,
      text: 'hello',
      pageCount: 1,
      failureReason: null,
      finishedAt,
    });
    expect(await db.documentJob.count({ where: { documentId: doc.id } })).toBe(1);
  });

  it('loads the jobs of several documents at once, each document’s newest first', async () => {
    const store = createDocumentStore(db);
    const owner = uuid();
    const a = seed(owner, at(0));
    const b = seed(owner, at(1));
    await store.saveDocument(a);
    await store.saveDocument(b);
    const [first, second, other] = [uuid(), uuid(), uuid()];
    await store.saveJob({
      id: first,
      documentId: a.id,
      status: 'FAILED',
      progress: 10,
      attempts: 3,
      failureReason: 'unreadable',
      createdAt: at(1),
    });
    await store.saveJob({ id: second, documentId: a.id, status: 'COMPLETED', progress: 100, attempts: 1, createdAt: at(2) });
    await store.saveJob({ id: other, documentId: b.id, status: 'PENDING', progress: 0, attempts: 0, createdAt: at(3) });

    const jobs = await store.jobsOf([a.id, b.id]);
    expect(jobs.filter((j) => j.documentId === a.id).map((j) => j.id)).toEqual([second, first]);
    expect(jobs.filter((j) => j.documentId === b.id).map((j) => j.id)).toEqual([other]);
  });

  it("reads a document's newest job, and where each of its jobs is without their text", async () => {
    const store = createDocumentStore(db);
    const doc = seed(uuid(), at(0));
    await store.saveDocument(doc);
    expect(await store.latestJobOf(doc.id)).toBeNull();
    const [older, newer] = [uuid(), uuid()];
    await store.saveJob({ id: older, documentId: doc.id, status: 'FAILED', progress: 10, attempts: 2, createdAt: at(1) });
    await store.saveJob({
      id: newer,
      documentId: doc.id,
      status: 'COMPLETED',
      progress: 100,
      attempts: 1,
      text: 'hi',
      createdAt: at(2),
    });

    expect(await store.latestJobOf(doc.id)).toMatchObject({ id: newer, status: 'COMPLETED', text: 'hi' });
    const points = await store.jobPointsOf(doc.id);
    expect(points.sort((x, y) => x.attempts - y.attempts)).toEqual([
      { id: newer, status: 'COMPLETED', progress: 100, attempts: 1 },
      { id: older, status: 'FAILED', progress: 10, attempts: 2 },
    ]);
  });

  it('claims a job in one write (job RUNNING with one more attempt, document PROCESSING), and says so once committed', async () => {
    let wakes = 0;
    const store = createDocumentStore(db, { onEventsWritten: () => (wakes += 1) });
    const doc = seed(uuid(), at(0), { status: 'UPLOADED' });
    await store.saveDocument(doc);
    const jobId = uuid();
    await store.saveJob({ id: jobId, documentId: doc.id, status: 'PENDING', progress: 0, attempts: 0 });

    expect(await store.claimJob(jobId)).toEqual({
      id: jobId,
      documentId: doc.id,
      attempts: 1,
      ownerId: doc.ownerId,
      fileKey: doc.fileKey,
      fileEtag: doc.fileEtag,
      contentType: doc.contentType,
      sizeBytes: doc.sizeBytes,
    });
    expect(await db.documentJob.findUniqueOrThrow({ where: { id: jobId } })).toMatchObject({ status: 'RUNNING', progress: 0 });
    expect((await store.byIds([doc.id]))[0]?.status).toBe('PROCESSING');
    const [event] = await db.outboxEvent.findMany({ where: { payload: { path: ['jobId'], equals: jobId } } });
    expect(event?.payload).toMatchObject({ status: 'RUNNING', progress: 0, attempts: 1, ownerId: doc.ownerId });
    expect(wakes).toBe(1);

    await store.saveJob({ id: jobId, documentId: doc.id, status: 'COMPLETED', progress: 100, attempts: 1 });
    expect(await store.claimJob(jobId)).toBeNull(); // finished: nothing to do, no event, no wake
    expect(wakes).toBe(1);
  });

  it('refuses the progress, result and failure of an attempt that is no longer the current one', async () => {
    const store = createDocumentStore(db);
    const doc = seed(uuid(), at(0), { status: 'UPLOADED' });
    await store.saveDocument(doc);
    const jobId = uuid();
    await store.saveJob({ id: jobId, documentId: doc.id, status: 'PENDING', progress: 0, attempts: 0 });
    const stale = (await store.claimJob(jobId))!; // attempt 1, whose worker then lost the job
    const current = (await store.claimJob(jobId))!; // attempt 2 took it over
    await store.setProgress(current, 30);

    await store.setProgress(stale, 90);
    expect(await store.completeJob(stale, 'stale text', 1)).toBe(false);
    expect(await store.failJob(stale, 'stale failure')).toBe(false);
    expect(await db.documentJob.findUniqueOrThrow({ where: { id: jobId } })).toMatchObject({
      status: 'RUNNING',
      attempts: 2,
      progress: 30,
      text: null,
      failureReason: null,
    });
    expect((await store.byIds([doc.id]))[0]?.status).toBe('PROCESSING');
    const events = await db.outboxEvent.findMany({ where: { payload: { path: ['jobId'], equals: jobId } } });
    expect(events.map((e) => (e.payload as { attempts: number }).attempts)).toEqual([1, 2, 2]); // two claims, one progress

    expect(await store.completeJob(current, 'the text', 1)).toBe(true);
    expect(await db.documentJob.findUniqueOrThrow({ where: { id: jobId } })).toMatchObject({
      status: 'COMPLETED',
      attempts: 2,
      text: 'the text',
    });
  });
  it('takes at most the given number of most recent documents per owner, in one query for many owners', async () => {
    const store = createDocumentStore(db);
    const owners = [uuid(), uuid(), uuid()];
    const docs = owners.flatMap((owner, o) => Array.from({ length: 3 + o * 2 }, (_, i) => seed(owner, at(i))));
    for (const d of docs) await store.saveDocument(d);

    const rows = await store.recentOfOwners(owners, 4);
    for (const owner of owners) {
      const expected = docs
        .filter((d) => d.ownerId === owner)
        .reverse()
        .slice(0, 4);
      expect(rows.filter((r) => r.ownerId === owner)).toEqual(expected);
    }
    expect(rows[0]?.createdAt).toBeInstanceOf(Date);
  });

  it("pages through an owner's documents newest first without gaps, even when documents share a timestamp", async () => {
    const store = createDocumentStore(db);
    const owner = uuid();
    const docs = Array.from({ length: 17 }, (_, i) => seed(owner, at(Math.floor(i / 4))));
    for (const d of docs) await store.saveDocument(d);

    const seen: string[] = [];
    let after: Cursor | null = null;
    for (let page = 0; page < 10; page += 1) {
      const rows = await store.byOwner(owner, 5, after);
      seen.push(...rows.map((r) => r.id));
      if (rows.length < 5) break;
      const last = rows.at(-1)!;
      after = { createdAt: last.createdAt, id: last.id };
    }
    const expected = [...docs]
      .sort((x, y) => y.createdAt!.getTime() - x.createdAt!.getTime() || (x.id < y.id ? 1 : -1))
      .map((d) => d.id);
    expect(seen).toEqual(expected);
  });
});
