/**
 * Whether an operation sent over the socket may run, checked as for HTTP before it is handed on:
 * trusted documents, syntax and validation (document limits included), demand control, rate limits,
 * variables that fit their types, and for subscriptions the per-connection limit. Every refusal is
 * answered as graphql-ws's `error` message (see server.ts).
 */
import {
  getOperationAST,
  getVariableValues,
  GraphQLError,
  type DocumentNode,
  type ExecutionArgs,
  type OperationDefinitionNode,
} from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { parseOperation } from '#kit/document-cache';
import { graphQLErrorOf } from '#kit/error-formatter';
import { refusalError } from '../rate-limits.ts';
import { admitSubscribePayload } from '../trusted-documents.ts';
import { contextOf, type Connection } from './connections.ts';
import type { Decisions } from './decisions.ts';
import type { OperationContext } from './execution.ts';
import type { SubscriptionServerOptions } from './server.ts';

/** An operation that passed the checks every kind goes through. */
export interface Admitted {
  state: Decisions;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  /** Its estimated cost, when demand control is on. */
  estimate: number | undefined;
}

/** Gives a refusal its `extensions.code` (kept when it has one). */
export const withCode = (code: string) => (error: GraphQLError) =>
  new GraphQLError(error.message, { nodes: error.nodes, extensions: { code, ...error.extensions } });

/**
 * Trusted documents, then the document (found among those validated before, or parsed and
 * validated), then its cost and the rate limits: the operation to run, or the errors refusing it.
 */
export async function admitOperation(
  options: Pick<SubscriptionServerOptions, 'trustedDocuments' | 'limits' | 'cost' | 'admit'>,
  decisions: () => Decisions,
  connection: Connection,
  payload: SubscribePayload,
): Promise<GraphQLError[] | Admitted> {
  if (options.trustedDocuments) {
    const refusal = admitSubscribePayload(options.trustedDocuments, payload);
    if (refusal) return [new GraphQLError(refusal.message, { extensions: { code: refusal.code } })];
  }
  const state = decisions();
  // An operation text validated before is found by its text; anything else is parsed and validated.
  const known = state.documents.get(payload.query);
  const document = known ?? parseOperation(payload.query, { maxTokens: options.limits.maxTokens });
  if (Array.isArray(document)) return document;
  // Resolved per request: one text may hold several operations, and a client may name none of them.
  const operation = getOperationAST(document, payload.operationName);
  if (!operation) {
    return [graphQLErrorOf('BAD_USER_INPUT', 'Send exactly one operation, or name the one to run in operationName')];
  }
  if (!known) {
    const invalid = state.documents.check(payload.query, document);
    if (Array.isArray(invalid)) return invalid;
  }
  const verdict = options.cost?.(document, operation, payload.variables ?? undefined);
  if (verdict?.error) return [verdict.error];
  if (options.admit) {
    const { viewer, extra } = connection;
    const admission = {
      context: { viewer, clientAddress: extra.clientAddress },
      document,
      operation,
      variables: payload.variables ?? undefined,
    };
    const refusal = await options.admit(admission);
    if (refusal) return [refusalError(refusal, false)];
  }
  return { state, document, operation, estimate: verdict?.estimated };
}

/**
 * A validated query or mutation, once its variables fit their types, goes to Apollo Server. Apollo
 * parses and validates the text again, but only the first time it sees it (it keeps validated
 * documents per schema, by the text's hash), as this server does: each text is validated twice
 * once, then no more.
 */
export function operationArgs(
  { state, document, operation, estimate }: Admitted,
  connection: Connection,
  payload: SubscribePayload,
): GraphQLError[] | ExecutionArgs {
  if (operation.variableDefinitions?.length) {
    const { errors } = getVariableValues(state.planner.schema, operation.variableDefinitions, payload.variables ?? {});
    if (errors) return errors.map(withCode('BAD_USER_INPUT'));
  }
  // Its rate-limit tokens were taken and its cost estimated in admitOperation: Apollo Server's checks
  // take that rather than counting again.
  const context: OperationContext = {
    kind: 'operation',
    payload,
    context: { ...contextOf(connection), admitted: { estimatedCost: estimate } },
  };
  return { schema: state.planner.schema, document, operationName: payload.operationName, contextValue: context };
}

/**
 * Holds one of the connection's `max` subscription slots while `prepare` decides: refused past the
 * limit, and the slot is free again when `prepare` refuses or throws (else its stream releases it).
 */
export function holdSubscriptionSlot(
  connection: Connection,
  max: number,
  prepare: () => GraphQLError[] | ExecutionArgs,
): GraphQLError[] | ExecutionArgs {
  if (connection.subscriptions >= max) {
    return [graphQLErrorOf('RATE_LIMITED', `At most ${max} subscriptions may be open on one connection`)];
  }
  // Counted in the same turn as the check: graphql-ws handles the frames of a burst in between
  // each other's awaits, and the stream that will hold the slot only exists after some of them.
  connection.subscriptions++;
  let prepared: GraphQLError[] | ExecutionArgs;
  try {
    prepared = prepare();
  } catch (error) {
    connection.subscriptions--;
    throw error;
  }
  if (Array.isArray(prepared)) connection.subscriptions--; // refused: the slot is free again
  return prepared;
}
