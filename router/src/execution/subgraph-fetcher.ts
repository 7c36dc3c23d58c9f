/**
 * The router's fetcher: the executor's subgraph fetches on one client per subgraph (its URL from
 * the supergraph or an override), forwarding the caller's identity: the bearer token, the
 * correlation id and the client's address (the router is the trust boundary subgraphs rely on).
 */
import { Pool } from 'undici';
import { correlationHeader } from '#kit/http-server';
import type { RouterContext } from '../context.ts';
import type { SubgraphAnswer, SubgraphFetcher } from './executor.ts';

export interface SubgraphFetcherOptions {
  /** The URL to reach a subgraph at (read on every fetch: a reloaded supergraph may move it). */
  urlOf(service: string): string;
  timeoutMs: number;
  dedup: boolean;
}

export function createSubgraphFetcher(options: SubgraphFetcherOptions): { fetch: SubgraphFetcher; close(): Promise<void> } {
  const pools = new Map<string, { url: string; pool: Pool; path: string }>();
  const poolOf = (service: string) => {
    const url = options.urlOf(service);
    let entry = pools.get(service);
    if (!entry || entry.url !== url) {
      void entry?.pool.close();
      const parsed = new URL(url);
      entry = { url, pool: new Pool(parsed.origin, { connections: 128 }), path: parsed.pathname + parsed.search };
      pools.set(service, entry);
    }
    return entry;
  };
  return {
    async fetch(service, request, { context }) {
      const { pool, path } = poolOf(service);
      const router = context as Partial<RouterContext> | undefined;
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
      if (router?.viewer) headers.authorization = `Bearer ${router.viewer.token}`;
      if (router?.correlationId) headers[correlationHeader] = router.correlationId;
      if (router?.clientAddress) headers['x-forwarded-for'] = router.clientAddress;
      const response = await pool.request({
        method: 'POST',
        path,
        headers,
        body: JSON.stringify(request),
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      });
      return (await response.body.json()) as SubgraphAnswer;
    },
    async close() {
      await Promise.all([...pools.values()].map(({ pool }) => pool.close()));
    },
  };
}
