import { runSubgraphProcess } from '#kit';
import { startAuthSubgraph } from './subgraph.ts';

await runSubgraphProcess('auth', process.env, startAuthSubgraph);
