/**
 * Operation texts parsed and validated once per schema. Over WebSocket every subscription sends its
 * operation text, and thousands of subscriptions send the same few: parsing and validating each one
 * again costs CPU on every subscribe and keeps a parsed copy per subscription.
 */
import {
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ParseOptions,
  type ValidationRule,
} from 'graphql';

export interface DocumentCache {
  /** The document of a text validated before, if any. */
  get(text: string): DocumentNode | undefined;
  /**
   * Parses `text` (unless `parsed` is given) and validates it; a valid document is kept. Errors carry
   * GRAPHQL_PARSE_FAILED or GRAPHQL_VALIDATION_FAILED (unless the rule set its own code).
   */
  check(text: string, parsed?: DocumentNode): DocumentNode | GraphQLError[];
}

/** The document of an operation text, or its syntax error (GRAPHQL_PARSE_FAILED; also past `options.maxTokens`). */
export function parseOperation(text: string, options?: ParseOptions): DocumentNode | GraphQLError[] {
  try {
    return parse(text, options);
  } catch (error) {
    return [new GraphQLError((error as Error).message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
  }
}

/**
 * The validation errors of `document`. graphql-js throws, rather than reports, a few problems: a
 * subscription whose root field carries @skip or @include with a variable makes
 * SingleFieldSubscriptionsRule evaluate the directive without variable values. Such a throw is an
 * error of the document, not of the server.
 */
function validationErrors(
  schema: GraphQLSchema,
  document: DocumentNode,
  rules: readonly ValidationRule[],
): readonly GraphQLError[] {
  try {
    return validate(schema, document, rules);
  } catch (error) {
    if (error instanceof GraphQLError) return [error];
    throw error;
  }
}

export function createDocumentCache(
  schema: GraphQLSchema,
  rules: readonly ValidationRule[] = specifiedRules,
  size = 1000,
): DocumentCache {
  const documents = new Map<string, DocumentNode>();
  return {
    get: (text) => documents.get(text),
    check(text, parsed) {
      const document = parsed ?? parseOperation(text);
      if (Array.isArray(document)) return document;
      const invalid = validationErrors(schema, document, rules);
      if (invalid.length > 0) {
        return invalid.map(
          (e) =>
            new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED', ...e.extensions } }),
        );
      }
      if (documents.size >= size) documents.delete(documents.keys().next().value!);
      documents.set(text, document);
      return document;
    },
  };
}
