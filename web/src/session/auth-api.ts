/**
 * The router's cookie session routes (`POST /auth/login|signup|refresh|password|logout`). The
 * refresh token lives only in the router's HttpOnly, SameSite=Strict cookie (`meridian_refresh`,
 * Path=/auth): no script of ours ever sees it, so `credentials: 'include'` is what carries it.
 */

/** What a successful sign-in, sign-up, refresh or password change answers. */
export interface SessionGrant {
  accessToken: string;
  /** ISO-8601. */
  accessTokenExpiresAt: string;
  user: { id: string };
}

/** A refusal from an `/auth/*` route, or the route out of reach (`code: 'NETWORK_ERROR'`, `status: 0`). */
export class AuthRouteError extends Error {
  override readonly name = 'AuthRouteError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface AuthApi {
  login(email: string, password: string): Promise<SessionGrant>;
  signUp(email: string, password: string, displayName: string): Promise<SessionGrant>;
  /** Rotates the refresh cookie; `UNAUTHENTICATED` when there is none or it was revoked. */
  refresh(): Promise<SessionGrant>;
  /** A new session for this device; every other session is revoked. */
  changePassword(accessToken: string, currentPassword: string, newPassword: string): Promise<SessionGrant>;
  /** Revokes the cookie's session and clears the cookie. */
  logout(): Promise<void>;
}

const codeForStatus = (status: number) =>
  status === 401
    ? 'UNAUTHENTICATED'
    : status === 429
      ? 'RATE_LIMITED'
      : status === 400
        ? 'BAD_USER_INPUT'
        : 'INTERNAL_SERVER_ERROR';

interface RouteAnswer {
  data?: unknown;
  errors?: { message?: string; extensions?: { code?: string; retryAfterSeconds?: number } }[];
}

/** Runs `task` while holding the named lock of this origin (every tab), or at once where there are no Web Locks. */
export type CrossTabLock = <T>(name: string, task: () => Promise<T>) => Promise<T>;

const webLocks: CrossTabLock = <T>(name: string, task: () => Promise<T>): Promise<T> =>
  typeof navigator !== 'undefined' && navigator.locks ? (navigator.locks.request(name, task) as Promise<T>) : task();

/**
 * The `/auth/*` routes of the router at `routerUrl`, called with `fetchFn` (injected in tests).
 *
 * Refreshes run one at a time across the tabs of this origin: the tabs share the cookie, and the
 * auth subgraph revokes the whole sign-in when a rotated refresh token is presented again — two tabs
 * refreshing with the same cookie at once would sign the user out. Under the lock, the second tab's
 * request carries the cookie the first one's answer set.
 */
export function createAuthApi(routerUrl: string, fetchFn: Fetch, lock: CrossTabLock = webLocks): AuthApi {
  async function post<T>(route: string, body: object, accessToken?: string): Promise<T> {
    let response: Response;
    try {
      response = await fetchFn(`${routerUrl}/auth/${route}`, {
        method: 'POST',
        credentials: 'include',
        headers: { 'content-type': 'application/json', ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}) },
        body: JSON.stringify(body),
      });
    } catch {
      throw new AuthRouteError('NETWORK_ERROR', 'The server cannot be reached', 0);
    }
    let answer: RouteAnswer | undefined;
    try {
      answer = (await response.json()) as RouteAnswer;
    } catch {
      answer = undefined;
    }
    if (response.ok && answer?.data) return answer.data as T;
    const error = answer?.errors?.[0];
    const header = Number(response.headers.get('retry-after'));
    const retryAfterSeconds = error?.extensions?.retryAfterSeconds ?? (header > 0 ? header : undefined);
    throw new AuthRouteError(
      error?.extensions?.code ?? codeForStatus(response.status),
      error?.message ?? `The server answered ${response.status}`,
      response.status,
      retryAfterSeconds,
    );
  }

  return {
    login: (email, password) => post('login', { email, password }),
    signUp: (email, password, displayName) => post('signup', { email, password, displayName }),
    refresh: () => lock('meridian-session-refresh', () => post('refresh', {})),
    changePassword: (accessToken, currentPassword, newPassword) =>
      post('password', { currentPassword, newPassword }, accessToken),
    logout: async () => {
      await post('logout', {});
    },
  };
}
