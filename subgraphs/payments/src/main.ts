import { runSubgraphProcess } from '#kit';
import { providerPolicyFromEnv } from './app/provider-policy.ts';
import { startPaymentsSubgraph } from './subgraph.ts';

const providerPolicy = providerPolicyFromEnv(process.env);
await runSubgraphProcess('payments', process.env, (config, shared) => startPaymentsSubgraph(config, shared, { providerPolicy }));
