/**
 * Response shaping: turns the data the plan's fetches merged together (keys, `__typename`s and
 * required fields the client never asked for, in whatever order the subgraphs answered) into the
 * response the operation asked for — its fields in its order, aliases, `@skip`/`@include`,
 * fragments on abstract types, leaf values checked against the API schema, and null propagated up
 * from a null non-null field to the nearest nullable parent, as GraphQL execution does.
 *
 * A selection is compiled once per runtime type it meets (GraphQL's CollectFields) and kept: a
 * plan's shapes are reused by every request of the same operation with the same `@skip`/`@include`
 * variable values (see {@link ShapeCompiler}).
 */
import {
  GraphQLError,
  GraphQLEnumType,
  GraphQLScalarType,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLLeafType,
  type GraphQLObjectType,
  type GraphQLInterfaceType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

export type Json = Record<string, unknown>;
export type ResponsePath = (string | number)[];

const enum FieldKind {
  Typename,
  Leaf,
  Composite,
  /** `__schema` / `__type`: answered by the router itself (see executor.ts). */
  Introspection,
}

interface CompiledField {
  responseName: string;
  kind: FieldKind;
  /** Parent type and field name, for error messages. */
  owner: string;
  type: GraphQLOutputType;
  /** Sub-selection of a composite field (every occurrence of the response name merged). */
  selection?: Selection;
  /** `__proto__` and friends: read only when the input owns the key. */
  ownKeyOnly: boolean;
}

type ObjectLike = GraphQLObjectType | GraphQLInterfaceType;

/** One merged selection set under one static parent type; compiled per runtime type on first use. */
export class Selection {
  private readonly byType = new Map<string, CompiledField[]>();

  constructor(
    private readonly compiler: ShapeCompiler,
    readonly sets: readonly SelectionSetNode[],
    readonly parentType: GraphQLCompositeType,
  ) {}

  /** Whether this (root) selection asks for `__schema` or `__type`. */
  asksIntrospection(runtimeType: ObjectLike): boolean {
    return this.fieldsFor(runtimeType).some((field) => field.kind === FieldKind.Introspection);
  }

  /** Whether this (root) selection asks for anything a subgraph must answer (not only `__typename` or introspection). */
  asksSubgraphs(runtimeType: ObjectLike): boolean {
    return this.fieldsFor(runtimeType).some((field) => field.kind === FieldKind.Leaf || field.kind === FieldKind.Composite);
  }

  fieldsFor(runtimeType: ObjectLike): CompiledField[] {
    let fields = this.byType.get(runtimeType.name);
    if (!fields) {
      fields = this.compiler.collect(this.sets, runtimeType);
      this.byType.set(runtimeType.name, fields);
    }
    return fields;
  }
}

/**
 * Compiles selections of one operation (its fragments) against the API schema, for given values of
 * the variables `@skip`/`@include` read. `@defer` is ignored: what a deferred payload selects comes
 * from the planner's subselections.
 */
export class ShapeCompiler {
  constructor(
    readonly schema: GraphQLSchema,
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
    private readonly conditions: Readonly<Record<string, unknown>>,
  ) {}

  selection(sets: readonly SelectionSetNode[], parentType: GraphQLCompositeType): Selection {
    return new Selection(this, sets, parentType);
  }

  /** CollectFields for one runtime type: response names in document order, sub-selections merged. */
  collect(sets: readonly SelectionSetNode[], runtimeType: ObjectLike): CompiledField[] {
    const grouped = new Map<string, FieldNode[]>();
    const visited = new Set<string>();
    const visit = (set: SelectionSetNode) => {
      for (const selection of set.selections) {
        if (!this.included(selection.directives)) continue;
        switch (selection.kind) {
          case Kind.FIELD: {
            const name = selection.alias?.value ?? selection.name.value;
            const group = grouped.get(name);
            if (group) group.push(selection);
            else grouped.set(name, [selection]);
            break;
          }
          case Kind.INLINE_FRAGMENT:
            if (this.applies(selection.typeCondition?.name.value, runtimeType)) visit(selection.selectionSet);
            break;
          case Kind.FRAGMENT_SPREAD: {
            const name = selection.name.value;
            const fragment = this.fragments.get(name);
            if (!fragment || visited.has(name)) break;
            visited.add(name);
            if (this.applies(fragment.typeCondition.name.value, runtimeType)) visit(fragment.selectionSet);
            break;
          }
        }
      }
    };
    for (const set of sets) visit(set);

    const fields: CompiledField[] = [];
    for (const [responseName, nodes] of grouped) {
      const first = nodes[0]!;
      const fieldName = first.name.value;
      const base = { responseName, owner: `${runtimeType.name}.${fieldName}`, ownKeyOnly: responseName in Object.prototype };
      if (fieldName === '__typename') {
        fields.push({ ...base, kind: FieldKind.Typename, type: this.schema.getType('String') as GraphQLScalarType });
        continue;
      }
      if (fieldName === '__schema' || fieldName === '__type') {
        fields.push({ ...base, kind: FieldKind.Introspection, type: this.schema.getType('String') as GraphQLScalarType });
        continue;
      }
      const definition: GraphQLField<unknown, unknown> | undefined = runtimeType.getFields()[fieldName];
      if (!definition) continue; // validation ran on this schema: only a field of another runtime type
      const named = namedType(definition.type);
      if (isCompositeType(named)) {
        const sets = nodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
        fields.push({ ...base, kind: FieldKind.Composite, type: definition.type, selection: this.selection(sets, named) });
      } else {
        fields.push({ ...base, kind: FieldKind.Leaf, type: definition.type });
      }
    }
    return fields;
  }

  private applies(typeCondition: string | undefined, runtimeType: ObjectLike): boolean {
    if (typeCondition === undefined || typeCondition === runtimeType.name) return true;
    const condition = this.schema.getType(typeCondition);
    return condition !== undefined && isAbstractType(condition) && this.schema.isSubType(condition, runtimeType);
  }

  private included(directives: FieldNode['directives']): boolean {
    if (!directives || directives.length === 0) return true;
    for (const directive of directives) {
      const name = directive.name.value;
      if (name !== 'skip' && name !== 'include') continue;
      const argument = directive.arguments?.find((a) => a.name.value === 'if')?.value;
      const value = argument ? this.valueOf(argument) : false;
      if (name === 'skip' ? value === true : value !== true) return false;
    }
    return true;
  }

  private valueOf(node: ValueNode): unknown {
    if (node.kind === Kind.BOOLEAN) return node.value;
    if (node.kind === Kind.VARIABLE) return this.conditions[node.name.value];
    return undefined;
  }
}

/** The names of the variables `@skip`/`@include` read in these selection sets (their values key the shapes). */
export function conditionVariables(sets: Iterable<SelectionSetNode>): string[] {
  const names = new Set<string>();
  const visit = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      for (const directive of selection.directives ?? []) {
        if (directive.name.value !== 'skip' && directive.name.value !== 'include') continue;
        for (const argument of directive.arguments ?? []) {
          if (argument.value.kind === Kind.VARIABLE) names.add(argument.value.name.value);
        }
      }
      if (selection.kind !== Kind.FRAGMENT_SPREAD && selection.selectionSet) visit(selection.selectionSet);
    }
  };
  for (const set of sets) visit(set);
  return [...names];
}

function namedType(type: GraphQLOutputType) {
  let named = type;
  while (isNonNullType(named) || isListType(named)) named = named.ofType;
  return named;
}

/** A null that must propagate to the nearest nullable parent; its error is already reported. */
const bubble = Symbol('null propagates');

/** Where shaping reports what it finds wrong with the fetched data (GraphQL's "value completion" errors). */
export interface ShapeState {
  schema: GraphQLSchema;
  errors: GraphQLError[];
  /** Answers of `__schema` / `__type` fields, by response name (root selection only). */
  introspection?: Json;
}

/**
 * Builds the response of `selection` from the fetched `input` (an object of the selection's parent
 * type). Returns null when a null non-null field propagated up to here.
 */
export function shapeObject(selection: Selection, input: Json, path: ResponsePath, state: ShapeState): Json | null {
  const runtime = runtimeTypeOf(selection.parentType, input, path, state);
  if (runtime === bubble) return null;
  const result = completeObject(selection, runtime, input, path, state);
  return result === bubble ? null : result;
}

function runtimeTypeOf(
  staticType: GraphQLCompositeType,
  input: Json,
  path: ResponsePath,
  state: ShapeState,
): ObjectLike | typeof bubble {
  const typename = input.__typename;
  if (typeof typename === 'string' && typename !== staticType.name) {
    const type = state.schema.getType(typename);
    // Not in the API schema (e.g. an @inaccessible implementation): never name it to the client.
    if (!type || !(isObjectType(type) || isInterfaceType(type))) {
      state.errors.push(completionError(`Invalid __typename found for object at ${describe(path, staticType.name)}.`, path));
      return bubble;
    }
    return type as ObjectLike;
  }
  if (isAbstractType(staticType) && staticType.astNode?.kind === Kind.UNION_TYPE_DEFINITION) {
    // A union member must name itself; the planner always asks for __typename under a union.
    state.errors.push(completionError(`Invalid __typename found for object at ${describe(path, staticType.name)}.`, path));
    return bubble;
  }
  return staticType as ObjectLike;
}

function completeObject(
  selection: Selection,
  runtime: ObjectLike,
  input: Json,
  path: ResponsePath,
  state: ShapeState,
): Json | typeof bubble {
  const output: Json = {};
  for (const field of selection.fieldsFor(runtime)) {
    const name = field.responseName;
    if (field.kind === FieldKind.Typename) {
      let typename = field.ownKeyOnly ? (Object.hasOwn(input, name) ? input[name] : undefined) : input[name];
      if (typeof typename !== 'string') typename = input.__typename;
      const type = typeof typename === 'string' ? (state.schema.getType(typename) ?? runtime) : runtime;
      // An @interfaceObject answer whose follow-up fetch failed still names the interface: no object to show.
      if (!isObjectType(type)) return bubble;
      output[name] = type.name;
      continue;
    }
    if (field.kind === FieldKind.Introspection) {
      output[name] = state.introspection?.[name] ?? null;
      continue;
    }
    let value = field.ownKeyOnly ? (Object.hasOwn(input, name) ? input[name] : undefined) : input[name];
    if (value === undefined || typeof value === 'function') value = null;
    path.push(name);
    const completed = completeValue(field, field.type, value, path, state);
    path.pop();
    if (completed === bubble) {
      if (isNonNullType(field.type)) return bubble;
      output[name] = null;
    } else {
      output[name] = completed;
    }
  }
  return output;
}

function completeValue(
  field: CompiledField,
  type: GraphQLOutputType,
  value: unknown,
  path: ResponsePath,
  state: ShapeState,
): unknown {
  if (isNonNullType(type)) {
    const completed = completeValue(field, type.ofType, value, path, state);
    if (completed === null) {
      state.errors.push(completionError(`Cannot return null for non-nullable ${describe(path, field.owner)}.`, path));
      return bubble;
    }
    return completed;
  }
  if (value === null) return null;
  if (isListType(type)) {
    if (!Array.isArray(value)) {
      state.errors.push(completionError(`Invalid non-list value found for ${describe(path, field.owner)}.`, path));
      return bubble;
    }
    const items = new Array<unknown>(value.length);
    const itemType = type.ofType;
    let nullList = false;
    for (let index = 0; index < value.length; index++) {
      path.push(index);
      const item = completeValue(field, itemType, value[index] ?? null, path, state);
      path.pop();
      if (item === bubble) {
        if (isNonNullType(itemType)) nullList = true; // keep going: report every element's error
        items[index] = null;
      } else {
        items[index] = item;
      }
    }
    return nullList ? bubble : items;
  }
  if (field.kind === FieldKind.Composite) {
    if (typeof value !== 'object' || Array.isArray(value)) {
      state.errors.push(completionError(`Invalid non-object value found for ${describe(path, field.owner)}.`, path));
      return bubble;
    }
    const runtime = runtimeTypeOf(namedType(type) as GraphQLCompositeType, value as Json, path, state);
    if (runtime === bubble) return bubble;
    return completeObject(field.selection!, runtime, value as Json, path, state);
  }
  if (!isValidLeaf(type as GraphQLLeafType, value)) {
    state.errors.push(completionError(`Invalid value found for ${describe(path, field.owner)}.`, path));
    return bubble;
  }
  return value;
}

function isValidLeaf(type: GraphQLLeafType, value: unknown): boolean {
  if (type instanceof GraphQLEnumType) return typeof value === 'string' && type.getValue(value) !== undefined;
  switch (type.name) {
    case 'String':
      return typeof value === 'string';
    case 'Int':
      return Number.isInteger(value) && (value as number) <= 2147483647 && (value as number) >= -2147483648;
    case 'Float':
      return typeof value === 'number' && Number.isFinite(value);
    case 'Boolean':
      return typeof value === 'boolean';
    case 'ID':
      return typeof value === 'string' || Number.isInteger(value);
    default:
      return isLeafType(type); // custom scalars: any JSON value
  }
}

function describe(path: ResponsePath, owner: string): string {
  const last = path[path.length - 1];
  return typeof last === 'number' ? `array element at index ${last} of ${owner}` : `field ${owner}`;
}

function completionError(message: string, path: ResponsePath): GraphQLError {
  return new GraphQLError(message, { path: [...path], extensions: { code: 'INVALID_GRAPHQL' } });
}
