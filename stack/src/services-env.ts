/** The environment of the services mode, with local defaults for what is not set (see .env.example). */
import type { Env } from '#kit/config';
import { defaultPorts, subgraphNames } from './topology.ts';

export function servicesEnv(base: Env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) if (value !== undefined) env[key] = value;
  const pg = env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
  for (const name of subgraphNames) {
    const upper = name.toUpperCase();
    env[`${upper}_PORT`] ??= String(defaultPorts[name]);
    env[`${upper}_DATABASE_URL`] ??= `${pg}/meridian_${name}`;
    // The router reaches each subgraph on the port it was given, whatever the supergraph file says.
    env[`${upper}_URL`] ??= `http://127.0.0.1:${env[`${upper}_PORT`]}/graphql`;
  }
  env.ROUTER_PORT ??= String(defaultPorts.router);
  // The project's supergraph rather than the copy in dist/: `npm run compose` reloads a running router.
  env.SUPERGRAPH_PATH ??= 'router/supergraph.graphql';
  env.WORKER_HEALTH_PORT ??= String(defaultPorts.worker);
  env.REDIS_URL ??= 'redis://127.0.0.1:6379';
  // The simulated card processor keeps its ledger where a payments restart finds it again.
  env.PAYMENTS_SIMULATOR_LEDGER ??= '.data/services/payments-simulator.jsonl';
  env.AUTH_JWKS_URL ??= `http://127.0.0.1:${env.AUTH_PORT}/.well-known/jwks.json`;
  return env;
}
