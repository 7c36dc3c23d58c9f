import { runSubgraphProcess } from '#kit';
import { startPaymentsSubgraph } from './subgraph.ts';

await runSubgraphProcess('payments', process.env, startPaymentsSubgraph);
