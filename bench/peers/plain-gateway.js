/**
 * `node bench/peers/plain-gateway.js <supergraph file> <port>` — the plain `@apollo/gateway` behind
 * Apollo Server's standalone server that the benchmarks compare the router with: the baseline of
 * `npm run bench` (same supergraph and subgraphs as the router) and a peer of `npm run bench gateway`.
 * It forwards only the Authorization header (the least any deployment adds): no JWT verification,
 * no limits, no correlation ids, no metrics.
 *
 * It runs on the packages of bench/peers (its own package.json), never the product's, and reads the
 * supergraph as given: a supergraph linking `for: SECURITY` features (Meridian's) must be passed
 * through the router's `forGateway` first. `<NAME>_URL` overrides a subgraph's URL. Plain JavaScript:
 * it runs on bare node, as the compiled router does (no tsx in the measured process).
 */
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloServerPluginUsageReportingDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';

const [supergraphPath = 'supergraph.graphql', port = '4100'] = process.argv.slice(2);
const urls = process.env;

const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(supergraphPath, 'utf8'),
  buildService: ({ name, url }) =>
    new RemoteGraphQLDataSource({
      url: urls[`${name.toUpperCase()}_URL`] ?? url,
      willSendRequest({ request, context }) {
        if (context.authorization) request.http?.headers.set('authorization', context.authorization);
      },
    }),
});
const server = new ApolloServer({ gateway, plugins: [ApolloServerPluginUsageReportingDisabled()] });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(port), host: '127.0.0.1' },
  context: async ({ req }) => ({ authorization: req.headers.authorization }),
});
console.log(`plain gateway at ${url}`);
