/**
 * One circuit breaker per subgraph (cockatiel's `ConsecutiveBreaker`): a subgraph that is down or
 * too slow is not asked again for a while, so its fields fail at once instead of each request
 * waiting out the timeout and piling sockets onto a service that cannot answer.
 *
 * ```
 *            N transport failures in a row
 *   closed ─────────────────────────────────▶ open ── every fetch refused at once (SUBGRAPH_UNAVAILABLE)
 *     ▲                                        │
 *     │ the probe answers                      │ halfOpenAfterMs later, the next fetch is the probe
 *     │                                        ▼
 *     └──────────────────────────────────  half-open ── other fetches refused while the probe is out
 *                                              │
 *                                              └── the probe fails: open again
 * ```
 *
 * Only transport failures count: a timeout, a refused or dropped connection, an answer that is not
 * GraphQL from a 5xx (or not HTTP at all). A GraphQL answer with `errors` is the subgraph working, and a
 * 4xx that is not GraphQL is a misrouted request, not an outage. cockatiel would queue the fetches
 * that arrive while the probe is out behind it (up to the timeout each); they are refused instead.
 */
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { SubgraphFetchError, type ExchangeGuard } from './subgraph-fetch.ts';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface SubgraphBreakerOptions {
  /** Consecutive transport failures that open a subgraph's breaker. */
  failures: number;
  /** How long a breaker stays open before the next fetch is let through as a probe. */
  halfOpenAfterMs: number;
  /** Each change of a breaker's state (metrics, logs). */
  onStateChange?: (subgraph: string, state: BreakerState) => void;
}

export interface SubgraphBreakers {
  /** The guard for a subgraph's exchanges (subgraph-fetch.ts `guard`), its breaker created on first use. */
  guardOf(subgraph: string): ExchangeGuard;
  /** Forgets a subgraph's breaker (its URL changed: the old address's record says nothing about the new one). */
  reset(subgraph: string): void;
  /** The state of each subgraph's breaker that has seen a fetch. */
  states(): Record<string, BreakerState>;
}

export const defaultBreakerFailures = 5;
export const defaultBreakerHalfOpenAfterMs = 5_000;

/** Breakers for every subgraph, created on first use. */
export function createSubgraphBreakers(options: SubgraphBreakerOptions): SubgraphBreakers {
  const breakers = new Map<string, { policy: CircuitBreakerPolicy; openedAt: number; guard: ExchangeGuard }>();

  function breakerOf(subgraph: string) {
    const breaker = breakers.get(subgraph);
    if (breaker) return breaker;
    const policy = circuitBreaker(handleWhen(isTransportFailure), {
      halfOpenAfter: options.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(options.failures),
    });
    const entry = {
      policy,
      openedAt: 0,
      guard: <T>(exchange: () => Promise<T>): Promise<T> => {
        const state = policy.state;
        // Half-open: the probe is out; the others would wait on it, so they fail at once like when open.
        if (state === CircuitState.HalfOpen) return Promise.reject(unavailable(subgraph, entry.openedAt));
        if (state === CircuitState.Closed) return policy.execute(exchange);
        return policy.execute(exchange).catch((error: unknown) => {
          throw error instanceof BrokenCircuitError ? unavailable(subgraph, entry.openedAt) : error;
        });
      },
    };
    policy.onStateChange((state) => {
      if (state === CircuitState.Open) entry.openedAt = Date.now();
      options.onStateChange?.(subgraph, stateName(state));
    });
    breakers.set(subgraph, entry);
    return entry;
  }

  function unavailable(subgraph: string, openedAt: number) {
    const waitMs = Math.max(0, openedAt + options.halfOpenAfterMs - Date.now());
    return new SubgraphUnavailableError(subgraph, options.failures, Math.max(1, Math.ceil(waitMs / 1000)));
  }

  return {
    guardOf: (subgraph) => breakerOf(subgraph).guard,
    reset(subgraph) {
      if (breakers.delete(subgraph)) options.onStateChange?.(subgraph, 'closed');
    },
    states: () => Object.fromEntries([...breakers].map(([subgraph, { policy }]) => [subgraph, stateName(policy.state)])),
  };
}

/** A fetch refused without a request: the subgraph's breaker is open. */
export class SubgraphUnavailableError extends SubgraphFetchError {
  constructor(
    subgraph: string,
    failures: number,
    /** When the breaker lets a probe through. */
    readonly retryAfterSeconds: number,
  ) {
    super('SUBGRAPH_UNAVAILABLE', subgraph, `Subgraph "${subgraph}" is unavailable (it failed ${failures} times in a row)`);
  }
}

/** What opens a breaker: the subgraph gave no answer, or gave garbage from a failing server. */
export function isTransportFailure(error: unknown): boolean {
  if (!(error instanceof SubgraphFetchError)) return false;
  switch (error.code) {
    case 'SUBGRAPH_TIMEOUT':
    case 'SUBGRAPH_UNREACHABLE':
      return true;
    case 'SUBGRAPH_BAD_RESPONSE':
      // No status: the bytes were not HTTP. A 4xx that is not GraphQL is a routing mistake, not an outage.
      return error.status === undefined || error.status >= 500;
    case 'SUBGRAPH_UNAVAILABLE':
      return false;
  }
}

function stateName(state: CircuitState): BreakerState {
  switch (state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.HalfOpen:
      return 'half-open';
    case CircuitState.Open:
    case CircuitState.Isolated:
      return 'open';
  }
}
