import { buildSchema, Kind, parse, print, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { testViewer } from '#kit/testing';
import { accessPoliciesOf, filterOperation, nullDenied } from './authorization.ts';

const sdl = `
  directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
  directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
  type Query {
    products: [Product!]!
    me: User @authenticated
    audit: [String!]! @requiresScopes(scopes: [["admin"], ["auditor", "customer"]])
  }
  type Product { id: ID! name: String! cost: Int! @requiresScopes(scopes: [["admin"]]) supplier: Supplier }
  type Supplier @requiresScopes(scopes: [["admin"]]) { id: ID! }
  type User { id: ID! email: String! }
`;
const schema = buildSchema(sdl);
const policies = accessPoliciesOf(sdl);

function filter(query: string, viewer = testViewer('u1') as ReturnType<typeof testViewer> | null) {
  const document = parse(query);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const result = filterOperation(schema, policies, operation, fragments, viewer);
  return { printed: print(result.operation).replace(/\s+/g, ' '), denied: result.denied };
}

describe('schema-level authorization', () => {
  it('reads field and type rules out of the supergraph', () => {
    expect(policies.fields.get('Query.me')).toEqual({ authenticated: true, scopes: [] });
    expect(policies.fields.get('Query.audit')).toEqual({ authenticated: true, scopes: [['admin'], ['auditor', 'customer']] });
    expect(policies.types.get('Supplier')).toEqual({ authenticated: true, scopes: [['admin']] });
  });

  it('an anonymous caller loses @authenticated fields (UNAUTHENTICATED) and keeps the rest', () => {
    const { printed, denied } = filter('{ products { name } me { email } }', null);
    expect(printed).toBe('{ products { name } }');
    expect(denied.map((d) => [d.path.map((s) => s.key), d.code])).toEqual([[['me'], 'UNAUTHENTICATED']]);
  });

  it('a customer loses admin-scoped fields and fields of admin-scoped types (FORBIDDEN); an admin keeps them', () => {
    const query = '{ products { name cost supplier { id } } }';
    const customer = filter(query);
    expect(customer.printed).toBe('{ products { name } }');
    expect(customer.denied.map((d) => [d.path.map((s) => s.key).join('.'), d.code])).toEqual([
      ['products.cost', 'FORBIDDEN'],
      ['products.supplier', 'FORBIDDEN'],
    ]);
    expect(filter(query, testViewer('a1', ['ADMIN'])).denied).toEqual([]);
  });

  it('scope alternatives: one complete set is enough, part of a set is not', () => {
    expect(filter('{ audit }', testViewer('c1', ['CUSTOMER'])).denied).toHaveLength(1);
    expect(filter('{ audit }', { ...testViewer('c2', ['CUSTOMER']), scopes: ['customer', 'auditor'] }).denied).toEqual([]);
  });

  it('follows fragments, and keeps a selection set valid when all its fields go', () => {
    const { printed, denied } = filter('{ products { ...P } } fragment P on Product { cost }');
    expect(printed).toBe('{ products { ... on Product { meridianRemovedFields: __typename } } }');
    expect(denied[0]?.path.map((s) => s.key)).toEqual(['products', 'cost']);
  });

  it('answers null plus an error at each list position, and propagates null past non-null fields', () => {
    const { denied } = filter('{ products { id cost } me { id } }', null);
    const data = { products: [{ id: '1' }, { id: '2' }] };
    // cost is Int! inside [Product!]!: nulling it nulls the product, the list and finally the root.
    const result = nullDenied(structuredClone(data), filter('{ products { id cost } }').denied);
    expect(result.data).toBeNull();
    expect(result.errors.map((e) => [e.path, e.extensions.code])).toEqual([
      [['products', 0, 'cost'], 'FORBIDDEN'],
      [['products', 1, 'cost'], 'FORBIDDEN'],
    ]);
    const anonymous = nullDenied(
      { products: [{ id: '1' }] },
      denied.filter((d) => d.path[0]?.key === 'me'),
    );
    expect(anonymous.data).toEqual({ products: [{ id: '1' }], me: null });
    expect(anonymous.errors[0]?.path).toEqual(['me']);
  });
});
