import { runSubgraphProcess } from '#kit';
import { inventoryOptionsFromEnv, startInventorySubgraph } from './subgraph.ts';

const options = inventoryOptionsFromEnv(process.env);
await runSubgraphProcess('inventory', process.env, (config, shared) => startInventorySubgraph(config, shared, options));
