/**
 * Shares upstream subscriptions. Client subscriptions with the same operation, variables and
 * identity scope (same user and scopes, or anonymous) join one *live query*: one subscription on
 * the owning subgraph, the rest of the plan run once per event, the result sent to every client.
 * The upstream subscription closes when the last client leaves.
 *
 * Every event of our subgraphs is the whole current state of its entity, so a client joining a live
 * query that is already running gets its latest result at once ("current state first"), and when
 * events arrive faster than the rest of the plan runs, the oldest waiting ones are dropped: the
 * newest state wins and memory stays bounded.
 */
import { GraphQLError, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import type { Logger } from '#kit/logger';
import type { Viewer } from '#kit/auth';
import { withDenied, type DeniedField } from '../authorization.ts';
import type { RouterContext } from '../context.ts';
import type { SubscriptionPlan } from './query-plan.ts';
import type { UpstreamEvent, UpstreamHandle, UpstreamSink, Upstreams } from './upstream.ts';

/** One client subscription, as the hub sees it. */
export interface Subscriber {
  /** The client's identity now (a refreshed token replaces the first one). */
  viewer(): Viewer | null;
  deliver(result: ExecutionResult): void;
  /** No more results. */
  end(): void;
}

/** What a subscriber keeps of the live query it joined. */
export interface LiveQueryHandle {
  leave(subscriber: Subscriber): void;
}

export interface LiveQuerySpec {
  plan: SubscriptionPlan;
  variables: Record<string, unknown>;
  /** Fields the scope may not read (nulled in every result, with an error). */
  denied: DeniedField[];
  correlationId: string;
  clientAddress: string;
}

export interface HubCounters {
  /** Events received from subgraphs. */
  events(): void;
  /** Events dropped because newer ones for the same live query were waiting. */
  dropped(): void;
}

const toGraphQLErrors = (errors: readonly GraphQLFormattedError[]) =>
  errors.map((e) => new GraphQLError(e.message, { path: e.path, extensions: e.extensions }));

/** The subscriber whose token lives longest: the identity the live query's fetches forward. */
function freshestViewer(subscribers: Iterable<Subscriber>): Viewer | null {
  let best: Viewer | null = null;
  for (const subscriber of subscribers) {
    const viewer = subscriber.viewer();
    if (viewer && (!best || (viewer.expiresAt ?? Infinity) > (best.expiresAt ?? Infinity))) best = viewer;
  }
  return best;
}

export function createSubscriptionHub(options: {
  upstreams: Upstreams;
  logger: Logger;
  counters?: HubCounters;
  /** Events kept waiting per live query while the rest of its plan runs; default 16. */
  maxWaitingEvents?: number;
}) {
  const { upstreams, logger } = options;
  const maxWaiting = options.maxWaitingEvents ?? 16;
  const liveQueries = new Map<string, LiveQuery>();

  // `Bearer <token>` once per verified viewer (viewers are cached per token), not once per subscription.
  const bearers = new WeakMap<Viewer, string>();
  const authorizationOf = (viewer: Viewer | null) => {
    if (!viewer) return undefined;
    let bearer = bearers.get(viewer);
    if (!bearer) bearers.set(viewer, (bearer = `Bearer ${viewer.token}`));
    return bearer;
  };

  /** One shared subscription: the upstream's sink, and the subscribers' live query. */
  class LiveQuery implements LiveQueryHandle, UpstreamSink {
    readonly subscribers = new Set<Subscriber>();
    private last: ExecutionResult | undefined;
    private waiting: UpstreamEvent[] = [];
    private running = false;
    /** Set when the upstream ended: the final errors (possibly none). */
    private ended: GraphQLError[] | undefined;
    private upstream: UpstreamHandle | undefined;
    /** The token the upstream subscription was opened with. */
    private upstreamToken: string | undefined;

    constructor(
      readonly key: string,
      readonly spec: LiveQuerySpec,
      first: Subscriber,
    ) {
      this.subscribers.add(first);
      this.open();
    }

    /** Opens the upstream subscription with the freshest token of the subscribers. */
    private open() {
      const { plan, variables, correlationId } = this.spec;
      const viewer = freshestViewer(this.subscribers);
      this.upstreamToken = viewer?.token;
      const upstreamVariables: Record<string, unknown> = {};
      for (const name of plan.variableUsages) if (name in variables) upstreamVariables[name] = variables[name];
      this.upstream = upstreams.subscribe(
        plan.service,
        {
          query: plan.operation,
          operationName: plan.operationName,
          variables: upstreamVariables,
          authorization: authorizationOf(viewer),
          correlationId,
        },
        this,
      );
    }

    join(subscriber: Subscriber) {
      this.subscribers.add(subscriber);
      if (this.last) subscriber.deliver(this.last);
    }

    leave(subscriber: Subscriber) {
      if (!this.subscribers.delete(subscriber) || this.subscribers.size > 0 || this.ended) return;
      this.upstream?.end();
      this.forget();
    }

    error(errors: readonly GraphQLFormattedError[]) {
      // The upstream came back (a subgraph restarted) and resent a token that has expired since:
      // open it again with a subscriber's refreshed one, if there is one.
      const refreshed = freshestViewer(this.subscribers)?.token;
      const expired = errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
      if (expired && refreshed && refreshed !== this.upstreamToken) return this.open();
      this.finish(toGraphQLErrors(errors));
    }

    complete() {
      this.finish([]);
    }

    next(event: UpstreamEvent) {
      options.counters?.events();
      this.waiting.push(event);
      if (this.waiting.length > maxWaiting) {
        this.waiting.shift();
        options.counters?.dropped();
      }
      if (!this.running) void this.drain();
    }

    private finish(errors: GraphQLError[]) {
      this.ended = errors;
      this.forget();
      if (!this.running) void this.drain();
    }

    /** Runs the rest of the plan for each waiting event, in order, and sends each result. */
    private async drain() {
      this.running = true;
      for (let event = this.waiting.shift(); event; event = this.waiting.shift()) {
        const result = await this.resolve(event);
        this.last = result;
        for (const subscriber of this.subscribers) subscriber.deliver(result);
      }
      this.running = false;
      if (this.ended) {
        for (const subscriber of this.subscribers) {
          if (this.ended.length > 0) subscriber.deliver({ errors: this.ended });
          subscriber.end();
        }
        this.subscribers.clear();
      }
    }

    private async resolve(event: UpstreamEvent): Promise<ExecutionResult> {
      const { plan, variables, denied, correlationId, clientAddress } = this.spec;
      const context: RouterContext = { viewer: freshestViewer(this.subscribers), correlationId, clientAddress };
      let result: ExecutionResult;
      try {
        result = await plan.execute(event, { variables, context });
      } catch (error) {
        logger.error({ err: error, correlationId }, 'subscription event could not be resolved');
        return { errors: [new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })] };
      }
      return withDenied(result, denied);
    }

    private forget() {
      if (liveQueries.get(this.key) === this) liveQueries.delete(this.key);
    }
  }

  return {
    /**
     * Adds a client subscription to the live query for `key` (opening it if needed). Returns the
     * live query, to leave when the client goes.
     */
    join(key: string, spec: LiveQuerySpec, subscriber: Subscriber): LiveQueryHandle {
      let live = liveQueries.get(key);
      if (live) live.join(subscriber);
      else liveQueries.set(key, (live = new LiveQuery(key, spec, subscriber)));
      return live;
    },
    /** Live queries open (= upstream subscriptions this hub holds). */
    size: () => liveQueries.size,
  };
}

export type SubscriptionHub = ReturnType<typeof createSubscriptionHub>;
