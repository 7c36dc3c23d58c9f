/**
 * Operations prepared for execution, per supergraph: the API schema clients validate against (with
 * `@defer`), Apollo's query planner, and a bounded cache of planned operations — each with its
 * response shapes, compiled on first use per set of `@skip`/`@include` variable values.
 */
import {
  GraphQLError,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  parse,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { Supergraph, operationFromDocument, type Schema } from '@apollo/federation-internals';
import { QueryPlanner, type QueryPlan } from '@apollo/query-planner';
import { forGateway } from '../supergraph-file.ts';
import { conditionVariables, ShapeCompiler, type Json, type Selection } from './shape.ts';

/** Response shapes of one operation for one set of `@skip`/`@include` values. */
export interface Shapes {
  /** The whole operation (`@defer` ignored): a complete response. */
  root: Selection;
  /** Whether the root selection asks for `__schema` or `__type`. */
  hasIntrospection: boolean;
  /** What a planner subselection selects at `queryPath` (a primary or deferred payload). */
  subselection(text: string, queryPath: readonly string[]): Selection;
}

export interface PreparedOperation {
  /** The API schema (graphql-js), `@defer` included. */
  schema: GraphQLSchema;
  /** The supergraph schema: type conditions of `requires` and rewrites may name @inaccessible types. */
  supergraphSchema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string;
  operation: OperationDefinitionNode;
  plan: QueryPlan;
  shapesFor(coercedVariables: Json): Shapes;
}

/** One supergraph's planning state; rebuilt when the supergraph changes. */
export interface OperationPlanner {
  /** The API schema handed to Apollo Server (validation) — with `@defer`. */
  schema: GraphQLSchema;
  supergraphSchema: GraphQLSchema;
  apiSchema: Schema;
  queryPlanner: QueryPlanner;
  /** Each subgraph's routing URL as the supergraph declares it. */
  subgraphUrls: ReadonlyMap<string, string>;
  /** Plans `document` (cached under `key`, e.g. the document's hash and operation name). */
  prepare(key: string, document: DocumentNode, operationName?: string): PreparedOperation;
}

const planCacheSize = 1000;

export function createOperationPlanner(supergraphSdl: string): OperationPlanner {
  const supergraph = Supergraph.build(forGateway(supergraphSdl));
  const apiSchema = supergraph.apiSchema();
  const schema = apiSchema.toGraphQLJSSchema({ includeDefer: true });
  const supergraphSchema = supergraph.schema.toGraphQLJSSchema();
  const queryPlanner = new QueryPlanner(supergraph, { incrementalDelivery: { enableDefer: true } });
  const subgraphUrls = new Map(supergraph.subgraphsMetadata().map(({ name, url }) => [name, url]));
  const cache = new Map<string, PreparedOperation>();

  function prepare(key: string, document: DocumentNode, operationName?: string): PreparedOperation {
    const cached = cache.get(key);
    if (cached) {
      cache.delete(key); // refresh its place: the oldest entry is the least recently used
      cache.set(key, cached);
      return cached;
    }
    const operation = operationOf(document, operationName);
    let plan: QueryPlan;
    try {
      plan = queryPlanner.buildQueryPlan(operationFromDocument(apiSchema, document, { operationName }));
    } catch (error) {
      throw new GraphQLError(`This operation cannot be planned: ${error instanceof Error ? error.message : error}`, {
        extensions: { code: 'BAD_REQUEST' },
      });
    }
    const prepared = prepareOperation(schema, supergraphSchema, document, operation, plan, operationName);
    cache.set(key, prepared);
    if (cache.size > planCacheSize) cache.delete(cache.keys().next().value!);
    return prepared;
  }

  return { schema, supergraphSchema, apiSchema, queryPlanner, subgraphUrls, prepare };
}

/** The operation a request runs (by name, or the only one). */
export function operationOf(document: DocumentNode, operationName?: string | null): OperationDefinitionNode {
  const operations = document.definitions.filter(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation || (!operationName && operations.length > 1)) {
    throw new GraphQLError(
      operationName
        ? `Unknown operation named "${operationName}".`
        : 'Must provide operation name if query contains multiple operations.',
      { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } },
    );
  }
  return operation;
}

export function prepareOperation(
  schema: GraphQLSchema,
  supergraphSchema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  plan: QueryPlan,
  operationName?: string,
): PreparedOperation {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const rootType = schema.getRootType(operation.operation)!;
  const conditions = conditionVariables([operation.selectionSet, ...[...fragments.values()].map((f) => f.selectionSet)]);
  const byConditions = new Map<string, Shapes>();

  function shapesFor(coerced: Json): Shapes {
    const signature = conditions.map((name) => (coerced[name] === true ? '1' : '0')).join('');
    let shapes = byConditions.get(signature);
    if (!shapes) {
      const values = Object.fromEntries(conditions.map((name) => [name, coerced[name]]));
      shapes = compileShapes(new ShapeCompiler(schema, fragments, values), schema, rootType, operation, fragments);
      byConditions.set(signature, shapes);
    }
    return shapes;
  }

  return { schema, supergraphSchema, document, operationName, operation, plan, shapesFor };
}

function compileShapes(
  compiler: ShapeCompiler,
  schema: GraphQLSchema,
  rootType: GraphQLObjectType,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): Shapes {
  const root = compiler.selection([operation.selectionSet], rootType);
  const hasIntrospection = root.asksIntrospection(rootType);
  const subselections = new Map<string, Selection>();
  return {
    root,
    hasIntrospection,
    subselection(text, queryPath) {
      const key = `${queryPath.join('/')}\n${text}`;
      let selection = subselections.get(key);
      if (!selection) {
        const definition = parse(text, { noLocation: true }).definitions[0] as OperationDefinitionNode;
        const parentType = typeAtQueryPath(schema, rootType, operation.selectionSet, fragments, queryPath);
        selection = compiler.selection([definition.selectionSet], parentType);
        subselections.set(key, selection);
      }
      return selection;
    },
  };
}

/** Every field node answering `responseName` in these selection sets (through fragments), with the type condition it sits under. */
function fieldsNamed(
  sets: readonly SelectionSetNode[],
  responseName: string,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): { node: FieldNode; condition?: string }[] {
  const found: { node: FieldNode; condition?: string }[] = [];
  const visited = new Set<string>();
  const visit = (set: SelectionSetNode, condition: string | undefined) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if ((selection.alias?.value ?? selection.name.value) === responseName) found.push({ node: selection, condition });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet, selection.typeCondition?.name.value ?? condition);
      } else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) visit(fragment.selectionSet, fragment.typeCondition.name.value);
      }
    }
  };
  for (const set of sets) visit(set, undefined);
  return found;
}

/** The type of the objects a deferred part applies to: its query path walked through the operation. */
function typeAtQueryPath(
  schema: GraphQLSchema,
  rootType: GraphQLObjectType,
  rootSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  queryPath: readonly string[],
): GraphQLCompositeType {
  let type: GraphQLCompositeType = rootType;
  let sets: readonly SelectionSetNode[] = [rootSet];
  for (const step of queryPath) {
    if (step.startsWith('... on ')) {
      const narrowed = schema.getType(step.slice('... on '.length));
      if (narrowed && isCompositeType(narrowed)) type = narrowed;
      continue;
    }
    const found = fieldsNamed(sets, step, fragments);
    const first = found[0];
    if (!first) throw new Error(`The operation has no field at "${step}" of the deferred path ${queryPath.join('/')}`);
    const owners = [type, ...found.flatMap(({ condition }) => (condition ? [schema.getType(condition)] : []))];
    const definition = owners
      .filter((owner) => isObjectType(owner) || isInterfaceType(owner))
      .map((owner) => (owner as GraphQLObjectType).getFields()[first.node.name.value])
      .find((field) => field !== undefined);
    if (!definition) throw new Error(`No field "${first.node.name.value}" on ${type.name}`);
    let named = definition.type;
    while ('ofType' in named) named = named.ofType;
    type = named as GraphQLCompositeType;
    sets = found.flatMap(({ node }) => (node.selectionSet ? [node.selectionSet] : []));
  }
  return type;
}
