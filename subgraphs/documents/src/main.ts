import { z } from 'zod';
import { createObjectStore, objectStoreConfigFromEnv, runSubgraphProcess } from '#kit';
import { startDocumentsSubgraph } from './subgraph.ts';

const { DOCUMENTS_MAX_BYTES } = z
  .object({ DOCUMENTS_MAX_BYTES: z.coerce.number().int().positive().optional() })
  .parse(process.env);
const options = { objects: createObjectStore(objectStoreConfigFromEnv(process.env)), maxBytes: DOCUMENTS_MAX_BYTES };
await runSubgraphProcess('documents', process.env, (config, shared) => startDocumentsSubgraph(config, shared, options));
