/**
 * Object storage through the S3 protocol (`minio` client): MinIO or S3 in services mode, the
 * embedded S3 server in embedded mode — one adapter for both.
 */
import { mkdirSync } from 'node:fs';
import { Client } from 'minio';
import S3rver from 's3rver';

export interface ObjectStoreConfig {
  endPoint: string;
  port: number;
  useSSL: boolean;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region: string;
}

export function createObjectStore(config: ObjectStoreConfig) {
  const client = new Client({
    endPoint: config.endPoint,
    port: config.port,
    useSSL: config.useSSL,
    accessKey: config.accessKey,
    secretKey: config.secretKey,
    region: config.region,
    pathStyle: true,
  });
  const { bucket } = config;
  return {
    client,
    bucket,
    /** Creates the bucket when missing. */
    async ensureBucket(): Promise<void> {
      if (!(await client.bucketExists(bucket))) await client.makeBucket(bucket, config.region);
    },
    put: (key: string, body: Buffer, contentType: string) =>
      client.putObject(bucket, key, body, body.length, { 'Content-Type': contentType }),
    /** Size and type of an object, or null when it does not exist. */
    async stat(key: string): Promise<{ size: number; contentType: string | undefined } | null> {
      try {
        const stat = await client.statObject(bucket, key);
        return { size: stat.size, contentType: stat.metaData['content-type'] as string | undefined };
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
    /** A whole object in memory; refuses (throws) beyond `maxBytes`. */
    async getBuffer(key: string, maxBytes: number): Promise<Buffer> {
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
      return Buffer.concat(chunks);
    },
    presignedGet: (key: string, seconds: number) => client.presignedGetObject(bucket, key, seconds),
    presignedPut: (key: string, seconds: number) => client.presignedPutObject(bucket, key, seconds),
    remove: (key: string) => client.removeObject(bucket, key),
  };
}

export type ObjectStore = ReturnType<typeof createObjectStore>;

/** Object storage settings from `S3_ENDPOINT` (e.g. `http://127.0.0.1:9000`), `S3_ACCESS_KEY`, `S3_SECRET_KEY`, `S3_BUCKET`, `S3_REGION`. */
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
  };
}

/**
 * An S3-protocol server on the local disk (s3rver) for the embedded mode and tests.
 * It accepts the access key pair `S3RVER` / `S3RVER`.
 */
export async function startEmbeddedS3(options: { directory: string; port?: number; bucket: string }) {
  mkdirSync(options.directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    directory: options.directory,
    silent: true,
    configureBuckets: [{ name: options.bucket }],
  });
  const address = await server.run();
  const config: ObjectStoreConfig = {
    endPoint: '127.0.0.1',
    port: address.port,
    useSSL: false,
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    bucket: options.bucket,
    region: 'us-east-1',
  };
  return { config, stop: () => server.close() };
}
