import { runSubgraphProcess } from '#kit';
import { startDocumentsSubgraph } from './subgraph.ts';

await runSubgraphProcess('documents', process.env, startDocumentsSubgraph);
