/**
 * The bucket's CORS configuration, and browser uploads to the embedded S3 server: a presigned PUT from an allowed page is preflighted and
 * answered with CORS headers; another page's is refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { developmentCorsOrigins } from '#kit/cors';
import { createObjectStore, startEmbeddedS3, type S3ObjectStore } from './object-store.ts';
import { s3CorsConfiguration } from './s3-cors.ts';

describe('the S3 bucket CORS configuration', () => {
  it('writes the S3 bucket configuration with the portless origin beside :*, and one * per origin at most', () => {
    const xml = s3CorsConfiguration(['http://localhost:*', 'https://*.example.com']);
    expect(xml).toContain('<AllowedOrigin>http://localhost:*</AllowedOrigin><AllowedOrigin>http://localhost</AllowedOrigin>');
    expect(xml).toContain('<AllowedOrigin>https://*.example.com</AllowedOrigin>');
    expect(xml).toContain('<AllowedMethod>PUT</AllowedMethod>');
    expect(() => s3CorsConfiguration(['https://*.example.com:*'])).toThrow(/one \*/);
  });
});

describe('the embedded S3 server and browser uploads', () => {
  let directory: string;
  let s3: Awaited<ReturnType<typeof startEmbeddedS3>>;
  let objects: S3ObjectStore;
  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'meridian-s3-cors-'));
    s3 = await startEmbeddedS3({ directory, bucket: 'meridian-documents', corsOrigins: developmentCorsOrigins });
    objects = createObjectStore(s3.config);
  });
  afterAll(async () => {
    await s3?.stop();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  const preflight = (url: string, origin: string) =>
    fetch(url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' },
    });

  // The web app as `npm start` serves it (http://127.0.0.1:5173), and as `npm run dev:web` does.
  it.each(['http://127.0.0.1:5173', 'http://localhost:5173'])(
    'answers the preflight of a presigned PUT from %s, then the PUT itself with CORS headers',
    async (page) => {
      const body = Buffer.from('hello world');
      const upload = objects.presignedUpload('uploads/cors', 60, { contentType: 'text/plain', contentLength: body.length });
      const answer = await preflight(upload.url, page);
      expect(answer.status).toBe(200);
      expect([page, '*']).toContain(answer.headers.get('access-control-allow-origin'));
      expect(answer.headers.get('access-control-allow-methods')).toContain('PUT');
      expect(answer.headers.get('access-control-allow-headers')).toBe('content-type');

      const put = await fetch(upload.url, { method: 'PUT', body, headers: { ...upload.headers, origin: page } });
      expect(put.status).toBe(200);
      expect(put.headers.get('access-control-allow-origin')).toBe(page);
      expect(await objects.stat('uploads/cors')).toMatchObject({ size: body.length });
    },
  );

  it('refuses the preflight of another page, and a restart without origins drops the configuration', async () => {
    const upload = objects.presignedUpload('uploads/other', 60, { contentType: 'text/plain', contentLength: 5 });
    const refused = await preflight(upload.url, 'https://evil.example.net');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();

    await s3.stop();
    s3 = await startEmbeddedS3({ directory, bucket: 'meridian-documents' });
    const again = createObjectStore(s3.config).presignedUpload('uploads/other', 60, {
      contentType: 'text/plain',
      contentLength: 5,
    });
    const answer = await preflight(again.url, 'http://localhost:5173');
    expect(answer.status).toBe(403);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });
});
