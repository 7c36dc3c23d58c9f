/**
 * Which live query an admitted subscription joins (see hub.ts): authorized and planned for its
 * caller's scopes, it shares one with every subscription of the same narrowed plan, variables and scope.
 */
import type { DocumentNode, ExecutionArgs, GraphQLError, OperationDefinitionNode } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { withCode } from './admission.ts';
import { scopeOf, type Connection } from './connections.ts';
import { planFor, type Decisions } from './decisions.ts';
import type { OperationContext } from './execution.ts';
import type { LiveQuerySpec } from './hub.ts';

/** JSON with sorted keys, so `{a, b}` and `{b, a}` share a live query. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Authorizes and plans a validated subscription; errors are answered as an `error` message. */
export function subscriptionArgs(
  state: Decisions,
  connection: Connection,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  payload: SubscribePayload,
): GraphQLError[] | ExecutionArgs {
  const decision = planFor(state, document, operation, payload.query, payload.operationName ?? undefined, connection.viewer);
  if (Array.isArray(decision)) return decision;
  const { plan, denied } = decision;
  const invalidVariables = plan.validateVariables(payload.variables ?? undefined);
  if (invalidVariables.length > 0) return invalidVariables.map(withCode('BAD_USER_INPUT'));
  const variables = payload.variables ?? {};
  const spec: LiveQuerySpec = {
    plan,
    variables,
    denied,
    correlationId: connection.extra.correlationId,
    clientAddress: connection.extra.clientAddress,
  };
  // The plan stands for the (narrowed) operation: one per operation and scope's access decisions.
  const key = `${plan.id}\n${stableJson(variables)}\n${scopeOf(connection.viewer)}`;
  const context: OperationContext = { kind: 'subscription', connection, key, spec };
  // graphql-ws keeps these arguments while the subscription is open: the plan's shared document,
  // not this client's copy of it.
  return { schema: state.planner.schema, document: plan.document, operationName: payload.operationName, contextValue: context };
}
