import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { buildSchema, getIntrospectionQuery, parse, specifiedRules, validate, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { defaultSupergraphFile } from './compose.ts';
import { defaultDocumentLimits, documentLimits, type DocumentLimits } from './document-limits.ts';
import { forGateway } from './supergraph-file.ts';

const small = buildSchema(`
  type Query { node: Node }
  type Node { id: ID!  child: Node }
`);
/** The supergraph's API schema: what the router validates against. */
const supergraph = Supergraph.build(forGateway(readFileSync(defaultSupergraphFile, 'utf8')))
  .apiSchema()
  .toGraphQLJSSchema();

/**
 * Validation as the router runs it: graphql-js's rules first, then the limits (Apollo Server's
 * order). `ms` is the CPU time it took: unlike the time on the clock, it does not grow when other
 * processes take turns on a shared machine.
 */
function check(query: string, limits: Partial<DocumentLimits> = {}, schema: GraphQLSchema = supergraph) {
  const document = parse(query, { maxTokens: defaultDocumentLimits.maxTokens });
  const started = process.cpuUsage();
  const errors = validate(schema, document, [...specifiedRules, documentLimits({ ...defaultDocumentLimits, ...limits })]);
  const { user, system } = process.cpuUsage(started);
  return { errors: errors.map((e) => ({ code: e.extensions.code, message: e.message })), ms: (user + system) / 1000 };
}
const messagesOf = (query: string, maxDepth: number) => check(query, { maxDepth }, small).errors.map((e) => e.message);
const repeat = (count: number, text: (i: number) => string) => Array.from({ length: count }, (_, i) => text(i)).join(' ');
/** `query { ...F0 }` where each fragment spreads the next twice: 1 KB of text, 2^26 selections expanded. */
const fragmentBomb = `query { ...F0 } ${repeat(26, (i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`)}
  fragment F26 on Query { __typename }`;

describe('document limits: depth', () => {
  it('accepts an operation at the limit and refuses one level more, with the depth in the message', () => {
    expect(messagesOf('{ node { child { id } } }', 3)).toEqual([]);
    expect(check('{ node { child { child { id } } } }', { maxDepth: 3 }, small).errors).toEqual([
      {
        code: 'QUERY_TOO_DEEP',
        message: 'The operation is 4 levels deep; the limit is 3. Split it or select fewer nested fields.',
      },
    ]);
  });

  it('follows fragments and inline fragments', () => {
    const query = `{ node { ...A } } fragment A on Node { child { ... on Node { child { ...B } } } } fragment B on Node { child { id } }`;
    expect(messagesOf(query, 4)).toHaveLength(1);
    expect(messagesOf(query, 5)).toEqual([]);
  });

  it('does not count introspection fields, nor fragments on their own (their depth is where they are spread)', () => {
    expect(messagesOf('{ __schema { types { fields { type { ofType { ofType { name } } } } } } }', 2)).toEqual([]);
    expect(messagesOf(getIntrospectionQuery(), 2)).toEqual([]);
  });

  it('leaves fragment cycles and unknown fragments to graphql-js, which reports them', () => {
    expect(messagesOf('{ node { ...A } } fragment A on Node { child { ...A } }', 3)).toEqual([
      'Cannot spread fragment "A" within itself.',
    ]);
    expect(messagesOf('{ node { ...Nope } }', 3)).toEqual(['Unknown fragment "Nope".']);
  });

  it('nesting as deep as the token limit allows is measured without running out of stack', () => {
    const nested = `{ ${'... on Query { '.repeat(900)} __typename ${'} '.repeat(900)} }`;
    expect(check(nested, { maxSelections: 1_000 }).errors).toEqual([]);
    const chain = `{ ...F0 } ${repeat(500, (i) => `fragment F${i} on Query { ...F${i + 1} }`)} fragment F500 on Query { __typename }`;
    expect(check(chain, { maxFragmentSpreads: 1_000, maxSelections: 1_000 }).errors).toEqual([]);
  });
});

describe('document limits: selections, aliases, fragment spreads (fragments expanded)', () => {
  it('a 1 KB fragment bomb (2^26 selections) is refused in milliseconds, graphql-js never walking it', () => {
    const { errors, ms } = check(fragmentBomb);
    expect(errors).toEqual([
      {
        code: 'QUERY_TOO_COMPLEX',
        message:
          'The operation has more than 400 selections (fields and fragments) once its fragments are expanded; the limit is 400. Ask for less, or split it.',
      },
      {
        code: 'QUERY_TOO_COMPLEX',
        message:
          'The operation has more than 40 fragment spreads once its fragments are expanded; the limit is 40. Ask for less, or split it.',
      },
      {
        code: 'QUERY_TOO_COMPLEX',
        message:
          'The operation has more than 20 root fields once its fragments are expanded; the limit is 20. Ask for less, or split it.',
      },
    ]);
    expect(ms).toBeLessThan(50);
  });

  it('counts each kind at its limit as accepted and one more as refused', () => {
    const aliases = (n: number) => `{ ...A ...A } fragment A on Query { ${repeat(n, (i) => `a${i}: __typename`)} }`;
    expect(check(aliases(15), { maxRootFields: 100 }).errors).toEqual([]);
    expect(check(aliases(16), { maxRootFields: 100 }).errors.map((e) => e.message)).toEqual([
      'The operation has more than 30 aliases once its fragments are expanded; the limit is 30. Ask for less, or split it.',
    ]);
    // 2 spreads + 2 × 3 fields = 8.
    const selections = '{ ...B ...B } fragment B on Query { products(first: 1) { edges { cursor } } }';
    expect(check(selections, { maxSelections: 8 }).errors).toEqual([]);
    expect(check(selections, { maxSelections: 7 }).errors.map((e) => e.code)).toEqual(['QUERY_TOO_COMPLEX']);
    const spreads = `{ ...C ...C ...C } fragment C on Query { ...D ...D } fragment D on Query { __typename }`;
    expect(check(spreads, { maxFragmentSpreads: 9 }).errors).toEqual([]);
    expect(check(spreads, { maxFragmentSpreads: 8 }).errors.map((e) => e.code)).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('counts root fields through inline fragments and fragments spread at the root, not nested ones', () => {
    const query = `{ me { id ...U } ... on Query { a: me { id } ...R } } fragment R on Query { b: me { id } c: me { id } }
      fragment U on User { id email }`;
    expect(check(query, { maxRootFields: 4 }).errors).toEqual([]);
    expect(check(query, { maxRootFields: 3 }).errors).toEqual([
      {
        code: 'QUERY_TOO_COMPLEX',
        message:
          'The operation has more than 3 root fields once its fragments are expanded; the limit is 3. Ask for less, or split it.',
      },
    ]);
    // A fragment's own fields are root fields only where it is spread at the root.
    expect(check(`{ me { ...U } } fragment U on User { id email displayName }`, { maxRootFields: 1 }).errors).toEqual([]);
  });

  it("counts directives everywhere — the operation's, its variables', its selections' — fragments expanded", () => {
    const query = `query Q($a: Boolean = true @deprecated) @skip(if: false) {
      me @include(if: $a) { id @skip(if: false) ...U @include(if: true) } ...R ...R }
      fragment R on Query { __typename @skip(if: false) } fragment U on User { id }`;
    // 1 on the variable, 1 on the operation, 3 in its selections, 2 × 1 in the fragment R.
    expect(check(query, { maxDirectives: 7 }).errors.map((e) => e.message)).not.toContainEqual(
      expect.stringContaining('directives'),
    );
    expect(check(query, { maxDirectives: 6 }).errors.map((e) => e.message)).toContain(
      'Operation "Q" has more than 6 directives once its fragments are expanded; the limit is 6. Ask for less, or split it.',
    );
  });

  it('holds unused fragments to the limits too (graphql-js validates them all the same)', () => {
    const { errors } = check(`{ __typename } fragment Unused on Query { ${repeat(401, () => '__typename')} }`);
    expect(errors.map((e) => e.message)).toEqual([
      'Fragment "Unused" has more than 400 selections (fields and fragments) once its fragments are expanded; the limit is 400. Ask for less, or split it.',
    ]);
  });

  it("a refused document stops validation: graphql-js's quadratic rule never sees 1,000 repeated fields, nor the unknown one", () => {
    const { errors, ms } = check(`{ nope ${repeat(1_000, () => 'me { id }')} }`);
    expect(errors.map((e) => e.code)).toEqual(['QUERY_TOO_COMPLEX', 'QUERY_TOO_COMPLEX']); // selections, root fields
    expect(ms).toBeLessThan(50);
  });
});

describe('document limits: what stays inside them', () => {
  it("Sandbox's introspection query passes with the defaults", () => {
    const query = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
    });
    expect(check(query).errors).toEqual([]);
  });

  // The shapes graphql-js's OverlappingFieldsCanBeMergedRule is slowest on (fields sharing a
  // response name, compared pairwise), as large as the default limits let them be.
  it.each([
    ['199 × me { id }', `{ ${repeat(199, () => 'me { id }')} }`],
    ['99 × products { edges { node { id } } }', `{ ${repeat(99, () => 'products { edges { node { id } } }')} }`],
    ['133 inline fragments × me { id }', `{ ${repeat(133, () => '... on Query { me { id } }')} }`],
    [
      '40 fragments × products { edges { node { id } } } × 2',
      `{ ${repeat(40, (i) => `...A${i}`)} } ${repeat(40, (i) => `fragment A${i} on Query { ${repeat(2, () => 'products { edges { node { id } } }')} }`)}`,
    ],
    ['13 × me { 13 × orders { __typename } }', `{ ${repeat(13, () => `me { ${repeat(13, () => 'orders { __typename }')} }`)} }`],
    ['55 user(id:) with different ids', `{ ${repeat(55, (i) => `user(id: "${i}") { id }`)} }`],
    ['700 repeated directives', `{ __typename ${repeat(700, () => '@skip(if: false)')} }`],
  ])('graphql-js validates %s in milliseconds', (_, query) => {
    // The best of three: the first run also compiles. Alone these take 10-15 ms of CPU; the bound is
    // loose because CPU time still grows when the suite's other files share the two cores: what it
    // must catch is seconds, what a document inside the limits must never cost.
    // Root fields and directives have limits of their own, far below these shapes; what is measured
    // here is graphql-js's work under the other limits.
    const limits = { maxRootFields: 1_000, maxDirectives: 1_000 };
    const fastest = Math.min(...[1, 2, 3].map(() => check(query, limits).ms));
    expect(check(query, limits).errors.filter((e) => e.code === 'QUERY_TOO_COMPLEX')).toEqual([]);
    expect(fastest).toBeLessThan(100);
  });
});
