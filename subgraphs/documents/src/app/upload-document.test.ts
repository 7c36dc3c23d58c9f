/** Uploads on the real PostgreSQL and an S3-protocol server (s3rver): the bytes go straight to storage. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createObjectStore, type ObjectStore } from '#kit';
import { createTestDatabase, startTestS3, testViewer, type TestDatabase, type TestS3 } from '#kit/testing';
import { createDocumentStore, createDocumentsDb, type DocumentsDb } from '../adapters/prisma-document-store.ts';
import {
  createDocumentUpload,
  deleteDocument,
  downloadUrl,
  reprocessDocument,
  submitDocument,
  type UploadDeps,
} from './upload-document.ts';

let database: TestDatabase;
let db: DocumentsDb;
let s3: TestS3;
let objects: ObjectStore;
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
  const put = await fetch(started.uploadUrl, { method: 'PUT', body });
  expect(put.status).toBe(200);
  return { viewer, ...started };
}

describe('uploading a document', () => {
  it('goes createDocumentUpload -> PUT -> submitDocument: the file is checked and its first job queued', async () => {
    const { viewer, document, expiresAt } = await upload();
    expect(document).toMatchObject({ status: 'UPLOADING', filename: 'invoice.txt', sizeBytes: text.length });
    expect(document.objectKey).toMatch(new RegExp(`^documents/${viewer.id}/[0-9a-f-]{36}$`));
    expect(expiresAt.getTime()).toBeGreaterThan(Date.now() + 14 * 60_000);
    const job = await submitDocument(deps, viewer, document.id);
    expect(job).toMatchObject({ documentId: document.id, status: 'PENDING', progress: 0 });
    expect((await submitDocument(deps, viewer, document.id)).id).toBe(job.id); // a retried submit
    const [stored] = await deps.documents.byIds([document.id]);
    expect(stored?.status).toBe('UPLOADED');
    const download = await fetch((await downloadUrl(deps, stored!))!);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(text);
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

  it('refuses a file larger than declared (the client lied about the size), and one never uploaded', async () => {
    const viewer = owner();
    const { document } = await upload(viewer, Buffer.concat([text, text]), { size: text.length });
    await expect(submitDocument(deps, viewer, document.id)).rejects.toThrowError(/bytes, not the/);
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
    expect(await deleteDocument(deps, viewer, document.id)).toBe(true);
    expect(await objects.stat(document.objectKey)).toBeNull();
    expect(await deps.documents.byIds([document.id])).toEqual([]);
    expect(await deps.documents.jobsOf([document.id])).toEqual([]);
  });
});
