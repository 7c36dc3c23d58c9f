/**
 * What the current supergraph and access policies decide once per operation text: its validated
 * document, and per operation name and scope set (as for HTTP, authorization.ts) the narrowed
 * subscription plan and the fields denied — or the errors refusing it. Renewed with the supergraph.
 */
import { GraphQLError, specifiedRules, type DocumentNode, type OperationDefinitionNode, type ValidationRule } from 'graphql';
import { createDocumentCache, type DocumentCache } from '#kit/document-cache';
import type { Viewer } from '#kit/auth';
import { narrowOperation, remember, scopeKeyOf, type AccessPolicies, type DeniedField } from '../authorization.ts';
import { documentLimits, type DocumentLimits } from '../document-limits.ts';
import type { SubscriptionPlan, SubscriptionPlanner } from './query-plan.ts';

export interface Decisions {
  planner: SubscriptionPlanner;
  policies: AccessPolicies;
  documents: DocumentCache;
  plans: Map<string, Decision>;
}

/** A subscription for one scope set: its narrowed plan and the fields denied, or the errors refusing it. */
export type Decision = { plan: SubscriptionPlan; denied: DeniedField[] } | GraphQLError[];

/**
 * Refuses the introspection root fields, one error each, as Apollo Server does for HTTP with
 * introspection off (graphql-js's NoSchemaIntrospectionCustomRule would also name every field below them).
 */
const noIntrospection: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value !== '__schema' && node.name.value !== '__type') return;
    context.reportError(
      new GraphQLError(`Introspection is disabled on this server: the operation asks for "${node.name.value}"`, { nodes: node }),
    );
  },
});

/** The decisions in force: the same ones until the planner or the policies change, then new (empty) ones. */
export function createDecisions(options: {
  /** The planner of the supergraph in use (replaced on every supergraph change). */
  planner: () => SubscriptionPlanner;
  policies: () => AccessPolicies;
  limits: DocumentLimits;
  introspection: boolean;
}): () => Decisions {
  // As Apollo Server's for HTTP: graphql-js's rules, the document limits, no introspection unless allowed.
  const validationRules = [
    ...specifiedRules,
    documentLimits(options.limits),
    ...(options.introspection ? [] : [noIntrospection]),
  ];
  let decided: Decisions | undefined;
  return () => {
    const planner = options.planner();
    const policies = options.policies();
    if (decided?.planner !== planner || decided.policies !== policies) {
      const documents = createDocumentCache(planner.schema, validationRules);
      decided = { planner, policies, documents, plans: new Map() };
    }
    return decided;
  };
}

/** Authorizes and plans a validated subscription for this caller's scopes; errors refuse it. */
export function planFor(
  state: Decisions,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  text: string,
  operationName: string | undefined,
  viewer: Viewer | null,
): Decision {
  const key = `${operationName ?? ''}\n${scopeKeyOf(viewer)}\n${text}`;
  return state.plans.get(key) ?? remember(state.plans, key, decide(state, document, operation, operationName, viewer));
}

/** Narrows the operation to what the caller may read and plans it; a denied root field refuses it. */
function decide(
  { planner, policies }: Decisions,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  operationName: string | undefined,
  viewer: Viewer | null,
): Decision {
  const narrowed = narrowOperation(planner.schema, policies, document, operation, viewer);
  const deniedRoot = narrowed.denied.filter((field) => field.path.length === 1);
  if (deniedRoot.length > 0) {
    return deniedRoot.map(
      (field) =>
        new GraphQLError(field.code === 'UNAUTHENTICATED' ? 'Sign in to subscribe to this' : 'You may not subscribe to this', {
          path: field.path.map((step) => step.key),
          extensions: { code: field.code },
        }),
    );
  }
  try {
    return { plan: planner.plan(narrowed.document, operationName), denied: narrowed.denied };
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    return [error];
  }
}
