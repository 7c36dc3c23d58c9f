import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  apiSchemaSdl,
  CompositionError,
  defaultApiSchemaFile,
  composeSupergraph,
  defaultSupergraphConfig,
  defaultSupergraphFile,
  readSupergraphConfig,
} from './compose.ts';

const subgraphs = readSupergraphConfig(defaultSupergraphConfig);

describe('composition', () => {
  it('supergraph.yaml lists the six subgraphs with their schema files', () => {
    expect(subgraphs.map((s) => s.name)).toEqual(['users', 'auth', 'inventory', 'orders', 'payments', 'documents']);
  });

  it('the subgraphs compose, and router/supergraph.graphql is what they compose to (run `npm run compose` if not)', () => {
    expect(composeSupergraph(subgraphs)).toBe(readFileSync(defaultSupergraphFile, 'utf8'));
  });

  it('web/schema.graphql is the API schema clients see, with @defer and no federation machinery (run `npm run compose` if not)', () => {
    const api = apiSchemaSdl(composeSupergraph(subgraphs));
    expect(api).toBe(readFileSync(defaultApiSchemaFile, 'utf8'));
    expect(api).toContain('directive @defer');
    expect(api).not.toMatch(/join__|link__|@authenticated|@requiresScopes/);
  });

  it('the supergraph links entities across subgraphs', () => {
    const sdl = composeSupergraph(subgraphs);
    for (const graph of ['AUTH', 'DOCUMENTS', 'ORDERS', 'USERS'])
      expect(sdl).toContain(`@join__type(graph: ${graph}, key: "id")`);
    expect(sdl).toMatch(/roles: \[Role!\]! @join__field\(graph: AUTH\)/);
    expect(sdl).toMatch(/payment: Payment @join__field\(graph: PAYMENTS\)/);
  });

  it('subgraphs that disagree fail with the composition errors', () => {
    const broken = subgraphs.map((s) =>
      s.name === 'payments' ? { ...s, typeDefs: s.typeDefs.replace('amount: Int!', 'amount: Float!') } : s,
    );
    expect(() => composeSupergraph(broken)).toThrowError(CompositionError);
    try {
      composeSupergraph(broken);
    } catch (error) {
      expect((error as CompositionError).errors.join('\n')).toMatch(/Money\.amount/);
    }
  });
});
