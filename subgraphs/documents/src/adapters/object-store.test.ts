/** Presigned uploads and downloads against the embedded S3 server (s3rver behind its signature gate). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createObjectStore, type S3ObjectStore } from './object-store.ts';
import { presignUrl } from './s3-signature.ts';
import { startTestS3, type TestS3 } from '../testing.ts';

let s3: TestS3;
let objects: S3ObjectStore;

beforeAll(async () => {
  s3 = await startTestS3();
  objects = createObjectStore(s3.config);
});
afterAll(() => s3.stop());

const honest = Buffer.from('hello world'); // 11 bytes of text

describe('object store', () => {
  it('an upload URL takes only the signed type and length; the storage refuses anything else', async () => {
    const upload = objects.presignedUpload('uploads/a', 60, { contentType: 'text/plain', contentLength: honest.length });
    expect(upload.headers).toEqual({ 'Content-Type': 'text/plain' });
    const put = (body: Buffer, headers: Record<string, string>, url = upload.url) => fetch(url, { method: 'PUT', body, headers });

    expect((await put(Buffer.from('<script>x</script>'.padEnd(11)), { 'content-type': 'text/html' })).status).toBe(403);
    expect((await put(Buffer.alloc(31 * 1024, 'a'), upload.headers)).status).toBe(403); // larger than signed
    expect((await put(Buffer.from('hello'), upload.headers)).status).toBe(403); // smaller
    expect((await put(honest, {})).status).toBe(403); // no type
    expect(await objects.stat('uploads/a')).toBeNull();

    expect((await put(honest, upload.headers)).status).toBe(200);
    expect(await objects.stat('uploads/a')).toMatchObject({ size: 11, contentType: 'text/plain' });
  });

  it('the storage refuses unsigned, forged and expired requests', async () => {
    const url = new URL(objects.presignedUpload('uploads/b', 60, { contentType: 'text/plain', contentLength: 11 }).url);
    const anonymous = `${url.origin}${url.pathname}`;
    expect((await fetch(anonymous, { method: 'PUT', body: honest, headers: { 'content-type': 'text/plain' } })).status).toBe(403);
    const forged = new URL(url);
    forged.searchParams.set('X-Amz-Signature', '0'.repeat(64));
    expect((await fetch(forged, { method: 'PUT', body: honest, headers: { 'content-type': 'text/plain' } })).status).toBe(403);
    const otherKey = new URL(url);
    otherKey.pathname = otherKey.pathname.replace('uploads/b', 'uploads/c');
    expect((await fetch(otherKey, { method: 'PUT', body: honest, headers: { 'content-type': 'text/plain' } })).status).toBe(403);
    const expired = presignUrl(s3.config, {
      method: 'PUT',
      url: new URL(anonymous),
      headers: { 'content-type': 'text/plain', 'content-length': '11' },
      expiresSeconds: 60,
      now: new Date(Date.now() - 61_000),
    });
    expect((await fetch(expired, { method: 'PUT', body: honest, headers: { 'content-type': 'text/plain' } })).status).toBe(403);
    expect((await fetch(`${url.origin}/${s3.config.bucket}?list-type=2`)).status).toBe(403);
  });

  it('signs as the minio client does (the same signature for a plain GET)', async () => {
    const now = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
    const ours = new URL(
      presignUrl(s3.config, {
        method: 'GET',
        url: new URL(`http://${s3.config.endPoint}:${s3.config.port}/${s3.config.bucket}/documents/x%20y`),
        expiresSeconds: 300,
        now,
      }),
    );
    const theirs = new URL(await objects.client.presignedUrl('GET', s3.config.bucket, 'documents/x y', 300, {}, now));
    expect(ours.searchParams.get('X-Amz-Signature')).toBe(theirs.searchParams.get('X-Amz-Signature'));
  });

  it('a download URL serves the object as an attachment of the type it is given, whatever it was stored as', async () => {
    await objects.put('documents/page', Buffer.from('<html><script>alert(1)</script></html>'), 'text/html');
    const response = await fetch(
      await objects.presignedDownload('documents/page', 60, { filename: 'Reçu "1".txt', contentType: 'text/plain' }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="Re_u _1_.txt"; filename*=UTF-8''Re%C3%A7u%20%221%22.txt`,
    );
  });

  it('copies on the server, and a download says which version of the bytes it served', async () => {
    await objects.put('uploads/original', honest, 'text/plain');
    await objects.copy('uploads/original', 'documents/copy');
    const copied = await objects.stat('documents/copy');
    const { bytes, etag } = await objects.download('documents/copy', 1024);
    expect(bytes).toEqual(honest);
    expect(etag).toBe(copied?.etag);
    expect(etag).toMatch(/^[0-9a-f]{32}$/);
    await expect(objects.download('documents/copy', 5)).rejects.toThrow(/larger than 5 bytes/);
  });

  it('signs its URLs for the public address browsers use (S3_PUBLIC_URL), which the storage then accepts', async () => {
    // The services reach 127.0.0.1, the "browser" localhost: two hosts of one server, as minio:9000 and 127.0.0.1:9000 are.
    const publicUrl = `http://localhost:${s3.config.port}`;
    const behind = createObjectStore({ ...s3.config, publicUrl });
    const upload = behind.presignedUpload('uploads/public', 60, { contentType: 'text/plain', contentLength: honest.length });
    expect(new URL(upload.url).origin).toBe(publicUrl);
    expect((await fetch(upload.url, { method: 'PUT', body: honest, headers: upload.headers })).status).toBe(200);
    // The same URL sent to the other host name is refused: the host is signed.
    const elsewhere = new URL(upload.url);
    elsewhere.hostname = '127.0.0.1';
    expect((await fetch(elsewhere, { method: 'PUT', body: honest, headers: upload.headers })).status).toBe(403);

    const download = await behind.presignedDownload('uploads/public', 60, { filename: 'a.txt', contentType: 'text/plain' });
    expect(new URL(download).origin).toBe(publicUrl);
    expect(await (await fetch(download)).text()).toBe('hello world');
    expect(() => createObjectStore({ ...s3.config, publicUrl: 'http://files.example.com/s3' })).toThrow(/origin/);
  });
});
