/**
 * Meridian's executor of Apollo query plans. The plan (from `@apollo/query-planner`, see
 * operation.ts) says which subgraph operations to send and where their answers go; this module
 * sends them, merges the answers into one data tree, and shapes the response (shape.ts).
 *
 * - `Fetch` sends one subgraph operation. With `requires` it is an entity fetch: a representation
 *   is built from every object at the current path (null objects and objects missing a required
 *   field are left out), sent as `$representations`, and answer i is merged into object i.
 *   Input rewrites apply to representations, output rewrites to answers.
 * - `Flatten` moves to a path of the data (`@` walks into lists), `Sequence` runs in order,
 *   `Parallel` at once, `Condition` picks a branch by a variable.
 * - `Defer` runs its primary part, then each deferred part as soon as the primary is done; a client
 *   that takes incremental delivery gets one payload per deferred part as it completes.
 *
 * Subgraph errors keep their messages and codes and get the client's path: an error at
 * `["_entities", 3, "price"]` lands on the path of the fourth object sent. A subgraph that cannot
 * be reached costs its own fields (null, plus one error), never the rest of the response.
 */
import { execute as executeGraphQL, GraphQLError, isAbstractType, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { FetchDataRewrite, FetchNode, PlanNode, QueryPlanSelectionNode } from '@apollo/query-planner';
import { shapeObject, type Json, type ResponsePath, type Selection, type ShapeState } from './shape.ts';
import type { PreparedOperation, Shapes } from './operation.ts';

/** One subgraph operation, as the plan says to send it. */
export interface SubgraphRequest {
  query: string;
  operationName?: string;
  variables: Json;
}

/** A subgraph's GraphQL answer. */
export interface SubgraphAnswer {
  data?: Json | null;
  errors?: readonly GraphQLFormattedError[];
}

/** How the executor reaches subgraphs; `mutation` fetches must never be shared or retried. */
export type SubgraphFetcher = (
  service: string,
  request: SubgraphRequest,
  options: { mutation: boolean; context: unknown },
) => Promise<SubgraphAnswer>;

/** What a failed fetch turns into: a GraphQL error for the client, without the fetch's internals. */
export type FetchFailure = (service: string, error: unknown) => GraphQLError;

/** One payload after the first, in the `@defer` incremental delivery format (deferSpec=20220824). */
export interface SubsequentPayload {
  incremental?: { data: Json | null; path: ResponsePath; label?: string; errors?: GraphQLError[] }[];
  hasNext: boolean;
}

export interface ExecutionRequest {
  /** The client's variables as sent: forwarded to subgraphs (which apply their own defaults). */
  variables: Json;
  /** The same, coerced with defaults applied: what `Condition` nodes and `@skip`/`@include` read. */
  coercedVariables: Json;
  /** Handed to the fetcher (the router's context: the identity to forward). */
  context: unknown;
  fetcher: SubgraphFetcher;
  /** How a failed fetch is reported (default {@link fetchFailure}). */
  failure?: FetchFailure;
  /** Deliver `@defer`red parts as subsequent payloads; otherwise one complete response. */
  incremental: boolean;
}

export interface ExecutionOutcome {
  data?: Json | null;
  errors?: GraphQLError[];
  extensions?: Json;
  /** Only for incremental delivery of an operation with `@defer`. */
  subsequent?: AsyncIterable<SubsequentPayload>;
}

/** Where one response (the primary one or a deferred part) collects what goes wrong. */
interface Block {
  errors: GraphQLError[];
  /** What this block's payload selects, when the planner says (a `Defer` node's primary, a deferred part). */
  subselection?: string;
  queryPath: string[];
  label?: string;
  /** Resolved once this block's payload is out (children go after their parent). */
  emitted: Promise<void>;
  emit(): void;
}

interface Cursor {
  /** Path from the root, `@` for list items. */
  path: string[];
  /** The object(s) there, null ones left out. */
  objects: Json[];
}

/**
 * Runs a prepared operation's plan. `initialData`/`initialErrors` seed the data tree (a
 * subscription event, whose rest-of-plan this then runs).
 */
export async function executePlan(
  prepared: PreparedOperation,
  node: PlanNode | undefined,
  request: ExecutionRequest,
  seed?: { data: Json; errors: GraphQLError[] },
): Promise<ExecutionOutcome> {
  const shapes = prepared.shapesFor(request.coercedVariables);
  const run = new PlanRun(prepared, request, seed?.data ?? {});
  const root = run.block([], undefined, undefined, Promise.resolve());
  if (seed) root.errors.push(...seed.errors);
  if (node) await run.node(node, { path: [], objects: [run.data] }, root);

  const selection = root.subselection ? shapes.subselection(root.subselection, []) : shapes.root;
  const introspection = await run.introspection(shapes);
  const state: ShapeState = { schema: prepared.schema, errors: [], introspection };
  const data = shapeObject(selection, run.data, [], state);
  const outcome: ExecutionOutcome = { data, ...reported(root.errors, state.errors) };
  root.emit();
  if (run.pending > 0) outcome.subsequent = run.payloads(shapes);
  return outcome;
}

/** Fetch errors win; when there are none, shaping's own findings go in `extensions.valueCompletion`. */
function reported(fetchErrors: GraphQLError[], completionErrors: GraphQLError[]) {
  if (fetchErrors.length > 0) return { errors: fetchErrors };
  if (completionErrors.length > 0) return { extensions: { valueCompletion: completionErrors.map((e) => e.toJSON()) } };
  return {};
}

class PlanRun {
  /** Deferred parts started and not yet delivered. */
  pending = 0;
  private readonly ready: Block[] = [];
  private wake: (() => void) | undefined;

  private readonly failure: FetchFailure;

  constructor(
    private readonly prepared: PreparedOperation,
    private readonly request: ExecutionRequest,
    readonly data: Json,
  ) {
    this.failure = request.failure ?? fetchFailure;
  }

  block(queryPath: string[], subselection: string | undefined, label: string | undefined, after: Promise<void>): Block {
    let emit!: () => void;
    const emitted = new Promise<void>((resolve) => (emit = resolve));
    return { errors: [], queryPath, subselection, label, emitted: after.then(() => emitted), emit };
  }

  async node(node: PlanNode, cursor: Cursor, block: Block): Promise<void> {
    switch (node.kind) {
      case 'Fetch':
        return this.fetch(node, cursor, block);
      case 'Flatten': {
        const moved = flatten(cursor, node.path as string[]);
        if (moved.objects.length > 0) await this.node(node.node, moved, block);
        return;
      }
      case 'Sequence':
        for (const child of node.nodes) await this.node(child, cursor, block);
        return;
      case 'Parallel':
        await Promise.all(node.nodes.map((child) => this.node(child, cursor, block)));
        return;
      case 'Condition': {
        const branch = this.request.coercedVariables[node.condition] === true ? node.ifClause : node.elseClause;
        if (branch) await this.node(branch, cursor, block);
        return;
      }
      case 'Defer': {
        if (node.primary.node) await this.node(node.primary.node, cursor, block);
        if (!this.request.incremental) {
          await Promise.all(
            node.deferred.map((part) => part.node && this.node(part.node, { path: [], objects: [this.data] }, block)),
          );
          return;
        }
        block.subselection ??= node.primary.subselection;
        for (const part of node.deferred) {
          const child = this.block(part.queryPath, part.subselection, part.label, block.emitted);
          this.pending += 1;
          void (async () => {
            if (part.node) await this.node(part.node, { path: [], objects: [this.data] }, child);
            await block.emitted;
            this.ready.push(child);
            this.wake?.();
          })();
        }
        return;
      }
    }
  }

  private async fetch(fetch: FetchNode, cursor: Cursor, block: Block): Promise<void> {
    const provided = this.request.variables;
    const variables: Json = {};
    for (const name of fetch.variableUsages ?? []) {
      if (provided[name] !== undefined) variables[name] = provided[name];
    }

    if (!fetch.requires) {
      const answer = await this.send(fetch, variables, block);
      if (!answer) return;
      const errorPath = (path: readonly (string | number)[] | undefined) => (path ? [...cursor.path, ...path] : undefined);
      this.collectErrors(fetch, answer, errorPath, block);
      const data = answer.data;
      if (data && typeof data === 'object') {
        applyRewrites(this.prepared.supergraphSchema, fetch.outputRewrites, data);
        for (const object of cursor.objects) mergeInto(object, data);
      }
      return;
    }

    const representations: Json[] = [];
    const sentObjects: number[] = [];
    for (let index = 0; index < cursor.objects.length; index++) {
      const representation = this.representation(cursor.objects[index]!, fetch.requires);
      if (!representation || representation.__typename === undefined) continue;
      applyRewrites(this.prepared.supergraphSchema, fetch.inputRewrites, representation);
      representations.push(representation);
      sentObjects.push(index);
    }
    if (representations.length === 0) return;
    variables.representations = representations;

    const answer = await this.send(fetch, variables, block);
    if (!answer) return;
    let paths: (string | number)[][] | undefined;
    this.collectErrors(
      fetch,
      answer,
      (path) => {
        if (path?.[0] !== '_entities' || typeof path[1] !== 'number') return undefined;
        paths ??= concretePaths(this.data, cursor.path);
        const at = paths[sentObjects[path[1]] ?? -1];
        return at ? [...at, ...path.slice(2)] : undefined;
      },
      block,
    );
    const entities = answer.data?._entities;
    if (!Array.isArray(entities)) {
      if (answer.data !== null && !answer.errors?.length) {
        block.errors.push(this.failure(fetch.serviceName, new Error('The subgraph answered without "_entities"')));
      }
      return;
    }
    if (entities.length !== representations.length) {
      block.errors.push(
        this.failure(
          fetch.serviceName,
          new Error(`Expected ${representations.length} entities from the subgraph, got ${entities.length}`),
        ),
      );
      return;
    }
    for (let i = 0; i < entities.length; i++) {
      const entity = entities[i] as Json | null;
      if (!entity || typeof entity !== 'object') continue;
      const target = cursor.objects[sentObjects[i]!]!;
      if (entity.__typename === undefined) entity.__typename = target.__typename;
      applyRewrites(this.prepared.supergraphSchema, fetch.outputRewrites, entity);
      mergeInto(target, entity);
    }
  }

  /** Sends one fetch; a failure becomes the block's error and `undefined`. */
  private async send(
    fetch: FetchNode,
    variables: Json,
    block: Block,
  ): Promise<{ data?: Json | null; errors?: readonly GraphQLFormattedError[] } | undefined> {
    try {
      return await this.request.fetcher(
        fetch.serviceName,
        { query: fetch.operation, operationName: fetch.operationName, variables },
        { mutation: fetch.operationKind === 'mutation', context: this.request.context },
      );
    } catch (error) {
      block.errors.push(this.failure(fetch.serviceName, error));
      return undefined;
    }
  }

  private collectErrors(
    fetch: FetchNode,
    answer: { errors?: readonly GraphQLFormattedError[] },
    pathOf: (path: readonly (string | number)[] | undefined) => (string | number)[] | undefined,
    block: Block,
  ): void {
    for (const error of answer.errors ?? []) block.errors.push(subgraphError(error, fetch.serviceName, pathOf(error.path)));
  }

  /** The representation of one object for `requires`; null when a required field is missing. */
  private representation(object: Json, selections: readonly QueryPlanSelectionNode[]): Json | null {
    const result: Json = {};
    for (const selection of selections) {
      if (selection.kind === 'Field') {
        const name = selection.alias ?? selection.name;
        const value = object[name];
        if (value === undefined) return null;
        result[name] = selection.selections && value !== null ? this.required(value, selection.selections) : value;
        if (result[name] === undefined) return null;
      } else if (!selection.typeCondition || isOfType(this.prepared.supergraphSchema, object, selection.typeCondition)) {
        const inner = this.representation(object, selection.selections);
        if (!inner) return null;
        mergeInto(result, inner);
      }
    }
    return result;
  }

  private required(value: unknown, selections: readonly QueryPlanSelectionNode[]): unknown {
    if (Array.isArray(value)) return value.map((item) => (item === null ? null : this.required(item, selections)));
    if (typeof value !== 'object' || value === null) return value;
    return this.representation(value as Json, selections) ?? undefined;
  }

  /** `__schema` / `__type` answers, when the operation asks for them (graphql-js on the API schema). */
  async introspection(shapes: Shapes): Promise<Json | undefined> {
    if (!shapes.hasIntrospection) return undefined;
    const result = await executeGraphQL({
      schema: this.prepared.schema,
      document: this.prepared.document,
      operationName: this.prepared.operationName,
      rootValue: {},
      variableValues: this.request.variables,
    });
    return (result.data ?? undefined) as Json | undefined;
  }

  /** The deferred payloads, in the order they complete (a part never before its parent). */
  async *payloads(shapes: Shapes): AsyncGenerator<SubsequentPayload> {
    while (this.pending > 0) {
      if (this.ready.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
      const batch = this.ready.splice(0);
      const incremental: NonNullable<SubsequentPayload['incremental']> = [];
      for (const block of batch) {
        incremental.push(...this.deferredItems(block, shapes));
        this.pending -= 1;
        block.emit();
      }
      // Let children released by these emits queue up before saying whether more is coming.
      await Promise.resolve();
      yield incremental.length > 0 ? { incremental, hasNext: this.pending > 0 } : { hasNext: this.pending > 0 };
    }
  }

  private deferredItems(block: Block, shapes: Shapes): NonNullable<SubsequentPayload['incremental']> {
    const items: NonNullable<SubsequentPayload['incremental']> = [];
    if (!block.subselection) return items;
    const selection = shapes.subselection(block.subselection, block.queryPath);
    const targets = objectsAtQueryPath(this.prepared.supergraphSchema, this.data, block.queryPath);
    const unplaced = [...block.errors];
    for (const { object, path } of targets) {
      const state: ShapeState = { schema: this.prepared.schema, errors: [] };
      const data = shapeObject(selection, object, [...path], state);
      const mine = unplaced.filter((error) => isUnder(error.path, path));
      const errors = mine.length > 0 ? mine : state.errors.length > 0 && block.errors.length === 0 ? state.errors : [];
      for (const error of mine) unplaced.splice(unplaced.indexOf(error), 1);
      items.push({ data, path, ...(block.label ? { label: block.label } : {}), ...(errors.length ? { errors } : {}) });
    }
    if (unplaced.length > 0) {
      if (items.length > 0) items[0]!.errors = [...(items[0]!.errors ?? []), ...unplaced];
      else items.push({ data: null, path: [], errors: unplaced });
    }
    return items;
  }
}

/**
 * A fetch that got no GraphQL answer (unreachable, timed out, garbage): one error naming the
 * subgraph, its cause kept as `originalError` for the error formatter (a transient cause answers
 * SERVICE_UNAVAILABLE, anything else is masked in production).
 */
export function fetchFailure(service: string, error: unknown): GraphQLError {
  const cause = error instanceof Error ? error : new Error(String(error));
  return new GraphQLError(cause.message, { originalError: cause, extensions: { serviceName: service } });
}

/** A subgraph's error on the client's path: message and code kept, `serviceName` added. */
export function subgraphError(
  error: GraphQLFormattedError,
  service: string,
  path: (string | number)[] | undefined,
): GraphQLError {
  const extensions = error.extensions ?? {};
  return new GraphQLError(error.message || `Error while fetching subquery from service "${service}"`, {
    path,
    extensions: { ...extensions, code: extensions.code ?? 'DOWNSTREAM_SERVICE_ERROR', serviceName: service },
  });
}

function isUnder(errorPath: readonly (string | number)[] | undefined, path: ResponsePath): boolean {
  if (!errorPath || errorPath.length < path.length) return false;
  return path.every((key, i) => errorPath[i] === key);
}

/** The objects at `path` below the cursor (`@` flattens lists), nulls left out. */
function flatten(cursor: Cursor, path: string[]): Cursor {
  let objects: unknown[] = cursor.objects;
  for (const key of path) {
    const next: unknown[] = [];
    for (const value of objects) {
      if (key === '@') {
        if (Array.isArray(value)) for (const item of value) if (item !== null && item !== undefined) next.push(item);
      } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const child = (value as Json)[key];
        if (child !== null && child !== undefined) next.push(child);
      }
    }
    objects = next;
  }
  return { path: [...cursor.path, ...path], objects: objects as Json[] };
}

/** The concrete response paths of the objects `flatten` finds at `path` from the root, in its order. */
function concretePaths(data: Json, path: string[]): (string | number)[][] {
  let found: { value: unknown; at: (string | number)[] }[] = [{ value: data, at: [] }];
  for (const key of path) {
    const next: typeof found = [];
    for (const { value, at } of found) {
      if (key === '@') {
        if (Array.isArray(value)) {
          value.forEach((item, index) => {
            if (item !== null && item !== undefined) next.push({ value: item, at: [...at, index] });
          });
        }
      } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const child = (value as Json)[key];
        if (child !== null && child !== undefined) next.push({ value: child, at: [...at, key] });
      }
    }
    found = next;
  }
  return found.map(({ at }) => at);
}

/** Objects a deferred part applies to: `queryPath` names fields (lists walked through) and `... on T` steps. */
function objectsAtQueryPath(schema: GraphQLSchema, data: Json, queryPath: string[]): { object: Json; path: ResponsePath }[] {
  let found: { value: unknown; path: ResponsePath }[] = [{ value: data, path: [] }];
  const expand = (value: unknown, path: ResponsePath, into: typeof found) => {
    if (Array.isArray(value)) value.forEach((item, index) => expand(item, [...path, index], into));
    else if (value !== null && value !== undefined) into.push({ value, path });
  };
  for (const step of queryPath) {
    const next: typeof found = [];
    if (step.startsWith('... on ')) {
      const type = step.slice('... on '.length);
      for (const entry of found) if (isOfType(schema, entry.value as Json, type)) next.push(entry);
    } else {
      for (const { value, path } of found) expand((value as Json)[step], [...path, step], next);
    }
    found = next;
  }
  return found.map(({ value, path }) => ({ object: value as Json, path }));
}

/** Whether an object (by its `__typename`) is of `typeName`, an abstract type it belongs to included. */
function isOfType(schema: GraphQLSchema, object: Json, typeName: string, unknownIs = false): boolean {
  const typename = object.__typename;
  if (typeof typename !== 'string') return unknownIs;
  if (typename === typeName) return true;
  const condition = schema.getType(typeName);
  const type = schema.getType(typename);
  if (!condition || !type || !isAbstractType(condition)) return false;
  return schema.isSubType(condition, type as never);
}

/** Deep-merges a subgraph answer into the data tree (lists element by element). */
export function mergeInto(target: Json, source: Json): void {
  for (const key in source) {
    const value = source[key];
    const existing = target[key];
    if (existing !== null && typeof existing === 'object' && value !== null && typeof value === 'object') {
      if (Array.isArray(existing) && Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const item = value[i];
          const old = existing[i];
          if (old !== null && typeof old === 'object' && item !== null && typeof item === 'object' && !Array.isArray(old)) {
            mergeInto(old as Json, item as Json);
          } else if (Array.isArray(old) && Array.isArray(item)) {
            mergeInto(old as unknown as Json, item as unknown as Json);
          } else {
            existing[i] = item;
          }
        }
        continue;
      }
      if (!Array.isArray(existing) && !Array.isArray(value)) {
        mergeInto(existing as Json, value as Json);
        continue;
      }
    }
    if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
    else target[key] = value;
  }
}

/** The planner's input/output rewrites: set a value or rename a key at a path (`... on T` steps filter by type). */
function applyRewrites(schema: GraphQLSchema, rewrites: readonly FetchDataRewrite[] | undefined, value: Json): void {
  if (!rewrites) return;
  for (const rewrite of rewrites) {
    const path = rewrite.path;
    if (path.length === 0) continue;
    const last = path[path.length - 1]!;
    visitAt(schema, path, 0, value, (object) => {
      if (rewrite.kind === 'ValueSetter') object[last] = rewrite.setValueTo;
      else if (object[last] !== undefined && object[last] !== null) {
        object[rewrite.renameKeyTo] = object[last];
        delete object[last];
      }
    });
  }
}

function visitAt(schema: GraphQLSchema, path: string[], depth: number, value: unknown, apply: (object: Json) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) visitAt(schema, path, depth, item, apply);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (depth === path.length - 1) {
    apply(value as Json);
    return;
  }
  const step = path[depth]!;
  if (step.startsWith('... on ')) {
    if (isOfType(schema, value as Json, step.slice('... on '.length), true)) visitAt(schema, path, depth + 1, value, apply);
  } else {
    visitAt(schema, path, depth + 1, (value as Json)[step], apply);
  }
}

export type { Selection };
