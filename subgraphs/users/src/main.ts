import { runSubgraphProcess } from '#kit';
import { startUsersSubgraph } from './subgraph.ts';

await runSubgraphProcess('users', process.env, startUsersSubgraph);
