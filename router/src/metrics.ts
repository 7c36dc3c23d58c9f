/** Prometheus metrics of the router, served at `/metrics` (prom-client). */
import { Counter, Gauge, Histogram } from 'prom-client';
import { createHttpMetrics } from '#kit/metrics';

/** What the subscription server reports (see subscriptions/server.ts). */
export interface LiveFigures {
  connections(): number;
  subscriptions(): number;
  upstreams(): number;
}

export function createRouterMetrics() {
  const { registry, observe, route } = createHttpMetrics({
    durationName: 'meridian_router_http_request_duration_seconds',
    durationHelp: 'HTTP requests served by the router',
  });
  let live: LiveFigures | undefined;
  const gauge = (name: string, help: string, read: (figures: LiveFigures) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(live ? read(live) : 0);
      },
    });
  gauge('meridian_router_websocket_connections', 'Open graphql-ws connections', (f) => f.connections());
  gauge('meridian_router_subscriptions', 'Open client subscriptions', (f) => f.subscriptions());
  gauge('meridian_router_subscription_upstreams', 'Subscriptions open on subgraphs (one per shared live query)', (f) =>
    f.upstreams(),
  );
  const events = new Counter({
    name: 'meridian_router_subscription_events_total',
    help: 'Events received from subgraph subscriptions',
    registers: [registry],
  });
  const dropped = new Counter({
    name: 'meridian_router_subscription_events_dropped_total',
    help: 'Events skipped because a newer state of the same live query was already waiting',
    registers: [registry],
  });
  const subgraphRequests = new Histogram({
    name: 'meridian_router_subgraph_request_duration_seconds',
    help: 'Fetches the query engine sent to subgraphs, by subgraph, outcome (ok, SUBGRAPH_TIMEOUT, SUBGRAPH_UNREACHABLE, SUBGRAPH_BAD_RESPONSE, SUBGRAPH_UNAVAILABLE) and whether the fetch shared another identical one in flight',
    labelNames: ['subgraph', 'outcome', 'shared'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const subgraphErrors = new Counter({
    name: 'meridian_router_subgraph_errors_total',
    help: 'Subgraph fetches that got no GraphQL answer, by subgraph and code (SUBGRAPH_TIMEOUT, SUBGRAPH_UNREACHABLE, SUBGRAPH_BAD_RESPONSE, SUBGRAPH_UNAVAILABLE: refused by an open breaker)',
    labelNames: ['subgraph', 'code'],
    registers: [registry],
  });
  const breakerState = new Gauge({
    name: 'meridian_router_subgraph_breaker_state',
    help: "A subgraph's circuit breaker: 0 closed, 1 open, 2 half-open",
    labelNames: ['subgraph'],
    registers: [registry],
  });
  const breakerTransitions = new Counter({
    name: 'meridian_router_subgraph_breaker_transitions_total',
    help: 'Changes of a subgraph circuit breaker, by the state entered',
    labelNames: ['subgraph', 'to'],
    registers: [registry],
  });
  const stateValues = { closed: 0, open: 1, 'half-open': 2 } as const;
  const costs = new Histogram({
    name: 'meridian_router_operation_estimated_cost',
    help: 'Estimated cost of each operation (demand control), by whether it was refused (over ROUTER_MAX_COST)',
    labelNames: ['refused'],
    buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 100000],
    registers: [registry],
  });
  return {
    /** A subgraph's circuit breaker changed state (see execution/subgraph-breakers.ts). */
    breakerStateChange(subgraph: string, state: keyof typeof stateValues) {
      breakerState.set({ subgraph }, stateValues[state]);
      breakerTransitions.inc({ subgraph, to: state });
    },
    /** One operation's estimated cost (see demand-control.ts). */
    estimatedCost: (estimated: number, refused: boolean) => costs.observe({ refused: String(refused) }, estimated),
    /** One subgraph fetch of the query engine (see execution/subgraph-fetch.ts). */
    subgraphRequest: ({
      subgraph,
      outcome,
      shared,
      seconds,
    }: {
      subgraph: string;
      outcome: string;
      shared: boolean;
      seconds: number;
    }) => {
      subgraphRequests.observe({ subgraph, outcome, shared: String(shared) }, seconds);
      if (outcome !== 'ok') subgraphErrors.inc({ subgraph, code: outcome });
    },
    /** Where the subscription gauges read from. */
    reportLive(figures: LiveFigures) {
      live = figures;
    },
    counters: { events: () => events.inc(), dropped: () => dropped.inc() },
    /** The http-server's `onResponse` hook. */
    observe,
    /** `/metrics`, for the admin listener. */
    route,
  };
}
