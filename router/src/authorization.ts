/**
 * Schema-level authorization, enforced by the router before planning. `@authenticated` and
 * `@requiresScopes` (Federation 2.5) in the subgraph schemas reach the supergraph through
 * composition; `@apollo/gateway` ignores them, so the router removes every field the caller may not
 * see from the operation, plans what is left, then answers null plus an error (`UNAUTHENTICATED` or
 * `FORBIDDEN`) at each removed field's path — the rest of the query still returns data.
 *
 * A directive on a field guards that field; on a type (object, interface, scalar, enum) it guards
 * every field returning that type. `@requiresScopes(scopes: [["a", "b"], ["c"]])` passes when the
 * caller holds all scopes of at least one inner list.
 */
import { createHash } from 'node:crypto';
import type { GatewayExecutor, GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import {
  GraphQLError,
  getNamedType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  Kind,
  parse,
  print,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  type ConstDirectiveNode,
} from 'graphql';
import type { Viewer } from '#kit/auth';
import type { SubsequentPayload } from './execution/executor.ts';
import { deliveryOf } from './execution/incremental.ts';

/** Who may read a field or a type: signed in, and/or holding one of the scope sets. */
export interface AccessRule {
  authenticated: boolean;
  /** Alternatives (OR) of scope sets (AND); empty = no scope needed. */
  scopes: string[][];
}

export interface AccessPolicies {
  types: Map<string, AccessRule>;
  /** Keyed `Type.field`. */
  fields: Map<string, AccessRule>;
}

function ruleOf(directives: readonly ConstDirectiveNode[] | undefined): AccessRule | null {
  let rule = null as AccessRule | null;
  for (const directive of directives ?? []) {
    if (directive.name.value === 'authenticated') rule = { authenticated: true, scopes: rule?.scopes ?? [] };
    if (directive.name.value === 'requiresScopes') {
      const arg = directive.arguments?.find((a) => a.name.value === 'scopes')?.value;
      const scopes =
        arg?.kind === Kind.LIST
          ? arg.values.map((inner) =>
              inner.kind === Kind.LIST ? inner.values.flatMap((v) => (v.kind === Kind.STRING ? [v.value] : [])) : [],
            )
          : [];
      rule = { authenticated: true, scopes };
    }
  }
  return rule;
}

/** Reads the access rules out of a supergraph SDL. */
export function accessPoliciesOf(supergraphSdl: string): AccessPolicies {
  const policies: AccessPolicies = { types: new Map(), fields: new Map() };
  for (const definition of parse(supergraphSdl).definitions) {
    if (!('name' in definition) || !definition.name || !('directives' in definition)) continue;
    const typeName = definition.name.value;
    const typeRule = ruleOf(definition.directives as readonly ConstDirectiveNode[]);
    if (typeRule) policies.types.set(typeName, typeRule);
    if ('fields' in definition && Array.isArray(definition.fields)) {
      for (const field of definition.fields as { name: { value: string }; directives?: readonly ConstDirectiveNode[] }[]) {
        const fieldRule = ruleOf(field.directives);
        if (fieldRule) policies.fields.set(`${typeName}.${field.name.value}`, fieldRule);
      }
    }
  }
  return policies;
}

const satisfies = (rule: AccessRule, viewer: Viewer | null) =>
  (!rule.authenticated || viewer !== null) &&
  (rule.scopes.length === 0 || rule.scopes.some((set) => set.every((scope) => viewer?.scopes.includes(scope))));

/** Keeps a selection set whose fields were all removed valid; taken out of the response again. */
const placeholderKey = 'meridianRemovedFields';
const placeholder: FieldNode = {
  kind: Kind.FIELD,
  alias: { kind: Kind.NAME, value: placeholderKey },
  name: { kind: Kind.NAME, value: '__typename' },
};

function dropPlaceholders(value: unknown): void {
  if (Array.isArray(value)) value.forEach(dropPlaceholders);
  else if (value && typeof value === 'object') {
    delete (value as Json)[placeholderKey];
    Object.values(value).forEach(dropPlaceholders);
  }
}

/** One step of a response path, with what null-propagation needs to know about it. */
interface PathStep {
  key: string;
  nonNull: boolean;
  /** The field is a list whose items are non-null. */
  itemsNonNull: boolean;
}

export interface DeniedField {
  path: PathStep[];
  code: 'UNAUTHENTICATED' | 'FORBIDDEN';
  /** Under a type condition narrower than its parent: only some objects have the field. */
  conditional: boolean;
}

function stepOf(key: string, type: GraphQLOutputType): PathStep {
  const nonNull = isNonNullType(type);
  const inner = nonNull ? type.ofType : type;
  return { key, nonNull, itemsNonNull: isListType(inner) && isNonNullType(inner.ofType) };
}

/**
 * Removes the fields `viewer` may not read from `operation` (fragments are inlined), and lists them.
 * A selection set left empty keeps `__typename`, so the document stays valid. Inlining costs the
 * operation's expanded size, which the document limits bound before this runs (document-limits.ts).
 */
export function filterOperation(
  schema: GraphQLSchema,
  policies: AccessPolicies,
  operation: OperationDefinitionNode,
  fragments: Map<string, FragmentDefinitionNode>,
  viewer: Viewer | null,
): { operation: OperationDefinitionNode; denied: DeniedField[] } {
  const denied: DeniedField[] = [];

  function filterSet(
    set: SelectionSetNode,
    parent: GraphQLCompositeType,
    path: PathStep[],
    conditional: boolean,
  ): SelectionSetNode {
    const kept: SelectionNode[] = [];
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const field = filterField(selection, parent, path, conditional);
        if (field) kept.push(field);
      } else {
        const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value) : selection;
        if (!fragment) continue;
        const conditionName = fragment.typeCondition?.name.value;
        const condition = (conditionName ? schema.getType(conditionName) : parent) as GraphQLCompositeType;
        const narrower = conditional || condition.name !== parent.name;
        kept.push({
          kind: Kind.INLINE_FRAGMENT,
          typeCondition: fragment.typeCondition,
          directives: selection.directives,
          selectionSet: filterSet(fragment.selectionSet, condition, path, narrower),
        });
      }
    }
    if (kept.length === 0) kept.push(placeholder);
    return { ...set, selections: kept };
  }

  function filterField(node: FieldNode, parent: GraphQLCompositeType, path: PathStep[], conditional: boolean): FieldNode | null {
    if (node.name.value.startsWith('__') || !(isObjectType(parent) || isInterfaceType(parent))) return node;
    const definition = parent.getFields()[node.name.value];
    if (!definition) return node; // validation already reported it
    const step = stepOf(node.alias?.value ?? node.name.value, definition.type);
    const returns = getNamedType(definition.type);
    for (const rule of [policies.fields.get(`${parent.name}.${node.name.value}`), policies.types.get(returns.name)]) {
      if (rule && !satisfies(rule, viewer)) {
        denied.push({ path: [...path, step], code: viewer ? 'FORBIDDEN' : 'UNAUTHENTICATED', conditional });
        return null;
      }
    }
    if (!node.selectionSet) return node;
    return { ...node, selectionSet: filterSet(node.selectionSet, returns as GraphQLCompositeType, [...path, step], conditional) };
  }

  const root = schema.getRootType(operation.operation);
  if (!root) return { operation, denied };
  return { operation: { ...operation, selectionSet: filterSet(operation.selectionSet, root, [], false) }, denied };
}

type Json = Record<string, unknown>;

/**
 * Writes null at every place a denied field would have been, propagating it upwards past
 * non-null fields as GraphQL does, and returns one error per place (or one per field when its
 * parent is absent). Returns the data to send (null when it propagated to the root).
 */
export function nullDenied(
  data: Json | null | undefined,
  denied: DeniedField[],
): { data: Json | null | undefined; errors: GraphQLError[] } {
  const errors: GraphQLError[] = [];
  let rootNull = false;

  const message = (code: DeniedField['code']) =>
    code === 'UNAUTHENTICATED' ? 'Sign in to read this field' : 'You are not allowed to read this field';

  for (const field of denied) {
    const located: (string | number)[][] = [];
    // Returns true when the object at `at` must become null (non-null field nulled below it).
    const walk = (object: Json, depth: number, at: (string | number)[]): boolean => {
      const step = field.path[depth]!;
      const here = [...at, step.key];
      if (depth === field.path.length - 1) {
        if (field.conditional && !(step.key in object)) return false;
        object[step.key] = null;
        located.push(here);
        return step.nonNull;
      }
      const value = object[step.key];
      if (value === null || value === undefined) return false;
      let nullHere = false;
      if (Array.isArray(value)) {
        value.forEach((item, index) => {
          if (item && typeof item === 'object' && walk(item as Json, depth + 1, [...here, index])) {
            if (step.itemsNonNull) nullHere = true;
            else value[index] = null;
          }
        });
      } else if (typeof value === 'object') {
        nullHere = walk(value as Json, depth + 1, here);
      }
      if (!nullHere) return false;
      object[step.key] = null;
      return step.nonNull;
    };
    if (data && walk(data, 0, [])) rootNull = true;
    const paths = located.length > 0 ? located : [field.path.map((s) => s.key)];
    for (const path of paths) errors.push(new GraphQLError(message(field.code), { path, extensions: { code: field.code } }));
  }
  return { data: rootNull ? null : data, errors };
}

/** Who an access decision is made for: the rules look only at being signed in and at the scopes. */
export const scopeKeyOf = (viewer: Viewer | null) => (viewer ? [...viewer.scopes].sort().join(' ') : '(anonymous)');

/** An operation as a caller may run it: a document of its own, and the fields removed from it. */
export interface NarrowedOperation {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  denied: DeniedField[];
}

/** `operation` of `document` without the fields `viewer` may not read (see filterOperation). */
export function narrowOperation(
  schema: GraphQLSchema,
  policies: AccessPolicies,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  viewer: Viewer | null,
): NarrowedOperation {
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const filtered = filterOperation(schema, policies, operation, fragments, viewer);
  return {
    document: { kind: Kind.DOCUMENT, definitions: [filtered.operation] },
    operation: filtered.operation,
    denied: filtered.denied,
  };
}

interface Narrowed extends NarrowedOperation {
  source: string;
  queryHash: string;
}

/** Work out, per operation, what a caller with these scopes may run (null: all of it). */
function narrow(requestContext: GatewayGraphQLRequestContext, policies: AccessPolicies, viewer: Viewer | null): Narrowed | null {
  const { document, operation, schema } = requestContext;
  const narrowed = narrowOperation(schema, policies, document, operation, viewer);
  if (narrowed.denied.length === 0) return null;
  const source = print(narrowed.document);
  // The gateway caches query plans by queryHash: the narrowed document needs its own.
  const queryHash = createHash('sha256').update(source).digest('hex');
  return { ...narrowed, source, queryHash };
}

const decisionCacheSize = 1000;

/**
 * Keeps `decision` under `key` in a cache of access decisions, emptied when full: decisions are
 * cheap to make again, and the working set (operations × scope sets) is small.
 */
export function remember<T>(cache: Map<string, T>, key: string, decision: T): T {
  if (cache.size >= decisionCacheSize) cache.clear();
  cache.set(key, decision);
  return decision;
}

/**
 * Wraps the gateway's executor so every operation is filtered by the current access policies. The
 * decision depends only on the operation and on who asks (anonymous, or which scopes), so it is
 * computed once per operation and scope set, like the gateway's own plan cache, and recomputed when
 * the policies change with a new supergraph.
 */
export function authorizingExecutor(
  execute: GatewayExecutor,
  policies: () => AccessPolicies,
  viewerOf: (context: GatewayGraphQLRequestContext) => Viewer | null,
): GatewayExecutor {
  const decisions = new WeakMap<AccessPolicies, Map<string, Narrowed | null>>();
  return async (requestContext) => {
    const current = policies();
    if (current.fields.size === 0 && current.types.size === 0) return execute(requestContext);
    const viewer = viewerOf(requestContext);
    const key = `${requestContext.queryHash}\n${requestContext.operationName ?? ''}\n${scopeKeyOf(viewer)}`;
    let cache = decisions.get(current);
    if (!cache) decisions.set(current, (cache = new Map()));
    let decision = cache.get(key);
    if (decision === undefined) decision = remember(cache, key, narrow(requestContext, current, viewer));
    if (!decision) return execute(requestContext);

    const view = Object.create(requestContext, {
      document: { value: decision.document },
      source: { value: decision.source },
      operation: { value: decision.operation },
      queryHash: { value: decision.queryHash },
    }) as GatewayGraphQLRequestContext;
    const result = withDenied(await execute(view), decision.denied);
    // Denied fields are null (with their errors) in the primary payload; deferred parts of the
    // narrowed operation only need the placeholders taken out.
    const delivery = deliveryOf(requestContext.context);
    if (delivery?.payloads) delivery.payloads = withoutPlaceholders(delivery.payloads);
    return result;
  };
}

async function* withoutPlaceholders(payloads: AsyncIterable<SubsequentPayload>): AsyncGenerator<SubsequentPayload> {
  for await (const payload of payloads) {
    for (const item of payload.incremental ?? []) dropPlaceholders(item.data);
    yield payload;
  }
}

/** A result of a narrowed operation as the caller must see it: denied fields null, with their errors. */
export function withDenied<R extends { data?: unknown; errors?: readonly unknown[] | null }>(
  result: R,
  denied: DeniedField[],
): R {
  if (denied.length === 0) return result;
  dropPlaceholders(result.data);
  const { data, errors } = nullDenied(result.data as Json | null | undefined, denied);
  return { ...result, data, errors: [...(result.errors ?? []), ...errors] };
}
