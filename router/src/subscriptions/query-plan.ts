/**
 * Federated subscriptions, the planning half: a subscription plan is a primary fetch (the
 * subscription field, opened on its owning subgraph over graphql-ws) plus the rest of the plan
 * (entity fetches on the other subgraphs). For each event of the primary subscription,
 * {@link SubscriptionPlan.execute} seeds Meridian's executor (../execution/executor.ts) with the
 * event and runs the rest of the plan: the same merging, rewrites and response shaping as a query.
 */
import {
  GraphQLError,
  getVariableValues,
  Kind,
  print,
  type DocumentNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import type { PlanNode, QueryPlan } from '@apollo/query-planner';
import { operationFromDocument } from '@apollo/federation-internals';
import type { GraphQLDataSource, ServiceMap } from '@apollo/gateway';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { executePlan, fetchFailure, subgraphError, type FetchFailure, type SubgraphFetcher } from '../execution/executor.ts';
import { createOperationPlanner, operationOf, prepareOperation, type OperationPlanner } from '../execution/operation.ts';
import type { Json } from '../execution/shape.ts';

/** One event of the primary subscription, as the owning subgraph sent it. */
export interface SubscriptionEvent {
  data?: Record<string, unknown> | null;
  errors?: readonly GraphQLFormattedError[];
}

/** What one client's subscription brings to each event. */
export interface SubscriptionRequest {
  /** The client's variables (all of them: the rest of the plan may use others than the primary fetch). */
  variables: Record<string, unknown>;
  /** The per-connection context handed to data sources (e.g. the router context: viewer, correlation id). */
  context: unknown;
  /** Where the gateway's executor logs the rare internal failures; `console` otherwise. */
  logger?: GatewayGraphQLRequestContext['logger'];
}

/** A planned subscription operation. Immutable; shared by every client sending the same operation. */
export interface SubscriptionPlan {
  /** Unique among all plans of this process (also across supergraph reloads). */
  id: number;
  /** The operation planned (the document of the first client that sent it; every later one is the same). */
  document: DocumentNode;
  /** The subgraph that owns the subscription field: the primary fetch's service. */
  service: string;
  /** The primary fetch's operation text, to open on {@link service} over graphql-ws. */
  operation: string;
  operationName?: string;
  /** Variables the primary fetch uses: pass only these upstream. */
  variableUsages: string[];
  /** Whether events need more than the owning subgraph (entity fetches on other subgraphs). */
  hasRest: boolean;
  /** The planner's plan, for logs and debugging (`prettyFormatQueryPlan`). */
  queryPlan: QueryPlan;
  /**
   * Checks the client's variables against the operation's variable definitions, as the gateway does
   * for queries; returns the errors (empty when the variables are fine).
   */
  validateVariables(variables: Record<string, unknown> | undefined): readonly GraphQLError[];
  /**
   * Runs the rest of the plan for one event of the primary subscription and shapes the client's
   * result. Never throws for subgraph failures: errors of the event and of the rest of the plan come
   * back in `errors`, beside whatever data could be resolved. The event is not modified, so one
   * upstream event can be executed for many clients.
   */
  execute(event: SubscriptionEvent, request: SubscriptionRequest): Promise<ExecutionResult>;
}

export interface SubscriptionPlanner {
  /** The API schema (graphql-js) to validate operations against. */
  schema: GraphQLSchema;
  /**
   * A subgraph's routing URL as the supergraph declares it (no per-deployment override applied);
   * throws for a name the supergraph does not have.
   */
  urlOf(service: string): string;
  /**
   * Plans a subscription operation (cached per document and operation name) of a document validated
   * against {@link schema} — the planner's own checks are no graphql-js validation (two root fields
   * would pass them). Throws a GraphQLError with a stable `extensions.code`:
   * OPERATION_RESOLUTION_FAILURE (no such operation) or BAD_REQUEST (a query or mutation,
   * @skip/@include on the root field, a plan the planner refuses).
   */
  plan(document: DocumentNode, operationName?: string | null): SubscriptionPlan;
}

/**
 * How the rest of a plan reaches subgraphs: the router's fetcher, or (tests, tools) a data source
 * per subgraph — a map, or how to build one from the supergraph's subgraph list.
 */
export type SubscriptionServices =
  | ServiceMap
  | ((subgraph: { name: string; url: string }) => GraphQLDataSource)
  | { fetch: SubgraphFetcher; failure?: FetchFailure };

/** Plans kept per planner (least recently used dropped first). */
const planCacheSize = 1000;
let lastPlanId = 0;

/**
 * Builds the subscription planner of one supergraph (as composed or as handed to the gateway, see
 * `forGateway`), or of the router's current {@link OperationPlanner}, which it then shares. Access
 * policies (`@authenticated`, `@requiresScopes`) are not enforced here: check the operation
 * (authorization.ts) before planning.
 */
export function createSubscriptionPlanner(
  supergraph: string | OperationPlanner,
  services: SubscriptionServices,
): SubscriptionPlanner {
  const operations = typeof supergraph === 'string' ? createOperationPlanner(supergraph) : supergraph;
  const { schema, supergraphSchema, queryPlanner, apiSchema, subgraphUrls } = operations;
  const { fetch: fetcher, failure = fetchFailure } = isFetcher(services)
    ? services
    : { fetch: dataSourceFetcher(services, subgraphUrls) };
  const plans = new Map<string, SubscriptionPlan>();

  function planOf(document: DocumentNode, operationName: string | undefined): SubscriptionPlan {
    const definition = operationOf(document, operationName);
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    if (definition.operation !== 'subscription') {
      throw new GraphQLError(
        `Only subscription operations are served here; send the ${definition.operation} over HTTP POST /graphql`,
        { extensions: { code: 'BAD_REQUEST' } },
      );
    }
    if (isConditional(definition.selectionSet, fragments)) {
      // The plan would start with a Condition node, which has no primary subscription to open.
      throw new GraphQLError('A subscription cannot put @skip or @include on its root field', {
        extensions: { code: 'BAD_REQUEST' },
      });
    }

    let queryPlan: QueryPlan;
    try {
      queryPlan = queryPlanner.buildQueryPlan(operationFromDocument(apiSchema, document, { operationName }));
    } catch (error) {
      throw new GraphQLError(`This subscription cannot be planned: ${error instanceof Error ? error.message : error}`, {
        extensions: { code: 'BAD_REQUEST' },
      });
    }
    const node = queryPlan.node;
    if (node?.kind !== 'Subscription') {
      throw new GraphQLError('This subscription selects nothing to subscribe to', { extensions: { code: 'BAD_REQUEST' } });
    }

    const { primary } = node;
    const rest: PlanNode | undefined =
      node.rest && !(node.rest.kind === 'Sequence' && node.rest.nodes.length === 0) ? node.rest : undefined;
    const prepared = prepareOperation(schema, supergraphSchema, document, definition, queryPlan, operationName);
    // A live query's variables are one object for all its events: coerce them once.
    const coercions = new WeakMap<Json, Json>();
    const coercedOf = (variables: Json): Json => {
      const definitions = definition.variableDefinitions ?? [];
      if (definitions.length === 0) return variables;
      let coerced = coercions.get(variables);
      if (!coerced)
        coercions.set(variables, (coerced = (getVariableValues(schema, definitions, variables).coerced ?? variables) as Json));
      return coerced;
    };

    return {
      id: ++lastPlanId,
      document,
      service: primary.serviceName,
      operation: primary.operation,
      operationName: primary.operationName,
      variableUsages: primary.variableUsages ?? [],
      hasRest: rest !== undefined,
      queryPlan,
      validateVariables(variables) {
        const definitions = definition.variableDefinitions ?? [];
        if (definitions.length === 0) return [];
        return getVariableValues(schema, definitions, variables ?? {}).errors ?? [];
      },
      async execute(event, request) {
        const errors = (event.errors ?? []).map((error) => subgraphError(error, primary.serviceName, error.path?.slice()));
        if (!event.data) return { data: null, ...(errors.length ? { errors } : {}) };
        const variables = request.variables as Json;
        const coerced = coercedOf(variables);
        // The executor merges fetched objects into the event's objects: give it a copy, so that one
        // upstream event can be executed for several clients (with different viewers).
        const result = await executePlan(
          prepared,
          rest,
          {
            variables,
            coercedVariables: coerced,
            context: request.context,
            fetcher,
            failure,
            incremental: false,
          },
          { data: structuredClone(event.data) as Json, errors },
        );
        return result as ExecutionResult;
      },
    };
  }

  return {
    schema,
    urlOf(service) {
      const url = subgraphUrls.get(service);
      if (url === undefined) throw new Error(`The supergraph has no subgraph named "${service}"`);
      return url;
    },
    plan(document, operationName) {
      const key = `${operationName ?? ''}\n${print(document)}`;
      const cached = plans.get(key);
      if (cached) {
        plans.delete(key); // refresh its place: the oldest entry is the least recently used
        plans.set(key, cached);
        return cached;
      }
      const plan = planOf(document, operationName ?? undefined);
      plans.set(key, plan);
      if (plans.size > planCacheSize) plans.delete(plans.keys().next().value!);
      return plan;
    },
  };
}

function isFetcher(services: SubscriptionServices): services is { fetch: SubgraphFetcher; failure?: FetchFailure } {
  return typeof services === 'object' && typeof (services as { fetch?: unknown }).fetch === 'function';
}

/** Fetches through GraphQL data sources (`process`), as `@apollo/gateway` calls them. */
function dataSourceFetcher(
  services: ServiceMap | ((subgraph: { name: string; url: string }) => GraphQLDataSource),
  urls: ReadonlyMap<string, string>,
): SubgraphFetcher {
  const sources: ServiceMap =
    typeof services === 'function'
      ? Object.fromEntries([...urls].map(([name, url]) => [name, services({ name, url })]))
      : services;
  return async (service, request, { context }) => {
    const source = sources[service];
    if (!source) throw new Error(`No data source for subgraph "${service}"`);
    const response = await source.process({
      kind: 'incoming operation' as never,
      request: { query: request.query, operationName: request.operationName, variables: request.variables },
      incomingRequestContext: { context } as unknown as GatewayGraphQLRequestContext,
      context: context as Record<string, unknown>,
    });
    return { data: response.data as Json | null | undefined, errors: response.errors as GraphQLFormattedError[] | undefined };
  };
}

/** Whether the root selection (through fragments) carries @skip or @include. */
function isConditional(selectionSet: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>): boolean {
  return selectionSet.selections.some((selection) => {
    if (selection.directives?.some((d) => d.name.value === 'skip' || d.name.value === 'include')) return true;
    if (selection.kind === Kind.INLINE_FRAGMENT) return isConditional(selection.selectionSet, fragments);
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = fragments[selection.name.value];
      return fragment !== undefined && isConditional(fragment.selectionSet, fragments);
    }
    return false;
  });
}
