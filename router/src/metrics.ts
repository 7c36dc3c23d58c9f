/** Prometheus metrics of the router, served at `/metrics` (prom-client). */
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export function createRouterMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'meridian_router_http_request_duration_seconds',
    help: 'HTTP requests served by the router',
    labelNames: ['status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return {
    observe: ({ status, seconds }: { path: string; status: number; seconds: number }) =>
      duration.observe({ status: String(status) }, seconds),
    route: async () => ({
      status: 200,
      body: await registry.metrics(),
      headers: { 'content-type': registry.contentType },
    }),
  };
}
