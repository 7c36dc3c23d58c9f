/**
 * Federated subscriptions, the planning half: `@apollo/gateway` plans subscription operations but
 * refuses to execute them. A subscription plan is a primary fetch (the subscription field, opened on
 * its owning subgraph over graphql-ws) plus the rest of the plan (entity fetches on the other
 * subgraphs). For each event of the primary subscription, {@link SubscriptionPlan.execute} runs the
 * gateway's own executor on `Sequence [primary, rest]`, with the primary fetch answered by the event
 * itself: the gateway merges the event, runs the rest, applies rewrites and shapes the response
 * exactly as it does for a query.
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
import { Supergraph, operationFromDocument } from '@apollo/federation-internals';
import { QueryPlanner, type FetchNode, type PlanNode, type QueryPlan } from '@apollo/query-planner';
import { buildOperationContext, executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import type { GatewayGraphQLRequestContext, GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { forGateway } from '../supergraph-file.ts';

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

/** The data source of every subgraph, or how to build one from the supergraph's subgraph list. */
export type SubscriptionServices = ServiceMap | ((subgraph: { name: string; url: string }) => GraphQLDataSource);

/** Plans kept per planner (least recently used dropped first). */
const planCacheSize = 1000;
let lastPlanId = 0;

/**
 * The virtual service answering the primary fetch with the current event. Its name cannot be a
 * subgraph name (those are GraphQL enum values), and it never reaches clients: errors naming it are
 * given the owning subgraph's name.
 */
const eventSourceName = '(subscription event)';

/**
 * Builds the planner for one supergraph, the way `ApolloGateway` builds its own: the supergraph,
 * its API schema, a query planner, and the data source of every subgraph. Takes the supergraph as
 * composed or as handed to the gateway (see `forGateway`). Access policies (`@authenticated`,
 * `@requiresScopes`) are not enforced here: check the operation (authorization.ts) before planning.
 */
export function createSubscriptionPlanner(supergraphSdl: string, services: SubscriptionServices): SubscriptionPlanner {
  const supergraph = Supergraph.build(forGateway(supergraphSdl));
  const apiSchema = supergraph.apiSchema();
  // ApolloGateway also stamps `extensions.apollo.gateway.version` on its schema (addExtensions):
  // metadata for Apollo Server's reporting, irrelevant to validation and execution.
  const schema = apiSchema.toGraphQLJSSchema();
  const supergraphSchema = supergraph.schema.toGraphQLJSSchema();
  const queryPlanner = new QueryPlanner(supergraph);
  const subgraphUrls = new Map(supergraph.subgraphsMetadata().map(({ name, url }) => [name, url]));

  // The event of each execution, found by the request context the executor hands to data sources.
  const events = new WeakMap<object, GatewayGraphQLResponse>();
  const eventSource: GraphQLDataSource = {
    async process(options) {
      // (GraphQLDataSourceRequestKind is declared by @apollo/gateway's types but not exported at run time.)
      if (!('incomingRequestContext' in options)) return {};
      return events.get(options.incomingRequestContext) ?? {};
    },
  };
  const serviceMap: ServiceMap = Object.assign(Object.create(null), {
    ...(typeof services === 'function'
      ? Object.fromEntries(supergraph.subgraphsMetadata().map((subgraph) => [subgraph.name, services(subgraph)]))
      : services),
    [eventSourceName]: eventSource,
  });

  const plans = new Map<string, SubscriptionPlan>();

  function planOf(document: DocumentNode, operationName: string | undefined): SubscriptionPlan {
    let operationContext: ReturnType<typeof buildOperationContext>;
    try {
      operationContext = buildOperationContext({ schema, operationDocument: document, operationName });
    } catch (error) {
      throw new GraphQLError(error instanceof Error ? error.message : String(error), {
        extensions: { code: 'OPERATION_RESOLUTION_FAILURE' },
      });
    }
    const { operation: definition, fragments } = operationContext;
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
    const rest = node.rest && !(node.rest.kind === 'Sequence' && node.rest.nodes.length === 0) ? node.rest : undefined;
    const eventPrimary: FetchNode = { ...primary, serviceName: eventSourceName };
    const eventPlan: QueryPlan = {
      kind: 'QueryPlan',
      node: { kind: 'Sequence', nodes: rest ? [eventPrimary, rest] : [eventPrimary] } satisfies PlanNode,
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
        const requestContext = eventRequestContext(document, operationContext.operation, request);
        // The executor merges fetched objects into the event's own objects: give it a copy, so that
        // one upstream event can be executed for several clients (with different viewers).
        events.set(requestContext, {
          ...(event.data !== undefined ? { data: event.data === null ? null : structuredClone(event.data) } : {}),
          ...(event.errors ? { errors: event.errors } : {}),
        });
        const result = await executeQueryPlan(
          eventPlan,
          serviceMap,
          requestContext,
          operationContext,
          supergraphSchema,
          apiSchema,
        );
        return result.errors
          ? { ...result, errors: result.errors.map((e) => fromOwningService(e, primary.serviceName)) }
          : result;
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

/**
 * The request context `executeQueryPlan` and the data sources read: the client's variables and
 * context, a logger and a fresh `metrics` (the executor records subgraph error paths there). The
 * rest of Apollo Server's request context has no meaning for one event.
 */
function eventRequestContext(
  document: DocumentNode,
  operation: GatewayGraphQLRequestContext['operation'],
  request: SubscriptionRequest,
): GatewayGraphQLRequestContext {
  const operationName = operation.name?.value ?? null;
  return {
    request: { variables: request.variables, ...(operationName ? { operationName } : {}) },
    context: request.context as Record<string, unknown>,
    logger: request.logger ?? console,
    metrics: {},
    document,
    operation,
    operationName,
    overallCachePolicy: undefined,
  } as Partial<GatewayGraphQLRequestContext> as GatewayGraphQLRequestContext;
}

/** Errors of the event carry the virtual event source's name; clients see the owning subgraph's. */
function fromOwningService(error: GraphQLError, service: string): GraphQLError {
  if (error.extensions?.serviceName !== eventSourceName) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, serviceName: service },
  });
}
