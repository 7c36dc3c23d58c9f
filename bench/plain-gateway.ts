/**
 * The baseline for `npm run bench`: a plain `@apollo/gateway` behind Apollo Server's standalone
 * server, on the same supergraph and subgraphs, forwarding only the Authorization header (the least
 * any deployment adds). No JWT verification, no limits, no correlation ids, no metrics.
 */
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloServerPluginUsageReportingDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { forGateway } from '../router/src/supergraph-file.ts';

const [supergraphPath = 'router/supergraph.graphql', port = '4100'] = process.argv.slice(2);
const urls: Record<string, string | undefined> = process.env;

const gateway = new ApolloGateway({
  supergraphSdl: forGateway(readFileSync(supergraphPath, 'utf8')),
  buildService: ({ name, url }) =>
    new RemoteGraphQLDataSource<{ authorization?: string }>({
      url: urls[`${name.toUpperCase()}_URL`] ?? url,
      willSendRequest({ request, context }) {
        if (context.authorization) request.http?.headers.set('authorization', context.authorization);
      },
    }),
});
const server = new ApolloServer<{ authorization?: string }>({ gateway, plugins: [ApolloServerPluginUsageReportingDisabled()] });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(port), host: '127.0.0.1' },
  context: async ({ req }) => ({ authorization: req.headers.authorization }),
});
console.log(`plain gateway at ${url}`);
