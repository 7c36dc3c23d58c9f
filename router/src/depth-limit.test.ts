import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { depthLimit } from './depth-limit.ts';

const schema = buildSchema(`
  type Query { node: Node }
  type Node { id: ID!  child: Node }
`);
const errorsOf = (query: string, max: number) => validate(schema, parse(query), [depthLimit(max)]).map((e) => e.message);

describe('depth limit', () => {
  it('accepts an operation at the limit and refuses one level more, with the depth in the message', () => {
    expect(errorsOf('{ node { child { id } } }', 3)).toEqual([]);
    expect(errorsOf('{ node { child { child { id } } } }', 3)).toEqual([
      'The operation is 4 levels deep; the limit is 3. Split it or select fewer nested fields.',
    ]);
  });

  it('follows fragments and inline fragments', () => {
    const query = `{ node { ...A } } fragment A on Node { child { ... on Node { child { ...B } } } } fragment B on Node { child { id } }`;
    expect(errorsOf(query, 4)).toHaveLength(1);
    expect(errorsOf(query, 5)).toEqual([]);
  });

  it('does not count introspection fields', () => {
    expect(errorsOf('{ __schema { types { fields { type { ofType { ofType { name } } } } } } }', 2)).toEqual([]);
  });

  it('survives a fragment cycle (reported by the standard rules, not here)', () => {
    expect(() => errorsOf('{ node { ...A } } fragment A on Node { child { ...A } }', 3)).not.toThrow();
  });
});
