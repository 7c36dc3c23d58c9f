/**
 * The cost of an operation (demand control, see demand-control.ts), estimated before it is planned, after IBM's
 * GraphQL cost specification as Apollo Router applies it, with the `@cost` and `@listSize`
 * directives the subgraphs declare (composed into the supergraph by federation 2.9+).
 *
 *   operation = Σ root fields
 *   field     = arguments + (10 for a root mutation field)
 *               + size × (weight + Σ fields of its selection set)
 *   weight    = the field's @cost, else its type's @cost, else 1 for objects, interfaces and unions,
 *               0 for scalars and enums
 *   size      = 1, or for a list: the largest slicing argument given (`first: 50`, a variable's value,
 *               else the argument's default), else @listSize's assumedSize, else the default list
 *               size. A connection's @listSize(sizedFields: ["edges"]) sizes its `edges` instead.
 *   arguments = each argument's @cost, plus 1 per input object in its value
 *
 * Apollo Router charges a mutation 10 once; here each root mutation field costs 10, so 100 aliased
 * `reprocessDocument` in one mutation cost 100 times one. Fields of the fragments of an abstract
 * type are all counted (an upper bound: the response has one of them). Fields skipped by a literal
 * or variable `@skip`/`@include` cost nothing; introspection fields cost nothing (the document limits
 * bound them).
 *
 * The estimate is linear in the document: a fragment's cost is worked out once per request (and
 * once per list size where a connection spreads it straight into its sized fields), then reused at
 * every spread. The actual cost is the same sum over the response: list sizes are the lengths
 * returned, and null objects cost nothing.
 */
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isAbstractType,
  isCompositeType,
  isInputObjectType,
  isListType,
  isObjectType,
  Kind,
  parse,
  valueFromASTUntyped,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { fragmentsOf, skipped } from './selections.ts';

/** Base cost of a root mutation field (Apollo Router's cost of a mutation). */
export const mutationFieldCost = 10;

export interface ListSize {
  assumedSize?: number;
  slicingArguments?: string[];
  sizedFields?: string[];
}

/** The supergraph's `@cost` and `@listSize`, by schema coordinate. */
export interface CostDirectives {
  /** `Type.field` → @cost weight. */
  fieldWeights: Map<string, number>;
  /** Object, scalar and enum name → @cost weight. */
  typeWeights: Map<string, number>;
  /** `Type.field(argument:)` → @cost weight. */
  argumentWeights: Map<string, number>;
  /** `Type.field` → @listSize. */
  listSizes: Map<string, ListSize>;
}

const argumentOf = (directive: DirectiveNode, name: string) =>
  directive.arguments?.find((argument) => argument.name.value === name)?.value;

function weightOf(directives: readonly DirectiveNode[] | undefined): number | undefined {
  const cost = directives?.find((d) => d.name.value === 'cost');
  const weight = cost && argumentOf(cost, 'weight');
  return weight?.kind === Kind.INT ? Number(weight.value) : undefined;
}

function listSizeOf(directives: readonly DirectiveNode[] | undefined): ListSize | undefined {
  const listSize = directives?.find((d) => d.name.value === 'listSize');
  if (!listSize) return undefined;
  const assumed = argumentOf(listSize, 'assumedSize');
  const names = (name: string) => {
    const value = argumentOf(listSize, name);
    return value?.kind === Kind.LIST ? value.values.flatMap((v) => (v.kind === Kind.STRING ? [v.value] : [])) : undefined;
  };
  return {
    assumedSize: assumed?.kind === Kind.INT ? Number(assumed.value) : undefined,
    slicingArguments: names('slicingArguments'),
    sizedFields: names('sizedFields'),
  };
}

/**
 * Reads `@cost` and `@listSize` from a supergraph SDL (federation 2.9+ composes them under these
 * names: the cost spec's own `@cost`, and `@listSize` imported).
 */
export function costDirectivesOf(supergraphSdl: string): CostDirectives {
  const directives: CostDirectives = {
    fieldWeights: new Map(),
    typeWeights: new Map(),
    argumentWeights: new Map(),
    listSizes: new Map(),
  };
  for (const definition of parse(supergraphSdl, { noLocation: true }).definitions) {
    if (
      definition.kind === Kind.SCALAR_TYPE_DEFINITION ||
      definition.kind === Kind.ENUM_TYPE_DEFINITION ||
      definition.kind === Kind.OBJECT_TYPE_DEFINITION
    ) {
      const weight = weightOf(definition.directives);
      if (weight !== undefined) directives.typeWeights.set(definition.name.value, weight);
    }
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
    for (const field of definition.fields ?? []) {
      const coordinate = `${definition.name.value}.${field.name.value}`;
      const weight = weightOf(field.directives);
      if (weight !== undefined) directives.fieldWeights.set(coordinate, weight);
      const listSize = listSizeOf(field.directives);
      if (listSize) directives.listSizes.set(coordinate, listSize);
      for (const argument of field.arguments ?? []) {
        const argumentWeight = weightOf(argument.directives);
        if (argumentWeight !== undefined)
          directives.argumentWeights.set(`${coordinate}(${argument.name.value}:)`, argumentWeight);
      }
    }
  }
  return directives;
}

export interface CostModel {
  schema: GraphQLSchema;
  directives: CostDirectives;
  /** The size of a list no @listSize sizes (Apollo Router's `list_size`). */
  defaultListSize: number;
}

type Variables = Readonly<Record<string, unknown>> | undefined;

/** Input objects in an argument's value: 1 each, nested ones included. */
function inputObjectsIn(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + inputObjectsIn(item), 0);
  if (value === null || typeof value !== 'object') return 0;
  let count = 1;
  for (const inner of Object.values(value)) count += inputObjectsIn(inner);
  return count;
}

/** What a field costs before its selections: its arguments, a mutation's base, its weight and type. */
interface FieldFacts {
  definition: GraphQLField<unknown, unknown>;
  coordinate: string;
  named: GraphQLNamedType;
  list: boolean;
  weight: number;
}

function factsOf(model: CostModel, parent: GraphQLCompositeType, field: FieldNode): FieldFacts | undefined {
  const definition = 'getFields' in parent ? parent.getFields()[field.name.value] : undefined;
  if (!definition) return undefined; // __typename, introspection
  const coordinate = `${parent.name}.${definition.name}`;
  const named = getNamedType(definition.type);
  const weight =
    model.directives.fieldWeights.get(coordinate) ??
    model.directives.typeWeights.get(named.name) ??
    (isCompositeType(named) ? 1 : 0);
  return { definition, coordinate, named, list: isListType(getNullableType(definition.type)), weight };
}

function argumentsCost(model: CostModel, facts: FieldFacts, field: FieldNode, variables: Variables): number {
  let cost = 0;
  for (const argument of field.arguments ?? []) {
    cost += model.directives.argumentWeights.get(`${facts.coordinate}(${argument.name.value}:)`) ?? 0;
    const type = facts.definition.args.find((a) => a.name === argument.name.value)?.type as GraphQLInputType | undefined;
    if (type && isInputObjectType(getNamedType(type))) {
      cost += inputObjectsIn(valueFromASTUntyped(argument.value, variables as Record<string, unknown>));
    }
  }
  return cost;
}

/** The list size a field's slicing arguments ask for (given, from a variable, or defaulted); undefined when none applies. */
function slicedSize(facts: FieldFacts, listSize: ListSize, field: FieldNode, variables: Variables): number | undefined {
  let size: number | undefined;
  for (const name of listSize.slicingArguments ?? []) {
    const node: ValueNode | undefined = field.arguments?.find((a) => a.name.value === name)?.value;
    // An argument left out, or given a variable left out, takes its default.
    const given = node ? valueFromASTUntyped(node, variables as Record<string, unknown>) : undefined;
    const value = given ?? facts.definition.args.find((a) => a.name === name)?.defaultValue;
    if (typeof value === 'number' && Number.isFinite(value)) size = Math.max(size ?? 0, value);
  }
  return size;
}

/** How a field multiplies: its own size (lists) and the size it gives its sized fields (connections). */
function sizesOf(model: CostModel, facts: FieldFacts, field: FieldNode, variables: Variables, sizedBy: number | undefined) {
  const listSize = model.directives.listSizes.get(facts.coordinate);
  const size = listSize
    ? (slicedSize(facts, listSize, field, variables) ?? listSize.assumedSize ?? model.defaultListSize)
    : model.defaultListSize;
  if (listSize?.sizedFields?.length) {
    return { own: facts.list ? (sizedBy ?? model.defaultListSize) : 1, sized: { fields: listSize.sizedFields, size } };
  }
  return { own: facts.list ? (sizedBy ?? size) : 1, sized: undefined };
}

/** The fields a connection sizes, and the size it gives them. */
interface Sized {
  fields: string[];
  size: number;
}

/**
 * Estimates operations against one supergraph. `estimate` is linear in the document: each
 * fragment's cost is computed once (per sized-field context) and reused at every spread.
 */
export function estimateCost(
  model: CostModel,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Variables,
): number {
  const fragments = fragmentsOf(document);
  const memo = new Map<string, number>();
  const inProgress = new Set<string>();

  function fragmentCost(name: string, sized: Sized | undefined): number {
    const key = sized ? `${name}\n${sized.size}\n${sized.fields.join(',')}` : name;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    // Unknown fragments and cycles fail validation before any estimate; counted as nothing here.
    if (!fragment || inProgress.has(key)) return 0;
    const type = model.schema.getType(fragment.typeCondition.name.value);
    if (!type || !isCompositeType(type)) return 0;
    inProgress.add(key);
    // A fragment on Mutation stands at the root of a mutation (no field returns the Mutation type).
    const cost = selectionCost(fragment.selectionSet, type, type === model.schema.getMutationType(), sized);
    inProgress.delete(key);
    memo.set(key, cost);
    return cost;
  }

  function selectionCost(
    set: SelectionSetNode,
    parent: GraphQLCompositeType,
    mutationRoot: boolean,
    sized: Sized | undefined,
  ): number {
    let total = 0;
    for (const selection of set.selections) {
      if (skipped(selection.directives, variables)) continue;
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        total += fragmentCost(selection.name.value, sized);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? model.schema.getType(selection.typeCondition.name.value) : parent;
        if (type && isCompositeType(type)) total += selectionCost(selection.selectionSet, type, mutationRoot, sized);
      } else {
        total += fieldCost(selection, parent, mutationRoot, sized);
      }
    }
    return total;
  }

  function fieldCost(field: FieldNode, parent: GraphQLCompositeType, mutationRoot: boolean, sized: Sized | undefined): number {
    const facts = factsOf(model, parent, field);
    if (!facts) return 0;
    const sizedBy = sized?.fields.includes(field.name.value) ? sized.size : undefined;
    const sizes = sizesOf(model, facts, field, variables, sizedBy);
    const inner =
      field.selectionSet && isCompositeType(facts.named) ? selectionCost(field.selectionSet, facts.named, false, sizes.sized) : 0;
    return (
      argumentsCost(model, facts, field, variables) + (mutationRoot ? mutationFieldCost : 0) + sizes.own * (facts.weight + inner)
    );
  }

  const root = model.schema.getRootType(operation.operation);
  if (!root) return 0;
  // Past 2^53 the figure means nothing more (and a product of sizes can reach Infinity, which JSON cannot say).
  return Math.min(
    selectionCost(operation.selectionSet, root, operation.operation === 'mutation', undefined),
    Number.MAX_SAFE_INTEGER,
  );
}

/**
 * The cost of what a response returned, by the same rules: lists cost their returned length, null
 * objects nothing. Fragments apply to the objects whose `__typename` they match (or to every object
 * when the response does not say its type).
 */
export function actualCost(
  model: CostModel,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Variables,
  data: Record<string, unknown> | null | undefined,
): number {
  if (!data) return 0;
  const fragments = fragmentsOf(document);

  /** The fields selected on one object, by response key (the first of each: they are merged). */
  function collect(
    set: SelectionSetNode,
    parent: GraphQLCompositeType,
    typename: unknown,
    into: Map<string, [FieldNode, GraphQLCompositeType]>,
    seen: Set<string>,
  ) {
    for (const selection of set.selections) {
      if (skipped(selection.directives, variables)) continue;
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        if (!into.has(key)) into.set(key, [selection, parent]);
        continue;
      }
      const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value) : selection;
      if (!fragment || (selection.kind === Kind.FRAGMENT_SPREAD && seen.has(selection.name.value))) continue;
      if (selection.kind === Kind.FRAGMENT_SPREAD) seen.add(selection.name.value);
      const type = fragment.typeCondition ? model.schema.getType(fragment.typeCondition.name.value) : parent;
      if (!type || !isCompositeType(type)) continue;
      if (typeof typename === 'string' && !appliesTo(type, typename)) continue;
      collect(fragment.selectionSet, type, typename, into, seen);
    }
  }

  function appliesTo(type: GraphQLCompositeType, typename: string): boolean {
    if (type.name === typename) return true;
    const runtime = model.schema.getType(typename);
    return isAbstractType(type) && isObjectType(runtime) && model.schema.isSubType(type, runtime);
  }

  function objectCost(
    set: SelectionSetNode,
    parent: GraphQLCompositeType,
    value: Record<string, unknown>,
    mutationRoot: boolean,
  ): number {
    const fields = new Map<string, [FieldNode, GraphQLCompositeType]>();
    collect(set, parent, value.__typename, fields, new Set());
    let total = 0;
    for (const [key, [field, type]] of fields) {
      if (!(key in value)) continue;
      const facts = factsOf(model, type, field);
      if (!facts) continue;
      total += argumentsCost(model, facts, field, variables) + (mutationRoot ? mutationFieldCost : 0);
      total += valueCost(facts, field, value[key]);
    }
    return total;
  }

  function valueCost(facts: FieldFacts, field: FieldNode, value: unknown): number {
    if (value === null || value === undefined) return 0;
    if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + valueCost(facts, field, item), 0);
    if (typeof value !== 'object' || !field.selectionSet || !isCompositeType(facts.named)) return facts.weight;
    return facts.weight + objectCost(field.selectionSet, facts.named, value as Record<string, unknown>, false);
  }

  const root = model.schema.getRootType(operation.operation);
  if (!root) return 0;
  return objectCost(operation.selectionSet, root, data, operation.operation === 'mutation');
}

/** The error refusing an operation whose estimate is over the limit (HTTP 400, as other refusals of a document). */
export function tooExpensive(estimated: number, max: number): GraphQLError {
  return new GraphQLError(
    `The operation's estimated cost is ${estimated}; the limit is ${max}. Ask for smaller pages (first), fewer nested lists or fewer fields, or split it.`,
    { extensions: { code: 'COST_ESTIMATED_TOO_EXPENSIVE', cost: { estimated, max }, http: { status: 400 } } },
  );
}
