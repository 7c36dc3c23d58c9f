/**
 * Malformed ids in a schema's arguments: an id that is not a UUID names nothing, and must not reach PostgreSQL as a
 * cast error (an INTERNAL_SERVER_ERROR to the client and an unexpected-error line in the logs).
 */
import {
  defaultFieldResolver,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLFieldResolver,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { badInput } from './errors.js';
import { isUuid } from './ids.js';

/** Throws BAD_USER_INPUT naming `path` when a value (as GraphQL coerced it) holds an ID that is not a UUID. */
type IdCheck = (value: unknown, path: string) => void;

/**
 * Works out, once per type, how to find the IDs in a value of it (lists and input objects followed,
 * at any depth); null when it can hold none.
 */
function idChecks() {
  const done = new Map<GraphQLInputObjectType, IdCheck | null>();
  const building = new Set<GraphQLInputObjectType>();
  const checkOf = (type: GraphQLInputType): IdCheck | null => {
    if (isNonNullType(type)) return checkOf(type.ofType);
    if (isListType(type)) {
      const item = checkOf(type.ofType);
      if (!item) return null;
      return (value, path) => {
        if (Array.isArray(value)) value.forEach((element, index) => item(element, `${path}[${index}]`));
      };
    }
    if (isScalarType(type)) {
      if (type.name !== 'ID') return null;
      return (value, path) => {
        if (value != null && !isUuid(value)) throw badInput(`\`${path}\` is not a valid id`, { argument: path });
      };
    }
    if (!isInputObjectType(type)) return null; // an enum
    if (done.has(type)) return done.get(type)!;
    // An input type that contains itself: its check, once worked out.
    if (building.has(type)) return (value, path) => done.get(type)?.(value, path);
    building.add(type);
    const fields = Object.values(type.getFields()).flatMap((field) => {
      const check = checkOf(field.type);
      return check ? [[field.name, check] as const] : [];
    });
    const check: IdCheck | null =
      fields.length === 0
        ? null
        : (value, path) => {
            if (!value || typeof value !== 'object') return;
            for (const [name, field] of fields) field((value as Record<string, unknown>)[name], `${path}.${name}`);
          };
    done.set(type, check);
    return check;
  };
  return checkOf;
}

/** `resolve`, run once the field's ID arguments are checked. */
function checkingIds(
  checks: [string, IdCheck][],
  resolve: GraphQLFieldResolver<unknown, unknown>,
): GraphQLFieldResolver<unknown, unknown> {
  return (source, args: Record<string, unknown>, context, info) => {
    for (const [name, check] of checks) check(args[name], name);
    return resolve(source, args, context, info);
  };
}

/**
 * Makes a subgraph's schema refuse malformed ids before any resolver sees them, whichever field
 * they come through:
 *
 * - an argument of type ID — or a list of them, or an input object field of that type at any depth
 *   — that is not a UUID is BAD_USER_INPUT naming it (`input.items[2].productId`);
 * - an entity reference (`_entities`) whose `id` is not a UUID resolves to null, as one naming no
 *   entity does. Every entity of the platform is keyed by its `id`.
 *
 * The schema's fields are changed in place; returns `schema`.
 */
export function refuseMalformedIds(schema: GraphQLSchema): GraphQLSchema {
  const checkOf = idChecks();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const argChecks = field.args.flatMap((arg) => {
        const check = checkOf(arg.type);
        return check ? [[arg.name, check] as [string, IdCheck]] : [];
      });
      if (argChecks.length === 0) continue;
      // A subscription field's arguments are checked once, when it is subscribed to.
      if (field.subscribe) field.subscribe = checkingIds(argChecks, field.subscribe);
      else field.resolve = checkingIds(argChecks, field.resolve ?? defaultFieldResolver);
    }
  }

  const entities = schema.getQueryType()?.getFields()._entities;
  const resolveEntities = entities?.resolve;
  if (entities && resolveEntities) {
    entities.resolve = (source, args: { representations: Record<string, unknown>[] }, context, info) => {
      const { representations } = args;
      const named = representations.filter((reference) => isUuid(reference.id));
      if (named.length === representations.length) return resolveEntities(source, args, context, info);
      const resolved = resolveEntities(source, { ...args, representations: named }, context, info) as unknown[];
      let next = 0;
      return representations.map((reference) => (isUuid(reference.id) ? resolved[next++] : null));
    };
  }
  return schema;
}
