import { runSubgraphProcess } from '#kit/process';
import { startAuthSubgraph, authSubgraph } from './subgraph.ts';

await runSubgraphProcess(authSubgraph, process.env, startAuthSubgraph);
