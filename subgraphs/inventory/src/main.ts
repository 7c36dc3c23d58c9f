import { runSubgraphProcess } from '#kit';
import { startInventorySubgraph } from './subgraph.ts';

await runSubgraphProcess('inventory', process.env, startInventorySubgraph);
