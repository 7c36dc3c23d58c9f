import { buildSchema, getVariableValues, GraphQLError, parse, validate, type OperationDefinitionNode } from 'graphql';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createErrorFormatter } from './error-formatter.js';
import { freePort } from './fault-injection.js';
import { testServerUrl } from './testing.js';

const schema = buildSchema(`
  enum Status { PAID CANCELLED }
  input Login { email: String! }
  type Query { order(status: Status, login: Login): String }
`);
/** graphql-js's errors with the code Apollo Server and the graphql-ws servers give them. */
const withCode = (code: string) => (error: GraphQLError) => new GraphQLError(error.message, { extensions: { code } });
const validationErrors = (query: string) => validate(schema, parse(query)).map(withCode('GRAPHQL_VALIDATION_FAILED'));
function variableErrors(query: string, variables: Record<string, unknown>) {
  const operation = parse(query).definitions[0] as OperationDefinitionNode;
  return (getVariableValues(schema, operation.variableDefinitions ?? [], variables).errors ?? []).map(withCode('BAD_USER_INPUT'));
}
const messagesOf = (errors: readonly GraphQLError[], production: boolean) =>
  errors.map((error) => createErrorFormatter({ exposeInternals: !production })(error.toJSON(), error).message);

describe('error formatter: schema hints', () => {
  const hinted = () => [
    ...validationErrors('{ ordr }'),
    ...validationErrors('{ order(statu: PAID) }'),
    ...validationErrors('{ order(status: PAD) }'),
    ...variableErrors('query ($login: Login) { order(login: $login) }', { login: { emial: 'a@b.dev', email: 'a@b.dev' } }),
    ...variableErrors('query ($status: Status) { order(status: $status) }', { status: 'PAD' }),
  ];

  it('development keeps graphql-js\'s "Did you mean …?": it helps whoever writes the query', () => {
    expect(messagesOf(hinted(), false)).toEqual([
      'Cannot query field "ordr" on type "Query". Did you mean "order"?',
      'Unknown argument "statu" on field "Query.order". Did you mean "status"?',
      'Value "PAD" does not exist in "Status" enum. Did you mean the enum value "PAID"?',
      'Variable "$login" got invalid value { emial: "a@b.dev", email: "a@b.dev" }; Field "emial" is not defined by type "Login". Did you mean "email"?',
      'Variable "$status" got invalid value "PAD"; Value "PAD" does not exist in "Status" enum. Did you mean the enum value "PAID"?',
    ]);
  });

  it('production cuts every hint and keeps what the request itself named', () => {
    expect(messagesOf(hinted(), true)).toEqual([
      'Cannot query field "ordr" on type "Query".',
      'Unknown argument "statu" on field "Query.order".',
      'Value "PAD" does not exist in "Status" enum.',
      'Variable "$login" got invalid value { emial: "a@b.dev", email: "a@b.dev" }; Field "emial" is not defined by type "Login".',
      'Variable "$status" got invalid value "PAD"; Value "PAD" does not exist in "Status" enum.',
    ]);
  });
});

describe('error formatter: a dependency that is down', () => {
  it('a resolver failing on an unreachable database answers SERVICE_UNAVAILABLE with a retry hint, no internals', async () => {
    const url = new URL(testServerUrl);
    url.port = String(await freePort()); // nothing listens there: the database is down
    const refused = await new pg.Client({ connectionString: url.toString() }).connect().catch((error: unknown) => error);
    const error = new GraphQLError((refused as Error).message, { path: ['order'], originalError: refused as Error });
    const production = createErrorFormatter({ exposeInternals: false })(error.toJSON(), error);
    expect(production).toEqual({
      message: 'A service this request needs is unavailable right now; try again in a few seconds',
      path: ['order'],
      extensions: { code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 5 },
    });
    const development = createErrorFormatter({ exposeInternals: true })(error.toJSON(), error);
    expect(development.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 5 });
    expect(development.message).toContain('ECONNREFUSED');
  });

  it('a bug stays INTERNAL_SERVER_ERROR', () => {
    const error = new GraphQLError('boom', {
      originalError: new TypeError("Cannot read properties of undefined (reading 'id')"),
    });
    expect(createErrorFormatter({ exposeInternals: false })(error.toJSON(), error)).toMatchObject({
      message: 'Internal server error',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });
});
