/**
 * Cookie sessions for browser clients: `POST /auth/login`, `/auth/signup`, `/auth/refresh`,
 * `/auth/password` and `/auth/logout`, JSON in and out. Each runs one fixed mutation of the auth
 * subgraph through the router's own pipeline (rate limits, demand control, error masking), so these
 * routes are no way around the limits the GraphQL mutations meet. What they add is where the
 * refresh token lives: never in a response body a script could read, only in the cookie
 *
 *   meridian_refresh=<token>; HttpOnly; SameSite=Strict; Path=/auth; Max-Age=<its lifetime>[; Secure]
 *
 * which the browser sends back to `/auth/*` only, and which no page script can read. The access
 * token is answered in the body, for the page to keep in memory.
 *
 * Cross-site request forgery: the cookie is SameSite=Strict (another site's page never sends it),
 * only `application/json` bodies are taken (a cross-origin one needs a CORS preflight, which only
 * allowed origins pass), and CORS allows credentials on these paths alone (kit/cors.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { z } from 'zod';
import type { Route, RouteAnswer, RouteRequest } from '#kit/http-server';
import type { RouterContext } from './context.ts';

export const refreshCookieName = 'meridian_refresh';
/** The lifetime of a refresh token, as the auth subgraph issues them (`refreshTokenTtlDays`: 30 days). */
export const defaultRefreshTokenMaxAgeSeconds = 30 * 86_400;

export interface BrowserSessionOptions {
  apollo: ApolloServer<RouterContext>;
  /** Builds the context exactly as for a GraphQL request (viewer from the bearer, client address, correlation id). */
  context: (req: IncomingMessage, correlationId: string) => Promise<RouterContext>;
  /** Production: the cookie is `Secure` (sent over HTTPS only). */
  production: boolean;
  /** The cookie's `Max-Age`: the refresh token's lifetime (default 30 days, as the auth subgraph issues them). */
  refreshTokenMaxAgeSeconds?: number;
}

const sessionFields = 'accessToken accessTokenExpiresAt refreshToken user { id }';
const loginMutation = `mutation BrowserLogin($input: LoginInput!) { login(input: $input) { ${sessionFields} } }`;
const signUpMutation = `mutation BrowserSignUp($input: SignUpInput!) { signUp(input: $input) { ${sessionFields} } }`;
const refreshMutation = `mutation BrowserRefresh($refreshToken: String!) { refreshToken(refreshToken: $refreshToken) { ${sessionFields} } }`;
const changePasswordMutation = `mutation BrowserChangePassword($input: ChangePasswordInput!) { changePassword(input: $input) { ${sessionFields} } }`;
const logoutMutation = 'mutation BrowserLogout($refreshToken: String!) { logout(refreshToken: $refreshToken) }';

const loginBody = z.strictObject({ email: z.string(), password: z.string() });
const signUpBody = z.strictObject({ email: z.string(), password: z.string(), displayName: z.string() });
const changePasswordBody = z.strictObject({ currentPassword: z.string(), newPassword: z.string() });
const emptyBody = z.strictObject({});

interface Session {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  user: { id: string };
}

/** A refusal answered as `{ errors: [{ message, extensions: { code, … } }] }` with its HTTP status. */
class Refused extends Error {
  constructor(
    readonly status: number,
    readonly errors: GraphQLFormattedError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(errors[0]?.message);
  }
}

const refusal = (status: number, code: string, message: string, headers?: Record<string, string>) =>
  new Refused(status, [{ message, extensions: { code } }], headers);

/** HTTP statuses of the codes these routes can meet; anything else is the server's fault (500). */
const statusOfCode: Record<string, number> = {
  BAD_USER_INPUT: 400,
  BAD_REQUEST: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
  COST_ESTIMATED_TOO_EXPENSIVE: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  SUBGRAPH_UNAVAILABLE: 503,
};

/** The `meridian_refresh` value of a `Cookie` header (the first one: the browser sends the longest path first). */
export function refreshCookieOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    if (equals !== -1 && pair.slice(0, equals).trim() === refreshCookieName) return pair.slice(equals + 1).trim() || undefined;
  }
  return undefined;
}

/** The five routes, by path, for `startHttpServer`'s `routes`. */
export function browserSessionRoutes(options: BrowserSessionOptions): Record<string, Route> {
  const maxAge = options.refreshTokenMaxAgeSeconds ?? defaultRefreshTokenMaxAgeSeconds;
  const attributes = `HttpOnly; SameSite=Strict; Path=/auth${options.production ? '; Secure' : ''}`;
  const setCookie = (token: string) => `${refreshCookieName}=${token}; ${attributes}; Max-Age=${maxAge}`;
  const clearCookie = `${refreshCookieName}=; ${attributes}; Max-Age=0`;

  /** Runs one fixed mutation as a GraphQL request from this client would run; its errors become a refusal. */
  async function run(req: IncomingMessage, request: RouteRequest, query: string, variables: Record<string, unknown>) {
    let contextValue: RouterContext;
    try {
      contextValue = await options.context(req, request.correlationId);
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      const code = String(error.extensions.code ?? 'UNAUTHENTICATED');
      throw refusal(statusOfCode[code] ?? 401, code, error.message);
    }
    const response = await options.apollo.executeOperation({ query, variables }, { contextValue });
    if (response.body.kind !== 'single') throw new Error('a session mutation answered incrementally');
    const { data, errors } = response.body.singleResult;
    if (errors?.length || !data) {
      // Where in the fixed document it failed means nothing to the client: message and extensions only.
      const passed = (errors ?? []).map(({ message, extensions }) => ({ message, extensions }));
      const code = String(passed[0]?.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
      const status = response.http.status && response.http.status >= 400 ? response.http.status : (statusOfCode[code] ?? 500);
      const retryAfter = response.http.headers.get('retry-after') ?? passed[0]?.extensions?.retryAfterSeconds;
      throw new Refused(status, passed, retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) });
    }
    return data;
  }

  /** The answer to a new session: the access token in the body, the refresh token in the cookie only. */
  const sessionAnswer = ({ refreshToken, ...session }: Session): RouteAnswer => ({
    status: 200,
    body: { data: session },
    headers: { 'set-cookie': setCookie(refreshToken) },
  });

  /**
   * One route: POST with a JSON object body checked by `schema`, then `handle`. Every answer is
   * `no-store`: a token must not sit in any cache.
   */
  function route<T>(
    path: string,
    schema: z.ZodType<T>,
    handle: (input: T, req: IncomingMessage, request: RouteRequest) => Promise<RouteAnswer>,
  ): Route {
    return async (req, request) => {
      let answer: RouteAnswer;
      try {
        answer = await handle(await bodyOf(path, schema, req, request), req, request);
      } catch (error) {
        if (!(error instanceof Refused)) throw error;
        answer = { status: error.status, body: { errors: error.errors }, headers: error.headers };
      }
      return { ...answer, headers: { 'cache-control': 'no-store', ...answer.headers } };
    };
  }

  return {
    '/auth/login': route('/auth/login', loginBody, async (input, req, request) =>
      sessionAnswer((await run(req, request, loginMutation, { input })).login as Session),
    ),
    '/auth/signup': route('/auth/signup', signUpBody, async (input, req, request) =>
      sessionAnswer((await run(req, request, signUpMutation, { input })).signUp as Session),
    ),
    '/auth/password': route('/auth/password', changePasswordBody, async (input, req, request) =>
      sessionAnswer((await run(req, request, changePasswordMutation, { input })).changePassword as Session),
    ),
    '/auth/refresh': route('/auth/refresh', emptyBody, async (_, req, request) => {
      const refreshToken = refreshCookieOf(req.headers.cookie);
      if (!refreshToken) throw refusal(401, 'UNAUTHENTICATED', 'No session cookie; sign in again');
      try {
        return sessionAnswer((await run(req, request, refreshMutation, { refreshToken })).refreshToken as Session);
      } catch (error) {
        // A token that no longer works is dropped from the browser, which then asks the user to sign in.
        if (error instanceof Refused && error.status === 401) error.headers['set-cookie'] = clearCookie;
        throw error;
      }
    }),
    '/auth/logout': route('/auth/logout', emptyBody, async (_, req, request) => {
      const refreshToken = refreshCookieOf(req.headers.cookie);
      // Unknown and revoked tokens are ignored by `logout`: signing out twice is fine. A failure
      // (rate limited, auth down) keeps the cookie, so that trying again can still revoke the session.
      if (refreshToken) await run(req, request, logoutMutation, { refreshToken });
      return { status: 200, body: { data: { loggedOut: true } }, headers: { 'set-cookie': clearCookie } };
    }),
  };
}

/**
 * The request's body, checked at the edge: POST, `application/json` (anything else could be a
 * cross-site form or `text/plain` POST, sent without a preflight), a JSON object of the route's shape.
 */
async function bodyOf<T>(path: string, schema: z.ZodType<T>, req: IncomingMessage, request: RouteRequest): Promise<T> {
  if (req.method !== 'POST') throw refusal(405, 'METHOD_NOT_ALLOWED', `${path} takes POST only`, { allow: 'POST' });
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    throw refusal(415, 'UNSUPPORTED_MEDIA_TYPE', `${path} takes a JSON body only: send content-type: application/json`);
  }
  const text = await request.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw refusal(400, 'BAD_REQUEST', 'Request body is not valid JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) =>
      issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
    );
    throw refusal(400, 'BAD_USER_INPUT', `The body of ${path} is not what it takes: ${problems.join('; ')}`);
  }
  return parsed.data;
}
