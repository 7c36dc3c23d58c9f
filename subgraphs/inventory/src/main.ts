import { runSubgraphProcess } from '#kit/process';
import { inventoryOptionsFromEnv, startInventorySubgraph, inventorySubgraph } from './subgraph.ts';

const options = inventoryOptionsFromEnv(process.env);
await runSubgraphProcess(inventorySubgraph, process.env, (config, shared) => startInventorySubgraph(config, shared, options));
