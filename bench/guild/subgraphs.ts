/**
 * `tsx bench/guild/subgraphs.ts <data dir> <port>` — the four subgraphs of the Guild federation
 * benchmark (accounts, inventory, products, reviews) in ONE process, at /accounts, /inventory,
 * /products and /reviews on one port, as the benchmark's single Rust process serves them.
 *
 * Data and behaviour are those of `<data dir>/subgraph-data.json` (see its `_behaviour` notes), on the
 * Federation-1 SDLs of `<data dir>/subgraphs/`. It shares two cores with the gateway under test and
 * the load generator, so it is kept lean: a bare `node:http` server, each operation text parsed and
 * validated once (kit's document cache), graphql-js `execute` with synchronous resolvers, no Apollo
 * Server. And since the data never changes, each distinct request body is executed once and its
 * answer kept (up to 1000 per subgraph). Executing every request cost 3.6 ms of CPU per benchmark
 * query through plain @apollo/gateway (~16 fetches, ~450 entity representations), a quarter of the
 * gateway's own 15 ms; with the answers kept, 1.1 ms. `ANSWER_CACHE=false` executes every request
 * (`BENCH_ANSWER_CACHE=false npm run bench gateway`). GET /health answers 200.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execute, GraphQLError, parse, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { createDocumentCache, type DocumentCache } from '#kit/document-cache';

interface User {
  id: string;
  name?: string;
  username?: string;
  birthday?: number;
}
interface Product {
  upc: string;
  name?: string;
  price?: number;
  weight?: number;
}
interface Review {
  id: string;
  body: string;
  productUpc: string;
}
interface GuildData {
  users: User[];
  products: Product[];
  inventory: { upc: string; inStock: boolean }[];
  reviews: Review[];
}

/** Resolvers of each subgraph, after the Rust subgraphs of the benchmark. */
function resolversOf(data: GuildData): Record<string, GraphQLResolverMap<unknown>> {
  const byId = <T, K extends keyof T>(xs: T[], key: K) => new Map(xs.map((x) => [x[key], x]));
  const users = byId(data.users, 'id');
  const products = byId(data.products, 'upc');
  const inventory = byId(data.inventory, 'upc');
  const reviews = byId(data.reviews, 'id');
  // Every user's reviews, in the reviews subgraph, are the first two (`reviews[0..2]` in Rust).
  const firstReviews = data.reviews.slice(0, 2);
  return {
    accounts: {
      Query: {
        me: () => data.users[0],
        user: (_: unknown, { id }: { id: string }) => users.get(id),
        users: () => data.users,
      },
      User: { __resolveReference: ({ id }: User) => users.get(id) },
    },
    inventory: {
      // The Rust resolver answers with its own record and drops the price and weight of the
      // representation, so shippingEstimate is null everywhere (as in the expected response).
      Product: {
        __resolveReference: ({ upc }: Product) => inventory.get(upc),
        shippingEstimate: ({ price, weight }: Product) =>
          price == null || weight == null ? null : price > 1000 ? 0 : Math.trunc(weight / 2),
      },
    },
    products: {
      Query: { topProducts: (_: unknown, { first }: { first: number }) => data.products.slice(0, first) },
      Product: { __resolveReference: ({ upc }: Product) => products.get(upc) },
    },
    reviews: {
      Product: {
        __resolveReference: ({ upc }: Product) => ({ upc }),
        reviews: ({ upc }: Product) => data.reviews.filter((r) => r.productUpc === upc),
      },
      Review: {
        __resolveReference: ({ id }: Review) => reviews.get(id),
        product: (review: Review) => ({ upc: review.productUpc }),
        // @provides(fields: "username"): always user 1, whoever wrote the review.
        author: () => ({ id: '1', username: 'urigo' }),
      },
      User: {
        __resolveReference: ({ id }: User) => ({ id, username: 'user' }),
        reviews: () => firstReviews,
      },
    },
  };
}

interface Subgraph {
  schema: GraphQLSchema;
  documents: DocumentCache;
  /** Answers by request body, unless ANSWER_CACHE=false. */
  answers?: Map<string, Buffer>;
}

/** Bodies remembered per subgraph: a gateway sends the same few for the one benchmark query. */
const maxAnswers = 1000;

function send(res: ServerResponse, json: Buffer) {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': json.length });
  res.end(json);
}

/** One POST: JSON in, graphql-js execution on a cached document, JSON out. */
async function answer(subgraph: Subgraph, body: string, res: ServerResponse) {
  const known = subgraph.answers?.get(body);
  if (known) return send(res, known);
  let result: ExecutionResult;
  try {
    const { query, variables, operationName } = JSON.parse(body) as {
      query: string;
      variables?: Record<string, unknown>;
      operationName?: string;
    };
    const document = subgraph.documents.get(query) ?? subgraph.documents.check(query);
    result = Array.isArray(document)
      ? { errors: document }
      : await execute({ schema: subgraph.schema, document, variableValues: variables, operationName });
  } catch (error) {
    result = { errors: [new GraphQLError((error as Error).message)] };
  }
  const json = Buffer.from(JSON.stringify(result));
  // The data never changes, so the same body always gets the same answer: execute it once.
  if (subgraph.answers && !result.errors && subgraph.answers.size < maxAnswers) subgraph.answers.set(body, json);
  send(res, json);
}

const [dataDir = '../shared/bench/guild-federation', port = '4200'] = process.argv.slice(2);
const data = JSON.parse(readFileSync(join(dataDir, 'subgraph-data.json'), 'utf8')) as GuildData;
const subgraphs = new Map<string, Subgraph>(
  Object.entries(resolversOf(data)).map(([name, resolvers]) => {
    const typeDefs = parse(readFileSync(join(dataDir, 'subgraphs', `${name}.graphql`), 'utf8'));
    const schema = buildSubgraphSchema({ typeDefs, resolvers });
    const answers = process.env.ANSWER_CACHE === 'false' ? undefined : new Map<string, Buffer>();
    return [`/${name}`, { schema, documents: createDocumentCache(schema), answers }];
  }),
);
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  if (req.method === 'GET' && req.url === '/health') return void res.end('ok');
  const subgraph = subgraphs.get(req.url ?? '');
  if (req.method !== 'POST' || !subgraph) return void res.writeHead(404).end();
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => void answer(subgraph, Buffer.concat(chunks).toString('utf8'), res));
});
// Gateways keep their connections open between bursts (warm-up, then one gateway after another).
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1', () =>
  console.log(`guild subgraphs at http://127.0.0.1:${port}/{accounts,inventory,products,reviews}`),
);
// Exit (rather than die) on a signal, so that --cpu-prof (BENCH_PROFILE) writes its profile.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
