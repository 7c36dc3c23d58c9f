/**
 * The router's query engine: what Apollo Server calls to execute a validated operation (a
 * `GatewayExecutor`). `@apollo/gateway` still loads and reloads the supergraph; for each version
 * the engine builds its planner (operation.ts), and for each request it checks the variables,
 * takes the cached plan and runs it with Meridian's executor (executor.ts) — `@defer` included.
 */
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';
import type { GatewayExecutionResult, GatewayExecutor, GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { executePlan, type FetchFailure, type SubgraphFetcher } from './executor.ts';
import { InFlight } from './in-flight.ts';
import { acceptsMultipart, deliveryOf } from './incremental.ts';
import { createOperationPlanner, operationOf, type OperationPlanner } from './operation.ts';
import type { Json } from './shape.ts';

export interface EngineOptions {
  fetcher: SubgraphFetcher;
  failure?: FetchFailure;
}

export interface QueryEngine {
  /** Builds (once per supergraph text) the planning state of a supergraph version and makes it current. */
  useSupergraph(supergraphSdl: string): OperationPlanner;
  /** The current API schema (with `@defer`), for Apollo Server. */
  schema(): GraphQLSchema;
  planner(): OperationPlanner;
  execute: GatewayExecutor;
}

export function createQueryEngine(options: EngineOptions): QueryEngine {
  let current: { sdl: string; planner: OperationPlanner } | undefined;

  function useSupergraph(sdl: string): OperationPlanner {
    if (current?.sdl !== sdl) current = { sdl, planner: createOperationPlanner(sdl) };
    return current.planner;
  }
  const planner = () => {
    if (!current) throw new Error('The query engine has no supergraph yet');
    return current.planner;
  };

  const execute: GatewayExecutor = async (requestContext: GatewayGraphQLRequestContext) => {
    const { request, document, queryHash } = requestContext;
    const operationName = request.operationName ?? undefined;
    const operations = planner();
    const operation = operationOf(document, operationName);
    const variables = (request.variables ?? {}) as Json;
    let coercedVariables = variables;
    if (operation.variableDefinitions?.length) {
      const coerced = getVariableValues(operations.schema, operation.variableDefinitions, variables);
      if (coerced.errors) return { errors: coerced.errors as GraphQLError[] };
      coercedVariables = coerced.coerced as Json;
    }
    const prepared = operations.prepare(`${queryHash}\n${operationName ?? ''}`, document, operationName);
    if (prepared.plan.node?.kind === 'Subscription') {
      return {
        errors: [
          new GraphQLError('Subscriptions are served over WebSocket (graphql-ws) at /graphql', {
            extensions: { code: 'BAD_REQUEST' },
          }),
        ],
      };
    }
    if (
      !prepared.plan.node &&
      prepared.shapesFor(coercedVariables).root.asksSubgraphs(prepared.schema.getRootType(operation.operation)!)
    ) {
      // The planner found nothing to fetch for fields that need a subgraph (e.g. a field only a
      // non-resolvable @interfaceObject declares): answering them null would hide the problem.
      return {
        data: null,
        errors: [
          new GraphQLError('No subgraph can resolve the fields this operation selects', { extensions: { code: 'BAD_REQUEST' } }),
        ],
      };
    }
    const context = requestContext.context;
    // One deferred stream per delivery slot (a batched HTTP request shares one: later operations answer whole).
    const delivery = deliveryOf(context);
    const incremental =
      !!delivery &&
      !delivery.payloads &&
      (delivery.incremental === true || acceptsMultipart(request.http?.headers.get('accept')));
    const outcome = await executePlan(prepared, prepared.plan.node, {
      variables,
      coercedVariables,
      context,
      fetcher: options.fetcher,
      failure: options.failure,
      incremental,
    });
    if (outcome.subsequent) delivery!.payloads = outcome.subsequent;
    const { data, errors, extensions } = outcome;
    return { data, ...(errors ? { errors } : {}), ...(extensions ? { extensions } : {}) };
  };

  return { useSupergraph, schema: () => planner().schema, planner, execute };
}

/**
 * Identical client queries in flight at the same time share one execution: same document,
 * operation name and variables, and the same `identity` (whom the answer is for — never shared
 * across callers). Mutations and incremental (`@defer`) deliveries always run on their own. The
 * result is shared as it is: nothing after the executor may modify it (Apollo Server does not).
 */
export function sharingIdenticalQueries(
  execute: GatewayExecutor,
  identity: (requestContext: GatewayGraphQLRequestContext) => string,
): GatewayExecutor {
  const inFlight = new InFlight<GatewayExecutionResult>();
  return (requestContext) => {
    const { request, operation, queryHash } = requestContext;
    if (operation.operation !== 'query') return execute(requestContext);
    const delivery = deliveryOf(requestContext.context);
    if (delivery?.incremental || acceptsMultipart(request.http?.headers.get('accept'))) return execute(requestContext);
    const variables = request.variables ? JSON.stringify(request.variables) : '';
    const key = `${queryHash}\n${request.operationName ?? ''}\n${variables}\n${identity(requestContext)}`;
    return inFlight.share(key, () => execute(requestContext)).result;
  };
}
