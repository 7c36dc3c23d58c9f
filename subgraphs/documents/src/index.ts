/**
 * The documents subgraph's public entry: start it, seed documents through its own store, and the two
 * use cases the documents benchmark drives without HTTP (upload, submit) with the queue they feed.
 * Nothing else is imported from outside `subgraphs/documents` (lint rule in eslint.config.js).
 */
export { documentJobsQueue, startDocumentsSubgraph, type DocumentsOptions } from './subgraph.ts';
export { createDocumentStore, createDocumentsDb } from './adapters/prisma-document-store.ts';
export { createDocumentUpload, submitDocument } from './app/upload-document.ts';
export { createBullJobQueue, createInProcessJobQueue } from './adapters/job-queue.ts';
export { createObjectStore, startEmbeddedS3, type ObjectStoreConfig } from './adapters/object-store.ts';
export type { ObjectStore } from './ports.ts';
// For the test stack and the benchmarks; index.ts is not part of the compiled programs (tsconfig.build.json).
export { startTestS3, type TestS3 } from './testing.ts';
