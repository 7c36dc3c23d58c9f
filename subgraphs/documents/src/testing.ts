/**
 * Test helpers of the documents subgraph (its own tests, and through index.ts the test stack and the
 * benchmarks): an embedded S3 server to store files in.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedS3, type ObjectStoreConfig } from './adapters/object-store.ts';

export interface TestS3 {
  config: ObjectStoreConfig;
  /** `S3_ENDPOINT`, `S3_ACCESS_KEY`, `S3_SECRET_KEY`, `S3_BUCKET`: the same server for a service process. */
  env: Record<string, string>;
  /** Stops the server and deletes its files. */
  stop(): Promise<void>;
}

/** An embedded S3 server with the documents bucket, on a fresh temporary directory and any free port. */
export async function startTestS3(): Promise<TestS3> {
  const directory = mkdtempSync(join(tmpdir(), 'meridian-s3-'));
  const s3 = await startEmbeddedS3({ directory, bucket: 'meridian-documents' });
  return {
    config: s3.config,
    env: {
      S3_ENDPOINT: `http://${s3.config.endPoint}:${s3.config.port}`,
      S3_ACCESS_KEY: s3.config.accessKey,
      S3_SECRET_KEY: s3.config.secretKey,
      S3_BUCKET: s3.config.bucket,
    },
    async stop() {
      await s3.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
