import { runSubgraphProcess } from '#kit/process';
import { paymentsOptionsFromEnv, startPaymentsSubgraph, paymentsSubgraph } from './subgraph.ts';

const options = paymentsOptionsFromEnv(process.env);
await runSubgraphProcess(paymentsSubgraph, process.env, (config, shared) => startPaymentsSubgraph(config, shared, options));
