/**
 * Identity: who is asking. Tokens are verified against the auth subgraph's JWKS by the router and,
 * again, by every subgraph — a subgraph trusts no identity header it cannot check.
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { DomainError, forbidden, unauthenticated } from './errors.js';

export type Role = 'CUSTOMER' | 'ADMIN';

/** The verified caller of a request. */
export interface Viewer {
  id: string;
  roles: Role[];
  scopes: string[];
  isAdmin: boolean;
  /** The raw bearer token, forwarded to subgraphs by the router. */
  token: string;
  /** The `email` and `name` claims: what auth knew when it issued the token. */
  email?: string;
  name?: string;
  /** When the token expires (seconds since the epoch). */
  expiresAt?: number;
}

export interface TokenSettings {
  issuer: string;
  audience: string;
}

/** Verifies an access token and returns its viewer, or throws UNAUTHENTICATED. */
export type TokenVerifier = (token: string) => Promise<Viewer>;

/**
 * A verifier that fetches the JWKS at `jwksUrl` lazily, caches it, and refetches on an unknown `kid`
 * (at most once per `cooldownMs`, default 1 s). Only ES256 is accepted.
 */
export function createJwksVerifier(
  options: TokenSettings & { jwksUrl: string; cooldownMs?: number; cacheSize?: number },
): TokenVerifier {
  const cooldownMs = options.cooldownMs ?? 1_000;
  const remote = createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: cooldownMs, cacheMaxAge: 10 * 60_000 });
  // A token signed by a key this process has not seen yet triggers a JWKS refetch, at most once per
  // cooldown; one inside the cooldown waits for it once, so a rotated-in key is never refused.
  const keys: JWTVerifyGetKey = async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw error;
      await new Promise((resolve) => setTimeout(resolve, cooldownMs));
      return remote(header, token);
    }
  };
  return createVerifier(keys, options, options.cacheSize);
}

/**
 * A verifier over any jose key source (remote JWKS, local JWKS in the auth subgraph). Verified
 * tokens are remembered until they expire (at most `cacheSize` of them): a client sends the same
 * token with every request, and an ES256 verification costs ~0.3 ms of CPU at each hop.
 */
export function createVerifier(keys: JWTVerifyGetKey, settings: TokenSettings, cacheSize = 10_000): TokenVerifier {
  const verified = new Map<string, Viewer>();
  const verify = uncachedVerifier(keys, settings);
  if (cacheSize <= 0) return verify;
  return async (token) => {
    const known = verified.get(token);
    if (known && known.expiresAt !== undefined && known.expiresAt * 1000 > Date.now()) return known;
    if (known) verified.delete(token);
    const viewer = await verify(token);
    if (verified.size >= cacheSize) verified.delete(verified.keys().next().value as string); // oldest first
    verified.set(token, viewer);
    return viewer;
  };
}

function uncachedVerifier(keys: JWTVerifyGetKey, settings: TokenSettings): TokenVerifier {
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: settings.issuer,
        audience: settings.audience,
        algorithms: ['ES256'],
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is Role => r === 'CUSTOMER' || r === 'ADMIN') : [];
      const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
      return {
        id: payload.sub as string,
        roles,
        scopes,
        isAdmin: roles.includes('ADMIN'),
        token,
        email: typeof payload.email === 'string' ? payload.email : undefined,
        name: typeof payload.name === 'string' ? payload.name : undefined,
        expiresAt: payload.exp,
      };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw unauthenticated('The access token has expired; refresh it');
      if (error instanceof joseErrors.JOSEError || error instanceof TypeError) {
        throw unauthenticated('The access token is not valid');
      }
      throw error;
    }
  };
}

/** Extracts the bearer token of an `Authorization` header; undefined when absent. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  if (!match) throw unauthenticated('The Authorization header must be "Bearer <token>"');
  return match[1];
}

/**
 * The viewer of a request: null when anonymous; throws UNAUTHENTICATED for a bad token. Takes any
 * value, as over WebSocket the authorization comes from a client's JSON payload.
 */
export async function viewerOf(verify: TokenVerifier, authorization: unknown): Promise<Viewer | null> {
  if (authorization !== undefined && typeof authorization !== 'string') {
    throw unauthenticated('authorization must be "Bearer <token>"');
  }
  const token = bearerToken(authorization);
  return token ? verify(token) : null;
}

/** The viewer, or UNAUTHENTICATED when the request is anonymous. */
export function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw unauthenticated();
  return viewer;
}

/** The viewer when an admin; UNAUTHENTICATED when anonymous, FORBIDDEN (with `message`) otherwise. */
export function requireAdmin(viewer: Viewer | null, message = 'Only an admin may do this'): Viewer {
  const who = requireViewer(viewer);
  if (!who.isAdmin) throw forbidden(message);
  return who;
}

/** Passes when the viewer owns the resource or is an admin; otherwise FORBIDDEN. */
export function assertOwnerOrAdmin(viewer: Viewer | null, ownerId: string): Viewer {
  const who = requireViewer(viewer);
  if (who.id !== ownerId && !who.isAdmin) throw forbidden();
  return who;
}

/** True when the viewer may see a resource owned by `ownerId`. */
export function canSee(viewer: Viewer | null, ownerId: string): boolean {
  return viewer !== null && (viewer.isAdmin || viewer.id === ownerId);
}

export { DomainError };
