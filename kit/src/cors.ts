/**
 * CORS at the HTTP front door: which web origins may call the router from a browser. The preflight
 * (`OPTIONS` with `Access-Control-Request-Method`) is answered here, before Apollo Server sees the
 * request — Apollo's CSRF prevention would refuse it — and an allowed origin's actual responses
 * carry `Access-Control-Allow-Origin: <origin>`. Apollo's CSRF prevention stays on behind it: a
 * simple cross-site POST (no preflight-triggering header) is still refused there.
 *
 * Origins are exact (`https://app.example.com`) or simple wildcards: `*.` before the host matches
 * one or more subdomain labels (`https://*.example.com`), `:*` any port or none
 * (`http://localhost:*`), and `*` alone any origin (never with credentials).
 *
 * Credentials (cookies) can be allowed on a few paths only (`credentialPaths`, e.g. the cookie
 * session routes) while the rest of the API, called with a bearer token, stays without them: a
 * page's cookies then reach nothing else. On those paths `*` does not count: only listed origins.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Request headers a browser client may send (what Apollo Client, graphql-request and urql do, plus tracing). */
export const corsAllowedHeaders = [
  'content-type',
  'authorization',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'x-correlation-id',
  'traceparent',
];
/** Response headers a browser client may read besides the CORS-safelisted ones. */
export const corsExposedHeaders = ['x-correlation-id', 'retry-after'];

/** The development default: pages served from this machine, on any port. */
export const developmentCorsOrigins = ['http://localhost:*', 'http://127.0.0.1:*', 'http://[::1]:*'];

export interface CorsSettings {
  /** Allowed origins: exact, `scheme://*.host`, `scheme://host:*`, or `*`. Empty: no browser origin. */
  origins: string[];
  /** Send `Access-Control-Allow-Credentials: true` (cookies, HTTP auth); default false. */
  credentials?: boolean;
  /** How long a browser may cache a preflight answer (default 600 s). */
  maxAgeSeconds?: number;
  /** Exact paths (e.g. `/auth/refresh`) whose preflights and answers allow credentials even when `credentials` is off. */
  credentialPaths?: string[];
}

export interface CorsPolicy {
  /** Whether `origin` (an `Origin` header value) is allowed. */
  allows(origin: string): boolean;
  /**
   * Handles the request's CORS part: answers a preflight itself (true: the request is done), or
   * sets the headers of an actual response (false: carry on).
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

const entryPattern = /^(https?):\/\/(\*\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::(\d{1,5}|\*))?$/;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** An entry as origins are compared: trimmed, lower-case, without a trailing slash. */
const normalizedEntry = (entry: string) => entry.trim().toLowerCase().replace(/\/$/, '');

/** Checks one `ROUTER_CORS_ORIGINS` entry; throws with the entry named when it is not an origin pattern. */
export function corsOriginMatcher(entry: string): RegExp {
  const normalized = normalizedEntry(entry);
  if (normalized === '*') return /^.*$/;
  const match = entryPattern.exec(normalized);
  if (!match) {
    throw new Error(
      `"${entry}" is not an origin: expected scheme://host[:port], with *. before the host or :* as the port for wildcards (e.g. https://*.example.com, http://localhost:*)`,
    );
  }
  const [, scheme, subdomains, host, port] = match;
  const hostPattern = `${subdomains ? '[a-z0-9-]+(?:\\.[a-z0-9-]+)*\\.' : ''}${escape(host!)}`;
  const portPattern = port === '*' ? '(?::\\d{1,5})?' : port ? `:${port}` : '';
  return new RegExp(`^${scheme}://${hostPattern}${portPattern}$`);
}

/** Builds the policy; throws on an entry that is not an origin pattern, or `*` with credentials. */
export function createCorsPolicy(settings: CorsSettings): CorsPolicy {
  const credentials = settings.credentials ?? false;
  if (credentials && settings.origins.some((o) => o.trim() === '*')) {
    throw new Error('CORS origin "*" cannot be combined with credentials: list the origins');
  }
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  let anyOrigin = false;
  for (const entry of settings.origins) {
    if (!entry.trim()) continue;
    const matcher = corsOriginMatcher(entry);
    const normalized = normalizedEntry(entry);
    if (normalized === '*') anyOrigin = true;
    else if (normalized.includes('*')) patterns.push(matcher);
    else exact.add(normalized);
  }
  const listed = (origin: string) => origin !== 'null' && (exact.has(origin) || patterns.some((p) => p.test(origin)));
  const allows = (origin: string) => (anyOrigin && origin !== 'null') || listed(origin);
  const credentialPaths = new Set(settings.credentialPaths);
  const pathOf = (url = '/') => {
    const query = url.indexOf('?');
    return query === -1 ? url : url.slice(0, query);
  };

  const preflightHeaders: Record<string, string> = {
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': corsAllowedHeaders.join(', '),
    'access-control-max-age': String(settings.maxAgeSeconds ?? 600),
  };
  const exposed = corsExposedHeaders.join(', ');

  return {
    allows,
    handle(req, res) {
      // Whatever the origin, the answer depends on it: caches must keep one per origin.
      res.setHeader('vary', 'Origin');
      const origin = req.headers.origin;
      const isPreflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
      if (origin === undefined) return false; // not a browser's cross-origin request
      const withCredentials = credentials || (credentialPaths.size > 0 && credentialPaths.has(pathOf(req.url)));
      const allowed = withCredentials ? listed(origin) : allows(origin);
      if (isPreflight) {
        if (allowed) {
          res.writeHead(204, {
            ...preflightHeaders,
            'access-control-allow-origin': origin,
            ...(withCredentials ? { 'access-control-allow-credentials': 'true' } : {}),
          });
          res.end();
        } else {
          res.writeHead(403, { 'content-type': 'application/json; charset=utf-8' });
          res.end(
            JSON.stringify({
              errors: [
                {
                  message: `Origin ${origin} is not allowed to call this API from a browser (ROUTER_CORS_ORIGINS)`,
                  extensions: { code: 'CORS_ORIGIN_NOT_ALLOWED' },
                },
              ],
            }),
          );
        }
        return true;
      }
      if (allowed) {
        res.setHeader('access-control-allow-origin', origin);
        res.setHeader('access-control-expose-headers', exposed);
        if (withCredentials) res.setHeader('access-control-allow-credentials', 'true');
      }
      return false;
    },
  };
}
