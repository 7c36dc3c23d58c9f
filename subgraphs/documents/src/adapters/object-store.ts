/**
 * Object storage through the S3 protocol (`minio` client): MinIO or S3 in services mode, the
 * embedded S3 server in embedded mode — one adapter for both.
 */
import { mkdirSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Client, CopyDestinationOptions, CopySourceOptions } from 'minio';
import S3rver from 's3rver';
import { s3CorsConfiguration } from './s3-cors.ts';
import { presignUrl, signatureProblem } from './s3-signature.ts';
import type { ObjectInfo, ObjectStore, PresignedUpload } from '../ports.ts';

const unquote = (etag: string | undefined) => etag?.replace(/^"|"$/g, '') ?? '';

export interface ObjectStoreConfig {
  endPoint: string;
  port: number;
  useSSL: boolean;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region: string;
  /**
   * The storage as browsers reach it (`S3_PUBLIC_URL`, an origin such as `https://files.example.com`),
   * when that is not `endPoint` — under docker-compose the services reach `minio:9000`, a browser on
   * the host `127.0.0.1:9000`. Presigned URLs are signed for this host; a signature covers the host,
   * so a URL cannot be rewritten afterwards.
   */
  publicUrl?: string;
}

/** Where presigned URLs point: the public origin when one is set, else the endpoint itself. */
function publicEndpoint(config: ObjectStoreConfig): Pick<ObjectStoreConfig, 'endPoint' | 'port' | 'useSSL'> {
  if (!config.publicUrl) return config;
  const url = new URL(config.publicUrl);
  if (url.pathname !== '/' || url.search || url.hash) {
    throw new Error(`S3_PUBLIC_URL must be an origin (scheme://host[:port]), not ${config.publicUrl}`);
  }
  const useSSL = url.protocol === 'https:';
  return { endPoint: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || (useSSL ? 443 : 80)), useSSL };
}

/**
 * The {@link ObjectStore} on an S3-protocol server, with what seeding and tests use besides: the bucket's
 * creation, a plain `put` with the server's keys, the client itself.
 */
export function createObjectStore(config: ObjectStoreConfig) {
  const clientOf = (endpoint: Pick<ObjectStoreConfig, 'endPoint' | 'port' | 'useSSL'>) =>
    new Client({
      endPoint: endpoint.endPoint,
      port: endpoint.port,
      useSSL: endpoint.useSSL,
      accessKey: config.accessKey,
      secretKey: config.secretKey,
      region: config.region,
      pathStyle: true,
    });
  const client = clientOf(config);
  const publicSide = publicEndpoint(config);
  // Presigns only, for the public host: with the region given, the client signs offline (it never
  // asks the bucket's location), so that host need not be reachable from here.
  const signer = config.publicUrl ? clientOf(publicSide) : client;
  const { bucket } = config;
  const store = {
    client,
    bucket,
    /** Creates the bucket when missing. */
    async ensureBucket(): Promise<void> {
      if (!(await client.bucketExists(bucket))) await client.makeBucket(bucket, config.region);
    },
    put: (key: string, body: Buffer, contentType: string) =>
      client.putObject(bucket, key, body, body.length, { 'Content-Type': contentType }),
    /** Size, type and ETag of an object, or null when it does not exist. */
    async stat(key: string): Promise<ObjectInfo | null> {
      try {
        const stat = await client.statObject(bucket, key);
        return { size: stat.size, contentType: stat.metaData['content-type'] as string | undefined, etag: unquote(stat.etag) };
      } catch (error) {
        if ((error as { code?: string }).code === 'NotFound' || (error as { code?: string }).code === 'NoSuchKey') return null;
        throw error;
      }
    },
    /** The first `bytes` bytes of an object (fewer when it is shorter): enough to tell its real type. */
    async head(key: string, bytes: number): Promise<Buffer> {
      const stream = await client.getPartialObject(bucket, key, 0, bytes);
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).subarray(0, bytes);
    },
    /** A whole object in memory with the ETag of the bytes served; refuses (throws) beyond `maxBytes`. */
    async download(key: string, maxBytes: number): Promise<{ bytes: Buffer; etag: string }> {
      const stream = await client.getObject(bucket, key);
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of stream) {
        size += (chunk as Buffer).length;
        if (size > maxBytes) {
          stream.destroy();
          throw new Error(`object ${key} is larger than ${maxBytes} bytes`);
        }
        chunks.push(chunk as Buffer);
      }
      return { bytes: Buffer.concat(chunks), etag: unquote((stream as IncomingMessage).headers.etag) };
    },
    /** Copies an object inside the bucket, on the storage server (the bytes do not pass through here). */
    async copy(from: string, to: string): Promise<void> {
      await client.copyObject(
        new CopySourceOptions({ Bucket: bucket, Object: from }),
        new CopyDestinationOptions({ Bucket: bucket, Object: to }),
      );
    },
    /**
     * A presigned GET, valid `seconds`, that the storage answers as a download: `Content-Disposition:
     * attachment` with `filename`, and `contentType` whatever the object was stored with — a browser
     * never renders an uploaded file as a page of ours.
     */
    presignedDownload: (key: string, seconds: number, file: { filename: string; contentType: string }) =>
      signer.presignedGetObject(bucket, key, seconds, {
        'response-content-type': file.contentType,
        'response-content-disposition': attachment(file.filename),
      }),
    /**
     * A presigned PUT, valid `seconds`, that accepts exactly `contentLength` bytes of `contentType`:
     * both are signed (SigV4 signed headers), so MinIO and S3 refuse any other type or size.
     */
    presignedUpload(key: string, seconds: number, file: { contentType: string; contentLength: number }): PresignedUpload {
      const path = [bucket, ...key.split('/')].map(encodeURIComponent).join('/');
      const headers = { 'content-type': file.contentType };
      const url = presignUrl(config, {
        method: 'PUT',
        url: new URL(`${publicSide.useSSL ? 'https' : 'http'}://${hostOf(publicSide.endPoint)}:${publicSide.port}/${path}`),
        headers: { ...headers, 'content-length': String(file.contentLength) },
        expiresSeconds: seconds,
      });
      return { url, headers: { 'Content-Type': file.contentType } };
    },
    remove: (key: string) => client.removeObject(bucket, key),
  };
  return store satisfies ObjectStore;
}

const hostOf = (name: string) => (name.includes(':') ? `[${name}]` : name);

/** `attachment; filename="..."` with an ASCII fallback and the exact name in RFC 5987 form. */
function attachment(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export type S3ObjectStore = ReturnType<typeof createObjectStore>;

/**
 * Object storage settings from `S3_ENDPOINT` (e.g. `http://127.0.0.1:9000`), `S3_ACCESS_KEY`, `S3_SECRET_KEY`,
 * `S3_BUCKET`, `S3_REGION`, and `S3_PUBLIC_URL` (the storage as browsers reach it, when not `S3_ENDPOINT`).
 */
export function objectStoreConfigFromEnv(env: Record<string, string | undefined>): ObjectStoreConfig {
  const endpoint = new URL(env.S3_ENDPOINT ?? 'http://127.0.0.1:9000');
  return {
    endPoint: endpoint.hostname,
    port: Number(endpoint.port || (endpoint.protocol === 'https:' ? 443 : 80)),
    useSSL: endpoint.protocol === 'https:',
    accessKey: env.S3_ACCESS_KEY ?? 'meridian',
    secretKey: env.S3_SECRET_KEY ?? '',
    bucket: env.S3_BUCKET ?? 'meridian-documents',
    region: env.S3_REGION ?? 'us-east-1',
    publicUrl: env.S3_PUBLIC_URL || undefined,
  };
}

/**
 * An S3-protocol server on the local disk (s3rver) for the embedded mode and tests.
 * It accepts the access key pair `S3RVER` / `S3RVER`, and only requests signed with it: s3rver
 * itself checks no SigV4 signature (and lets anonymous requests through), so a gate in front of it
 * checks each one as MinIO and S3 do — signature, expiry, and every signed header, which is what
 * holds a presigned upload to its type and size. `corsOrigins` are the web pages allowed to upload and
 * download from a browser: the bucket gets the CORS configuration S3 would (see `s3CorsConfiguration`).
 */
export async function startEmbeddedS3(options: { directory: string; port?: number; bucket: string; corsOrigins?: string[] }) {
  mkdirSync(options.directory, { recursive: true });
  const corsOrigins = options.corsOrigins?.filter((o) => o.trim()) ?? [];
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    directory: options.directory,
    silent: true,
    configureBuckets: [{ name: options.bucket, configs: corsOrigins.length ? [s3CorsConfiguration(corsOrigins)] : [] }],
  });
  const credentials = { accessKey: 'S3RVER', secretKey: 'S3RVER', region: 'us-east-1' };
  server.middleware.unshift(async (ctx, next) => {
    if (ctx.method === 'OPTIONS') return next(); // a CORS preflight carries no signature
    const problem = signatureProblem(credentials, ctx);
    if (!problem) return next();
    ctx.status = 403;
    ctx.type = 'application/xml';
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>${problem}</Message></Error>`;
  });
  const address = await server.run();
  // The configuration is kept in the data folder: no origins now means none from an earlier start either.
  if (!corsOrigins.length) await server.store.deleteSubresource(options.bucket, undefined, 'cors');
  const config: ObjectStoreConfig = {
    endPoint: '127.0.0.1',
    port: address.port,
    useSSL: false,
    ...credentials,
    bucket: options.bucket,
  };
  return { config, stop: () => server.close() };
}
