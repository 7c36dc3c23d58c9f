/**
 * Demand control at the router: every operation's static cost (operation-cost.ts) is estimated
 * once it is validated and before it is planned; above `maxCost` it is refused with
 * `COST_ESTIMATED_TOO_EXPENSIVE` and `extensions.cost: { estimated, max }`. HTTP operations are
 * checked by an Apollo Server plugin (`didResolveOperation`, before the executor plans), graphql-ws
 * operations by the subscription server (so a refusal is an `error` message) — both through
 * {@link DemandControl.check}.
 *
 * Every estimate is observed in the metrics. In development a response also carries
 * `extensions.cost: { estimated, actual }`, `actual` counted from the data returned by the same rules.
 */
import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import type { DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import type { RouterContext } from './context.ts';
import { actualCost, costDirectivesOf, estimateCost, tooExpensive, type CostModel } from './operation-cost.ts';

export interface DemandControlOptions {
  /** Operations estimated above this are refused. */
  maxCost: number;
  /** The size of a list no @listSize sizes. */
  defaultListSize: number;
  /** Adds `extensions.cost: { estimated, actual }` to responses (development). */
  reportCost: boolean;
  /** Each estimate, and whether it was refused (metrics). */
  onEstimate?: (estimated: number, refused: boolean) => void;
}

/** The router's defaults (`ROUTER_MAX_COST`, `ROUTER_DEFAULT_LIST_SIZE`); see README for what the web client's queries cost. */
export const defaultDemandControl = { maxCost: 5_000, defaultListSize: 10 };

/** A verdict on one operation: its estimate, or the error refusing it. */
export type CostVerdict = { estimated: number; error?: GraphQLError };

export interface DemandControl {
  /** The supergraph changed: its `@cost`/`@listSize` and API schema. */
  useSupergraph(schema: GraphQLSchema, supergraphSdl: string): void;
  /** Estimates an operation (validated already) and decides on it; observes the estimate. */
  check(document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> | undefined): CostVerdict;
  /** The Apollo Server plugin checking HTTP operations (and graphql-ws ones not checked already). */
  plugin: ApolloServerPlugin<RouterContext>;
}

export function createDemandControl(options: DemandControlOptions): DemandControl {
  let model: CostModel | undefined;
  // An operation without variables costs the same every time: Apollo Server keeps one parsed
  // document per text, so its operation node is the key. Renewed with the supergraph.
  let known = new WeakMap<OperationDefinitionNode, number>();

  function check(document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> | undefined) {
    if (!model) return { estimated: 0 };
    const fixed = !operation.variableDefinitions?.length;
    let estimated = fixed ? known.get(operation) : undefined;
    if (estimated === undefined) {
      estimated = estimateCost(model, document, operation, variables);
      if (fixed) known.set(operation, estimated);
    }
    const refused = estimated > options.maxCost;
    options.onEstimate?.(estimated, refused);
    return refused ? { estimated, error: tooExpensive(estimated, options.maxCost) } : { estimated };
  }

  // Estimates by request, for the development report; the request object lives as long as the request.
  const estimates = new WeakMap<object, number>();
  const listener: GraphQLRequestListener<RouterContext> = {
    async didResolveOperation({ document, operation, request, contextValue }) {
      // graphql-ws estimated it already: not made (nor counted) again.
      const already = contextValue.admitted?.estimatedCost;
      if (already !== undefined) {
        if (options.reportCost) estimates.set(request, already);
        return;
      }
      if (!operation) return; // Apollo Server refuses it already
      const verdict = check(document, operation, request.variables);
      if (verdict.error) throw verdict.error;
      if (options.reportCost) estimates.set(request, verdict.estimated);
    },
  };
  if (options.reportCost) {
    listener.willSendResponse = async ({ request, response, document, operation }) => {
      const estimated = estimates.get(request);
      if (estimated === undefined || !model || !document || !operation) return;
      if (response.body.kind === 'single') {
        const result = response.body.singleResult;
        const actual = actualCost(model, document, operation, request.variables, result.data);
        result.extensions = { ...result.extensions, cost: { estimated, actual } };
      } else {
        // @defer: the rest of the data is still to come; the estimate goes with the first part.
        const result = response.body.initialResult;
        result.extensions = { ...result.extensions, cost: { estimated } };
      }
    };
  }

  return {
    useSupergraph(schema, supergraphSdl) {
      model = { schema, directives: costDirectivesOf(supergraphSdl), defaultListSize: options.defaultListSize };
      known = new WeakMap();
    },
    check,
    plugin: { requestDidStart: async () => listener },
  };
}
