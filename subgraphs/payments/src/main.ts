import { runSubgraphProcess } from '#kit';
import { paymentsOptionsFromEnv, startPaymentsSubgraph } from './subgraph.ts';

const options = paymentsOptionsFromEnv(process.env);
await runSubgraphProcess('payments', process.env, (config, shared) => startPaymentsSubgraph(config, shared, options));
