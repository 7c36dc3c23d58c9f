import { runSubgraphProcess } from '#kit';
import { ordersOptionsFromEnv, startOrdersSubgraph } from './subgraph.ts';

const options = ordersOptionsFromEnv(process.env);
await runSubgraphProcess('orders', process.env, (config, shared) => startOrdersSubgraph(config, shared, options));
