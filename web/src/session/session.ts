/**
 * The signed-in session: the access token in memory only (never in storage a script can read),
 * refreshed before it expires through the router's `/auth/refresh` (the refresh token rides in an
 * HttpOnly cookie), one refresh at a time however many callers want a token.
 *
 *   unknown --restore()--> signed-in | signed-out
 *   signed-out --signIn()/signUp()--> signed-in
 *   signed-in --timer (lifetime - margin)--> refresh --ok--> signed-in (token listeners told)
 *                                                  --refused--> signed-out "session expired"
 *                                                  --unreachable--> retry while the token lives
 *   signed-in --signOut()/signOutEverywhere()/expire()--> signed-out
 */
import { AuthRouteError, type AuthApi, type SessionGrant } from './auth-api.ts';

/** Shown when the session ends without the user asking. */
export const sessionExpiredNotice = 'Your session expired: sign in again.';

export type SessionState =
  { status: 'unknown' } | { status: 'signed-out'; notice?: string } | { status: 'signed-in'; userId: string; expiresAt: number };

export interface SessionOptions {
  api: AuthApi;
  /** Milliseconds since the epoch (tests pass the fake clock's). */
  now?: () => number;
  /** Refresh this long before the token expires, at most a quarter of its lifetime. Default 60 s. */
  refreshMarginMs?: number;
  /** After a refresh that could not reach the router, try again after this long. Default 5 s. */
  retryDelayMs?: number;
}

export class Session {
  private readonly api: AuthApi;
  private readonly now: () => number;
  private readonly refreshMarginMs: number;
  private readonly retryDelayMs: number;
  private state: SessionState = { status: 'unknown' };
  private accessToken: string | undefined;
  private refreshing: Promise<string | undefined> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped on every sign-in and sign-out: a refresh started before one is not applied after it. */
  private generation = 0;
  private readonly listeners = new Set<(state: SessionState) => void>();
  private readonly refreshListeners = new Set<(accessToken: string) => void>();

  constructor(options: SessionOptions) {
    this.api = options.api;
    this.now = options.now ?? Date.now;
    this.refreshMarginMs = options.refreshMarginMs ?? 60_000;
    this.retryDelayMs = options.retryDelayMs ?? 5_000;
  }

  current(): SessionState {
    return this.state;
  }

  /** Calls `listener` on every change of state; returns the unsubscribe. */
  subscribe(listener: (state: SessionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls `listener` with each token a refresh brings (same user): what an open WebSocket must be told. */
  onRefreshed(listener: (accessToken: string) => void): () => void {
    this.refreshListeners.add(listener);
    return () => this.refreshListeners.delete(listener);
  }

  /** At start: a refresh cookie from an earlier visit signs in silently; none is no error. */
  async restore(): Promise<void> {
    const generation = this.generation;
    try {
      const grant = await this.api.refresh();
      if (generation === this.generation) this.accept(grant);
    } catch {
      if (generation === this.generation && this.state.status === 'unknown') this.setState({ status: 'signed-out' });
    }
  }

  async signIn(email: string, password: string): Promise<void> {
    this.start(await this.api.login(email, password));
  }

  async signUp(email: string, password: string, displayName: string): Promise<void> {
    this.start(await this.api.signUp(email, password, displayName));
  }

  /** Changes the password; the router revokes every other session and answers a new one for this device. */
  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    const token = await this.accessTokenNow();
    if (!token) throw new AuthRouteError('UNAUTHENTICATED', sessionExpiredNotice, 401);
    this.start(await this.api.changePassword(token, currentPassword, newPassword));
  }

  /** Ends this device's session (the cookie's), then forgets the token whatever the router said. */
  async signOut(): Promise<void> {
    try {
      await this.api.logout();
    } finally {
      this.end();
    }
  }

  /** Revokes every session of the account (`logoutAll`, with the current token), then this one. */
  async signOutEverywhere(logoutAll: (accessToken: string) => Promise<void>): Promise<void> {
    const token = await this.accessTokenNow();
    if (token) await logoutAll(token);
    await this.signOut();
  }

  /** The router refused the token (it expired, or was revoked with its signing key): sign in again. */
  expire(): void {
    if (this.state.status === 'signed-in') this.end(sessionExpiredNotice);
  }

  /**
   * A token to send now: the current one, or — when it is about to expire (a sleeping tab's timer
   * fires late) — the one the refresh brings. Undefined when signed out.
   */
  async accessTokenNow(): Promise<string | undefined> {
    if (this.state.status !== 'signed-in') return this.refreshing ? this.refreshing : undefined;
    if (this.now() >= this.state.expiresAt - 5_000) return this.refresh();
    return this.accessToken;
  }

  /** Refreshes now; concurrent callers share one request. Resolves to the new token, or undefined when signed out. */
  refresh(): Promise<string | undefined> {
    this.refreshing ??= this.runRefresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async runRefresh(): Promise<string | undefined> {
    const generation = this.generation;
    try {
      const grant = await this.api.refresh();
      if (generation !== this.generation) return this.accessToken;
      this.accept(grant);
      for (const listener of this.refreshListeners) listener(grant.accessToken);
      return grant.accessToken;
    } catch (error) {
      if (generation !== this.generation) return this.accessToken;
      const unreachable = error instanceof AuthRouteError && (error.status === 0 || error.status >= 500 || error.status === 429);
      if (unreachable && this.state.status === 'signed-in' && this.now() < this.state.expiresAt) {
        const retryAfterMs = error instanceof AuthRouteError && error.retryAfterSeconds ? error.retryAfterSeconds * 1000 : 0;
        this.schedule(Math.min(Math.max(this.retryDelayMs, retryAfterMs), this.state.expiresAt - this.now()));
        return this.accessToken;
      }
      this.end(this.state.status === 'signed-in' ? sessionExpiredNotice : undefined);
      return undefined;
    }
  }

  /** A new session (sign-in, sign-up, password change). */
  private start(grant: SessionGrant) {
    this.generation++;
    this.accept(grant);
  }

  private accept(grant: SessionGrant) {
    const expiresAt = Date.parse(grant.accessTokenExpiresAt);
    this.accessToken = grant.accessToken;
    this.setState({ status: 'signed-in', userId: grant.user.id, expiresAt });
    const lifetime = expiresAt - this.now();
    this.schedule(lifetime - Math.min(this.refreshMarginMs, lifetime / 4));
  }

  private end(notice?: string) {
    this.generation++;
    this.accessToken = undefined;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.setState(notice ? { status: 'signed-out', notice } : { status: 'signed-out' });
  }

  private schedule(delayMs: number) {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        void this.refresh();
      },
      Math.max(0, delayMs),
    );
  }

  private setState(state: SessionState) {
    this.state = state;
    for (const listener of this.listeners) listener(state);
  }
}
