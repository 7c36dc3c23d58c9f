import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAuthApi, type Fetch } from './auth-api.ts';
import { Session, sessionExpiredNotice, type SessionState } from './session.ts';
import { pushRefreshedTokens, tokenPing } from './socket-token.ts';

const routerUrl = 'http://127.0.0.1:4000';
const minute = 60_000;

/** A stand-in for the router's /auth routes: each call answers from `answers[route]`, recorded in `calls`. */
function fakeRouter() {
  const calls: { url: string; init: RequestInit }[] = [];
  let issued = 0;
  const grant = (lifetimeMs = 15 * minute) => ({
    data: {
      accessToken: `token-${++issued}`,
      accessTokenExpiresAt: new Date(Date.now() + lifetimeMs).toISOString(),
      user: { id: 'user-1' },
    },
  });
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
  const answers: Record<string, () => Promise<Response>> = {
    login: async () => json(200, grant()),
    signup: async () => json(200, grant()),
    refresh: async () => json(200, grant()),
    password: async () => json(200, grant()),
    logout: async () => json(200, { data: { loggedOut: true } }),
  };
  const fetchFn: Fetch = async (url, init) => {
    calls.push({ url, init: init ?? {} });
    const route = url.slice(`${routerUrl}/auth/`.length);
    return answers[route]!();
  };
  /** From now on a refresh waits until the returned `release()` (the latest one) before it answers a new grant. */
  const holdRefresh = () => {
    let release!: () => void;
    answers.refresh = () =>
      new Promise((resolve) => {
        release = () => resolve(json(200, grant()));
      });
    return () => release();
  };
  const refreshCalls = () => calls.filter((c) => c.url.endsWith('/refresh')).length;
  return { calls, answers, fetchFn, json, grant, holdRefresh, refreshCalls };
}

describe('the session', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-12-01T10:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('signs in through /auth/login with the cookie included and keeps the token in memory only', async () => {
    const router = fakeRouter();
    const session = new Session({ api: createAuthApi(routerUrl, router.fetchFn) });
    await session.signIn('ada@meridian.dev', 'meridian-demo-2026');
    expect(session.current()).toMatchObject({ status: 'signed-in', userId: 'user-1' });
    expect(await session.accessTokenNow()).toBe('token-1');
    const call = router.calls[0]!;
    expect(call.url).toBe(`${routerUrl}/auth/login`);
    expect(call.init).toMatchObject({ method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(call.init.body as string)).toEqual({ email: 'ada@meridian.dev', password: 'meridian-demo-2026' });
  });

  it('refreshes a minute before a 15-minute token expires, and tells the refresh listeners', async () => {
    const router = fakeRouter();
    const session = new Session({ api: createAuthApi(routerUrl, router.fetchFn) });
    const refreshed: string[] = [];
    session.onRefreshed((token) => refreshed.push(token));
    await session.signIn('ada@meridian.dev', 'pw');

    await vi.advanceTimersByTimeAsync(14 * minute - 1);
    expect(router.refreshCalls()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(router.refreshCalls()).toBe(1);
    expect(refreshed).toEqual(['token-2']);
    expect(await session.accessTokenNow()).toBe('token-2');

    // And again before the new token expires.
    await vi.advanceTimersByTimeAsync(14 * minute);
    expect(router.refreshCalls()).toBe(2);
    expect(refreshed).toEqual(['token-2', 'token-3']);
  });

  it('a short-lived token is refreshed at three quarters of its life', async () => {
    const router = fakeRouter();
    router.answers.login = async () => router.json(200, router.grant(20_000));
    const session = new Session({ api: createAuthApi(routerUrl, router.fetchFn) });
    await session.signIn('ada@meridian.dev', 'pw');
    await vi.advanceTimersByTimeAsync(14_999);
    expect(router.refreshCalls()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(router.refreshCalls()).toBe(1);
  });

  it('concurrent callers share one refresh', async () => {
    const router = fakeRouter();
    const release = router.holdRefresh();
    const session = new Session({ api: createAuthApi(routerUrl, router.fetchFn) });
    await session.signIn('ada@meridian.dev', 'pw');
    // The tab slept past the expiry: every caller needs the new token.
    vi.setSystemTime(Date.now() + 15 * minute);
    const tokens = Promise.all([session.accessTokenNow(), session.accessTokenNow(), session.refresh()]);
    await vi.advanceTimersByTimeAsync(0);
    release();
    expect(await tokens).toEqual(['token-2', 'token-2', 'token-2']);
    expect(router.refreshCalls()).toBe(1);
  });

  it('two tabs refresh one after the other: the second sends the cookie the first one got', async () => {
    const router = fakeRouter();
    // The cookie jar the tabs share: each refresh must present the latest cookie, as the auth
    // subgraph revokes the sign-in when a rotated one comes back.
    let cookie = 1;
    const presented: number[] = [];
    const pending: (() => void)[] = [];
    router.answers.refresh = () => {
      presented.push(cookie);
      return new Promise((resolve) => pending.push(() => resolve(router.json(200, router.grant()))));
    };
    const held = new Map<string, Promise<unknown>>();
    const sharedLock = <T>(name: string, task: () => Promise<T>): Promise<T> => {
      const run = (held.get(name) ?? Promise.resolve()).then(task, task);
      held.set(
        name,
        run.catch(() => undefined),
      );
      return run;
    };
    const tabs = [1, 2].map(() => new Session({ api: createAuthApi(routerUrl, router.fetchFn, sharedLock) }));
    const both = Promise.all(tabs.map((tab) => tab.refresh()));
    await vi.advanceTimersByTimeAsync(0);
    expect(presented).toEqual([1]);
    cookie = 2;
    pending.shift()!();
    await vi.advanceTimersByTimeAsync(0);
    expect(presented).toEqual([1, 2]);
    pending.shift()!();
    expect(await both).toEqual(['token-1', 'token-2']);
  });

  it('a refused refresh signs out with "session expired, sign in again"', async () => {
    const router = fakeRouter();
    router.answers.refresh = async () =>
      router.json(401, { errors: [{ message: 'The session has ended', extensions: { code: 'UNAUTHENTICATED' } }] });
    const session = new Session({ api: createAuthApi(routerUrl, router.fetchFn) });
    const states: SessionState[] = [];
    session.subscribe((s) => states.push(s));
    await session.signIn('ada@meridian.dev', 'pw');
    await vi.advanceTimersByTimeAsync(14 * minute);
    expect(session.current()).toEqual({ status: 'signed-out', notice: sessionExpiredNotice });
    expect(sessionExpiredNotice).toMatch(/session expired/i);
    expect(sessionExpiredNotice).toMatch(/sign in again/i);
    expect(await session.accessTokenNow()).toBeUndefined();
    expect(states.map((s) => s.status)).toEqual(['signed-in', 'signed-out']);
  });

  it('a refresh that cannot reach the router is retried while the token lives', async () => {
    const router = fakeRouter();
    let failures = 2;
    const succeed = router.answers.refresh!;
    router.answers.refresh = async () => {
      if (failures-- > 0) throw new TypeError('Failed to fetch');
      return succeed();
    };
    const session = new Session({ api: createAuthApi(routerUrl, router.fetchFn), retryDelayMs: 5_000 });
    await session.signIn('ada@meridian.dev', 'pw');
    await vi.advanceTimersByTimeAsync(14 * minute);
    expect(router.refreshCalls()).toBe(1);
    expect(session.current().status).toBe('signed-in');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(router.refreshCalls()).toBe(3);
    expect(await session.accessTokenNow()).toBe('token-2');
  });

  it('restoring without a refresh cookie is signed out quietly; with one, signed in', async () => {
    const router = fakeRouter();
    router.answers.refresh = async () =>
      router.json(401, { errors: [{ message: 'No session', extensions: { code: 'UNAUTHENTICATED' } }] });
    const quiet = new Session({ api: createAuthApi(routerUrl, router.fetchFn) });
    await quiet.restore();
    expect(quiet.current()).toEqual({ status: 'signed-out' });

    const restored = new Session({ api: createAuthApi(routerUrl, fakeRouter().fetchFn) });
    await restored.restore();
    expect(restored.current()).toMatchObject({ status: 'signed-in', userId: 'user-1' });
  });

  it('a refresh answered after sign-out does not sign back in', async () => {
    const router = fakeRouter();
    const release = router.holdRefresh();
    const session = new Session({ api: createAuthApi(routerUrl, router.fetchFn) });
    await session.signIn('ada@meridian.dev', 'pw');
    const pending = session.refresh();
    await session.signOut();
    release();
    await pending;
    expect(session.current().status).toBe('signed-out');
  });

  it('changes the password with the bearer token and keeps the new session', async () => {
    const router = fakeRouter();
    const session = new Session({ api: createAuthApi(routerUrl, router.fetchFn) });
    await session.signIn('ada@meridian.dev', 'old-password-1');
    await session.changePassword('old-password-1', 'new-password-2');
    const call = router.calls.find((c) => c.url.endsWith('/auth/password'))!;
    expect(call.init.headers).toMatchObject({ authorization: 'Bearer token-1' });
    expect(JSON.parse(call.init.body as string)).toEqual({ currentPassword: 'old-password-1', newPassword: 'new-password-2' });
    expect(await session.accessTokenNow()).toBe('token-2');
  });

  it('signs out everywhere: logoutAll with the token, then the cookie session', async () => {
    const router = fakeRouter();
    const session = new Session({ api: createAuthApi(routerUrl, router.fetchFn) });
    await session.signIn('ada@meridian.dev', 'pw');
    const logoutAll = vi.fn(async (_token: string) => {});
    await session.signOutEverywhere(logoutAll);
    expect(logoutAll).toHaveBeenCalledWith('token-1');
    expect(router.calls.at(-1)!.url).toBe(`${routerUrl}/auth/logout`);
    expect(session.current()).toEqual({ status: 'signed-out' });
  });

  it('a rate-limited sign-in says how long to wait', async () => {
    const router = fakeRouter();
    router.answers.login = async () =>
      router.json(
        429,
        { errors: [{ message: 'Too many attempts', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 42 } }] },
        { 'retry-after': '42' },
      );
    const session = new Session({ api: createAuthApi(routerUrl, router.fetchFn) });
    await expect(session.signIn('ada@meridian.dev', 'pw')).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      status: 429,
      retryAfterSeconds: 42,
    });
    expect(session.current().status).toBe('unknown');
  });
});

describe('the fresh token over the open WebSocket', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('goes as a graphql-ws ping carrying the authorization, only while the socket is open', async () => {
    const router = fakeRouter();
    const session = new Session({ api: createAuthApi(routerUrl, router.fetchFn) });
    const sent: string[] = [];
    let socket: { readyState: number; send(data: string): void } | undefined = { readyState: 1, send: (d) => sent.push(d) };
    pushRefreshedTokens(session, () => socket);
    await session.signIn('ada@meridian.dev', 'pw');

    await vi.advanceTimersByTimeAsync(14 * minute);
    expect(sent).toEqual([tokenPing('token-2')]);
    expect(JSON.parse(sent[0]!)).toEqual({ type: 'ping', payload: { authorization: 'Bearer token-2' } });

    socket = undefined;
    await vi.advanceTimersByTimeAsync(14 * minute);
    expect(sent).toHaveLength(1);
  });
});
