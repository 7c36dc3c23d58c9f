import { runSubgraphProcess } from '#kit/process';
import { startUsersSubgraph, usersSubgraph } from './subgraph.ts';

await runSubgraphProcess(usersSubgraph, process.env, startUsersSubgraph);
