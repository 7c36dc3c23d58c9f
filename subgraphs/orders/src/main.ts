import { runSubgraphProcess } from '#kit';
import { startOrdersSubgraph } from './subgraph.ts';

await runSubgraphProcess('orders', process.env, startOrdersSubgraph);
