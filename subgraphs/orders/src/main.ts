import { runSubgraphProcess } from '#kit/process';
import { ordersOptionsFromEnv, startOrdersSubgraph, ordersSubgraph } from './subgraph.ts';

const options = ordersOptionsFromEnv(process.env);
await runSubgraphProcess(ordersSubgraph, process.env, (config, shared) => startOrdersSubgraph(config, shared, options));
