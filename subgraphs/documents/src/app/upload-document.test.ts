/**
 * Uploads on the real PostgreSQL and an S3-protocol server (s3rver, behind the embedded server's
 * signature gate, which checks presigned URLs as MinIO does): the bytes go straight to storage.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createObjectStore, type S3ObjectStore } from '../adapters/object-store.ts';
import { createTestDatabase, putUpload, testViewer, type TestDatabase } from '#kit/testing';
import { startTestS3, type TestS3 } from '../testing.ts';
import { createDocumentStore, createDocumentsDb, type DocumentsDb } from '../adapters/prisma-document-store.ts';
import {
  createDocumentUpload,
  deleteDocument,
  downloadUrl,
  removeStaleObjects,
  reprocessDocument,
  submitDocument,
  type UploadDeps,
} from './upload-document.ts';

let database: TestDatabase;
let db: DocumentsDb;
let s3: TestS3;
let objects: S3ObjectStore;
let deps: UploadDeps;

beforeAll(async () => {
  database = await createTestDatabase('documents');
  db = createDocumentsDb(database.url, 4);
  s3 = await startTestS3();
  objects = createObjectStore(s3.config);
  deps = { documents: createDocumentStore(db), objects, maxBytes: 64 * 1024 };
});
afterAll(async () => {
  await db.$disconnect();
  await database.drop();
  await s3.stop();
});

const owner = () => testViewer(randomUUID());
const code = (c: string) => expect.objectContaining({ code: c }) as Error;
const text = Buffer.from('Invoice 2026-0042\nTotal: 99.90 EUR\n');
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(40, 1)]);

async function upload(
  viewer = owner(),
  body: Buffer = text,
  declared: { contentType?: string; size?: number; filename?: string } = {},
) {
  const started = await createDocumentUpload(deps, viewer, {
    filename: declared.filename ?? 'invoice.txt',
    contentType: declared.contentType ?? 'text/plain',
    size: declared.size ?? body.length,
  });
  const put = await putUpload(started, body);
  expect(put.status).toBe(200);
  return { viewer, ...started };
}

describe('uploading a document', () => {
  it('goes createDocumentUpload -> PUT -> submitDocument: the file is checked and its first job queued', async () => {
    const { viewer, document, expiresAt } = await upload();
    expect(document).toMatchObject({ status: 'UPLOADING', filename: 'invoice.txt', sizeBytes: text.length });
    expect(document.objectKey).toMatch(new RegExp(`^uploads/${viewer.id}/[0-9a-f-]{36}$`));
    expect(expiresAt.getTime()).toBeGreaterThan(Date.now() + 14 * 60_000);
    const job = await submitDocument(deps, viewer, document.id);
    expect(job).toMatchObject({ documentId: document.id, status: 'PENDING', progress: 0 });
    expect((await submitDocument(deps, viewer, document.id)).id).toBe(job.id); // a retried submit
    const [stored] = await deps.documents.byIds([document.id]);
    expect(stored?.status).toBe('UPLOADED');
    expect(stored?.fileKey).toMatch(new RegExp(`^documents/${viewer.id}/[0-9a-f-]{36}$`));
    const download = await fetch((await downloadUrl(deps, stored!))!);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(text);
  });

  it('the storage refuses an upload of another type or size than declared, even after a good one', async () => {
    const honest = await upload();
    const html = Buffer.alloc(31 * 1024, '<script>alert(1)</script>');
    const put = (body: Buffer, type: string) =>
      fetch(honest.uploadUrl, { method: 'PUT', body, headers: { 'content-type': type } });
    expect((await put(html, 'text/html')).status).toBe(403);
    expect((await put(html, 'text/plain')).status).toBe(403); // larger than declared
    expect((await put(text.subarray(0, text.length), 'text/html')).status).toBe(403); // the declared size, another type
    expect(await objects.stat(honest.document.objectKey)).toMatchObject({ size: text.length, contentType: 'text/plain' });
  });

  it('a PUT after submitting changes nothing that is processed or downloaded; the upload object goes once its URL expired', async () => {
    const { viewer, document, uploadUrl, uploadHeaders } = await upload();
    await submitDocument(deps, viewer, document.id);
    const other = Buffer.from(text.toString().replace('99.90', '00.00')); // same type and size: the URL allows it
    expect((await putUpload({ uploadUrl, uploadHeaders }, other)).status).toBe(200);

    const [stored] = await deps.documents.byIds([document.id]);
    expect(Buffer.from(await (await fetch((await downloadUrl(deps, stored!))!)).arrayBuffer())).toEqual(text);
    expect((await objects.download(stored!.fileKey!, 1024)).bytes).toEqual(text); // what the worker reads
    await removeStaleObjects({ ...deps, now: () => new Date(Date.now() + 17 * 60_000) });
    expect(await objects.stat(document.objectKey)).toBeNull();
    expect(await objects.stat(stored!.fileKey!)).not.toBeNull();
  });

  it('a PUT after deleting belongs to no document, and is removed once its URL expired', async () => {
    const { viewer, document, uploadUrl, uploadHeaders } = await upload();
    await submitDocument(deps, viewer, document.id);
    await deleteDocument(deps, viewer, document.id);
    expect((await putUpload({ uploadUrl, uploadHeaders }, text)).status).toBe(200); // the URL is valid 15 minutes

    await expect(submitDocument(deps, viewer, document.id)).rejects.toThrowError(code('NOT_FOUND'));
    await removeStaleObjects(deps); // the upload object stays until its URL expired: another PUT may come
    expect(await objects.stat(document.objectKey)).not.toBeNull();
    await removeStaleObjects({ ...deps, now: () => new Date(Date.now() + 17 * 60_000) });
    expect(await objects.stat(document.objectKey)).toBeNull();
  });

  it('a download is an attachment of the declared type, whatever type the file was stored with', async () => {
    const viewer = owner();
    const html = Buffer.from('<html><script>alert(document.cookie)</script></html>');
    const started = await createDocumentUpload(deps, viewer, {
      filename: 'notes.txt',
      contentType: 'text/plain',
      size: html.length,
    });
    await objects.put(started.document.objectKey, html, 'text/html'); // as a storage that checks no signed header could hold it
    await submitDocument(deps, viewer, started.document.id);
    const [stored] = await deps.documents.byIds([started.document.id]);
    const response = await fetch((await downloadUrl(deps, stored!))!);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="notes.txt"/);
  });

  it('the object key never comes from the filename', async () => {
    const { document } = await upload(owner(), text, { filename: '../../other-user/secret.txt' });
    expect(document.filename).toBe('secret.txt');
    expect(document.objectKey).not.toContain('secret');
  });

  it.each([
    ['a type the worker cannot read', { filename: 'a.exe', contentType: 'application/x-msdownload', size: 10 }],
    ['an empty file', { filename: 'a.txt', contentType: 'text/plain', size: 0 }],
    ['a file over the size limit', { filename: 'a.txt', contentType: 'text/plain', size: 64 * 1024 + 1 }],
    ['a filename of control characters only', { filename: '\u0000\u0007', contentType: 'text/plain', size: 10 }],
  ])('refuses %s at createDocumentUpload (BAD_USER_INPUT)', async (_name, input) => {
    await expect(createDocumentUpload(deps, owner(), input)).rejects.toThrowError(code('BAD_USER_INPUT'));
  });

  it('refuses to submit a PNG declared as a PDF, naming what it really is', async () => {
    const { viewer, document } = await upload(owner(), png, { filename: 'scan.pdf', contentType: 'application/pdf' });
    await expect(submitDocument(deps, viewer, document.id)).rejects.toThrowError(/is a PNG image, not a PDF/);
    expect((await deps.documents.byIds([document.id]))[0]?.status).toBe('UPLOADING');
  });

  it('refuses at submit a file of another size than declared (should one reach the storage), and one never uploaded', async () => {
    const viewer = owner();
    const started = await createDocumentUpload(deps, viewer, { filename: 'a.txt', contentType: 'text/plain', size: text.length });
    await objects.put(started.document.objectKey, Buffer.concat([text, text]), 'text/plain'); // written with the server's keys
    await expect(submitDocument(deps, viewer, started.document.id)).rejects.toThrowError(/bytes, not the/);
    expect((await deps.documents.byIds([started.document.id]))[0]).toMatchObject({ status: 'UPLOADING', fileKey: null });
    const never = await createDocumentUpload(deps, viewer, { filename: 'b.txt', contentType: 'text/plain', size: 5 });
    await expect(submitDocument(deps, viewer, never.document.id)).rejects.toThrowError(/not been uploaded/);
  });

  it('another customer can neither submit, reprocess nor delete it (NOT_FOUND); an admin can', async () => {
    const { viewer, document } = await upload();
    const stranger = owner();
    await expect(submitDocument(deps, stranger, document.id)).rejects.toThrowError(code('NOT_FOUND'));
    await submitDocument(deps, viewer, document.id);
    await expect(reprocessDocument(deps, stranger, document.id)).rejects.toThrowError(code('NOT_FOUND'));
    await expect(deleteDocument(deps, stranger, document.id)).rejects.toThrowError(code('NOT_FOUND'));
    await expect(submitDocument(deps, stranger, 'not-an-id')).rejects.toThrowError(code('NOT_FOUND'));
    const admin = testViewer(randomUUID(), ['ADMIN']);
    expect((await reprocessDocument(deps, admin, document.id)).status).toBe('PENDING');
    expect(await deps.documents.jobsOf([document.id])).toHaveLength(2);
  });

  it('deleting removes the file and the rows', async () => {
    const { viewer, document } = await upload();
    await submitDocument(deps, viewer, document.id);
    const [submitted] = await deps.documents.byIds([document.id]);
    expect(await deleteDocument(deps, viewer, document.id)).toBe(true);
    expect(await objects.stat(submitted!.fileKey!)).toBeNull();
    expect(await objects.stat(document.objectKey)).toBeNull();
    expect(await deps.documents.byIds([document.id])).toEqual([]);
    expect(await deps.documents.jobsOf([document.id])).toEqual([]);
  });
});

describe('the per-user documents quota', () => {
  const start = (viewer: ReturnType<typeof owner>, quota: UploadDeps['quota'], size = 100) =>
    createDocumentUpload({ ...deps, quota }, viewer, { filename: 'notes.txt', contentType: 'text/plain', size });

  it('refuses the upload past the count (QUOTA_EXCEEDED) until one is deleted; other users are not affected', async () => {
    const viewer = owner();
    const quota = { maxDocuments: 2, maxBytes: 1_000_000 };
    const first = await start(viewer, quota);
    await start(viewer, quota);
    const refused = await start(viewer, quota).catch((e: unknown) => e);
    expect(refused).toEqual(code('QUOTA_EXCEEDED'));
    expect((refused as Error).message).toBe('You may keep at most 2 documents; delete some to upload more');
    await expect(start(owner(), quota)).resolves.toBeTruthy();
    await deleteDocument(deps, viewer, first.document.id);
    await expect(start(viewer, quota)).resolves.toBeTruthy();
  });

  it('refuses the upload whose declared size would take the bytes past the quota', async () => {
    const viewer = owner();
    const quota = { maxDocuments: 100, maxBytes: 250 };
    await start(viewer, quota, 200);
    await expect(start(viewer, quota, 51)).rejects.toEqual(code('QUOTA_EXCEEDED'));
    await expect(start(viewer, quota, 50)).resolves.toBeTruthy();
  });

  it('20 concurrent uploads of one user against a quota of 5 store exactly 5', async () => {
    const viewer = owner();
    const quota = { maxDocuments: 5, maxBytes: 1_000_000 };
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => start(viewer, quota)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toEqual(code('QUOTA_EXCEEDED'));
    expect(await db.document.count({ where: { ownerId: viewer.id } })).toBe(5);
  });

  it('concurrent uploads cannot overshoot the bytes either: 10 × 100 bytes against 450', async () => {
    const viewer = owner();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => start(viewer, { maxDocuments: 100, maxBytes: 450 })),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(4);
  });
});
