/**
 * Prometheus metrics of a subgraph (prom-client), served at `/metrics` on its admin listener only
 * (see `admin` in http-server.ts): process figures, HTTP request durations, GraphQL operations by
 * name and outcome, and the graphql-ws connections and subscriptions it holds. Every sample carries
 * `subgraph="<name>"`, so the six can share a dashboard.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Route } from './http-server.js';

/** A figure of the subgraph's own, read at each scrape (e.g. the outbox backlog). */
export interface SubgraphGauge {
  /** Full metric name, e.g. `meridian_subgraph_outbox_backlog`. */
  name: string;
  help: string;
  read(): number | Promise<number>;
}

/** What the subgraph's graphql-ws server reports (the figures `/health` shows too). */
export interface LiveFigures {
  connections(): number;
  subscriptions(): number;
}

/**
 * Distinct operation names a subgraph keeps as label values; later ones are counted as `other`.
 * Names come from the router's query plans (one per client operation), but anything that can reach
 * the port can make up new ones, and a label value never goes away once exported.
 */
export const maxOperationLabels = 100;

/**
 * The label of an operation answered by `subgraph`: `unknown` when no operation was resolved
 * (unparsable, invalid, or the named one is not in the document), `anonymous` when it has no name,
 * otherwise its name without the query planner's `__<subgraph>__<n>` suffix (so the fetches of one
 * client operation count together), or `other` once {@link maxOperationLabels} names are taken.
 */
export function operationLabeller(subgraph: string): (operation: { name?: { value: string } } | undefined) => string {
  const plannerSuffix = new RegExp(`__${subgraph}__\\d+$`);
  const known = new Set<string>();
  return (operation) => {
    if (!operation) return 'unknown';
    const label = operation.name?.value.replace(plannerSuffix, '');
    if (!label) return 'anonymous';
    if (known.has(label)) return label;
    if (known.size >= maxOperationLabels) return 'other';
    known.add(label);
    return label;
  };
}

/** `ok`, or the `extensions.code` of the first error of the answer (partial data included). */
function outcomeOf(errors: readonly GraphQLFormattedError[] | undefined): string {
  if (!errors?.length) return 'ok';
  const code = errors[0]!.extensions?.code;
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
}

/** What {@link createHttpMetrics} is told: the histogram's name and help, and labels every sample carries. */
export interface HttpMetricsOptions {
  /** Full metric name of the request durations, e.g. `meridian_router_http_request_duration_seconds`. */
  durationName: string;
  durationHelp: string;
  defaultLabels?: Record<string, string>;
}

/**
 * A registry with the process figures and the HTTP request durations by status, fed by the
 * http-server's `onResponse` hook and served by `route` (`/metrics`): what the router and every
 * subgraph start from before adding their own figures to `registry`.
 */
export function createHttpMetrics(options: HttpMetricsOptions) {
  const registry = new Registry();
  if (options.defaultLabels) registry.setDefaultLabels(options.defaultLabels);
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: options.durationName,
    help: options.durationHelp,
    labelNames: ['status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const route: Route = async () => ({
    status: 200,
    body: await registry.metrics(),
    headers: { 'content-type': registry.contentType },
  });
  return {
    registry,
    /** The http-server's `onResponse` hook. */
    observe: ({ status, seconds }: { status: number; seconds: number }) => duration.observe({ status: String(status) }, seconds),
    /** `/metrics`, for the admin listener. */
    route,
  };
}

export type SubgraphMetrics = ReturnType<typeof createSubgraphMetrics>;

/** The registry of one subgraph, with the hooks that feed it. */
export function createSubgraphMetrics(subgraph: string, gauges: readonly SubgraphGauge[] = []) {
  const { registry, observe, route } = createHttpMetrics({
    durationName: 'meridian_subgraph_http_request_duration_seconds',
    durationHelp: 'HTTP requests served by the subgraph, by status',
    defaultLabels: { subgraph },
  });
  const operations = new Counter({
    name: 'meridian_subgraph_operations_total',
    help: `GraphQL operations over HTTP, by operation (the client operation's name; anonymous, unknown when none was resolved, other beyond ${maxOperationLabels} names) and outcome (ok or the first error's code)`,
    labelNames: ['operation', 'outcome'],
    registers: [registry],
  });
  let live: LiveFigures | undefined;
  new Gauge({
    name: 'meridian_subgraph_websocket_connections',
    help: 'Open graphql-ws connections (the routers, for subscriptions)',
    registers: [registry],
    collect() {
      this.set(live?.connections() ?? 0);
    },
  });
  new Gauge({
    name: 'meridian_subgraph_subscriptions',
    help: 'Open subscriptions',
    registers: [registry],
    collect() {
      this.set(live?.subscriptions() ?? 0);
    },
  });
  for (const gauge of gauges) {
    new Gauge({
      name: gauge.name,
      help: gauge.help,
      registers: [registry],
      async collect() {
        this.set(await gauge.read());
      },
    });
  }

  const labelOf = operationLabeller(subgraph);
  const plugin: ApolloServerPlugin = {
    async requestDidStart() {
      return {
        async willSendResponse({ operation, response }) {
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : response.body.initialResult.errors;
          operations.inc({ operation: labelOf(operation), outcome: outcomeOf(errors) });
        },
      };
    },
  };
  return {
    registry,
    /** Counts each GraphQL operation Apollo Server answers. */
    plugin,
    /** The http-server's `onResponse` hook. */
    observe,
    /** Where the subscription gauges read from. */
    reportLive(figures: LiveFigures) {
      live = figures;
    },
    /** `/metrics`, for the admin listener. */
    route,
  };
}
