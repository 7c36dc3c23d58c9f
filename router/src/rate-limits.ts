/**
 * Per-client rate limits at the edge: a token bucket per signed-in user (by viewer id) and one per
 * client address for anonymous calls, and per-caller budgets for the costly mutations. Checked
 * after validation and before planning, on HTTP (an Apollo Server plugin: 429 with `Retry-After`)
 * and on graphql-ws (an `error` message), refused as RATE_LIMITED with `retryAfterSeconds`.
 *
 * A costly field counts once per occurrence in the operation that will run: `a: placeOrder(…)
 * b: placeOrder(…)` takes two tokens of the placeOrder budget; a field dropped by `@skip`/`@include`
 * takes none. An operation's tokens (its request, its budgets) are taken all at once or not at all,
 * in one atomic step on Redis shared by every replica (kit/rate-limiter.ts), so concurrent requests
 * cannot overshoot.
 *
 * Redis out of reach: an operation with a costly field is refused (SERVICE_UNAVAILABLE, as the auth
 * subgraph's login limits do) — letting signUp or placeOrder through uncounted is what the budgets
 * exist to stop. Anything else falls back to buckets in this replica's memory, with a warning: a
 * Redis outage must not take every read down, and the fallback still bounds a client per replica.
 */
import { GraphQLError, Kind, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import {
  createInProcessTokenBuckets,
  parseTokenBucket,
  type TokenBucket,
  type TokenBuckets,
  type TokenClaim,
} from '#kit/rate-limiter';
import type { ErrorCode } from '#kit/errors';
import type { Logger } from '#kit/logger';
import type { RouterContext } from './context.ts';
import { fragmentsOf, skipped } from './selections.ts';

export interface RateLimitSettings {
  /** Requests per signed-in user (all replicas together); `null`: no limit. */
  user: TokenBucket | null;
  /** Requests per client address of anonymous calls; `null`: no limit. */
  anonymous: TokenBucket | null;
  /** Per-caller budgets of costly root fields, by field name: each occurrence takes one token. */
  fields: Record<string, TokenBucket>;
  /** The buckets shared by every replica (Redis in services mode); unset: this process's memory (embedded mode). */
  shared?: TokenBuckets;
}

/**
 * Production defaults (README, limits table). Generous for a person or a busy web client; a script
 * hammering one user or one address meets them. Benchmarks and test stacks set their own.
 */
export const defaultRateLimits: Omit<RateLimitSettings, 'shared'> = {
  user: { rate: 50, periodMs: 1000, burst: 200 },
  anonymous: { rate: 20, periodMs: 1000, burst: 100 },
  fields: {
    placeOrder: { rate: 30, periodMs: 60_000, burst: 10 },
    createDocumentUpload: { rate: 60, periodMs: 3_600_000, burst: 20 },
    reprocessDocument: { rate: 30, periodMs: 3_600_000, burst: 10 },
    signUp: { rate: 10, periodMs: 3_600_000, burst: 5 },
    login: { rate: 30, periodMs: 60_000, burst: 10 },
  },
};

/** What the operation needs to be checked: who calls, and the validated operation that will run. */
export interface Admission {
  context: Pick<RouterContext, 'viewer' | 'clientAddress'>;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Record<string, unknown> | undefined;
}

/** Why an operation is refused: the code, a message for the client and when to try again. */
export interface Refusal {
  code: Extract<ErrorCode, 'RATE_LIMITED' | 'SERVICE_UNAVAILABLE'>;
  message: string;
  retryAfterSeconds: number;
}

export interface RateLimits {
  /** Takes the operation's tokens, or answers why not (nothing is taken then). */
  admit(admission: Admission): Promise<Refusal | undefined>;
  /** The HTTP check: refuses with 429 (503 when Redis is out of reach) and `Retry-After`. */
  plugin: ApolloServerPlugin<RouterContext>;
}

/** A refusal as a GraphQL error; over HTTP it also sets the status and `Retry-After` (Apollo strips `http`). */
export function refusalError({ code, message, retryAfterSeconds }: Refusal, http: boolean): GraphQLError {
  const status = code === 'RATE_LIMITED' ? 429 : 503;
  return new GraphQLError(message, {
    extensions: {
      code,
      retryAfterSeconds,
      ...(http ? { http: { status, headers: new Map([['retry-after', String(retryAfterSeconds)]]) } } : {}),
    },
  });
}

const fallbackWarningEveryMs = 30_000;

export function createRateLimits(settings: RateLimitSettings, logger: Logger): RateLimits {
  const local = createInProcessTokenBuckets();
  const shared = settings.shared ?? local;
  const costly = new Set(Object.keys(settings.fields));
  let warnedAt = 0;

  async function admit({ context, document, operation, variables }: Admission): Promise<Refusal | undefined> {
    const { viewer } = context;
    // A hash tag per caller: on a Redis Cluster all of one caller's buckets live on one node.
    const caller = viewer ? `{u:${viewer.id}}` : `{a:${context.clientAddress}}`;
    const general = viewer ? settings.user : settings.anonymous;
    const claims: TokenClaim[] = general ? [{ key: caller, bucket: general, cost: 1 }] : [];
    if (operation.operation === 'mutation' && costly.size > 0) {
      for (const [field, count] of costlyFieldsOf(document, operation, variables, costly)) {
        const bucket = settings.fields[field]!;
        if (count > bucket.burst) {
          return {
            code: 'RATE_LIMITED',
            message: `An operation may call ${field} at most ${bucket.burst} times; this one calls it ${count} times`,
            retryAfterSeconds: Math.ceil((bucket.burst * bucket.periodMs) / bucket.rate / 1000),
          };
        }
        claims.push({ key: `${caller}:${field}`, bucket, cost: count });
      }
    }
    if (claims.length === 0) return undefined;
    let result;
    try {
      result = await shared.take(claims);
    } catch (error) {
      const hasBudget = claims.some((claim) => claim.key !== caller);
      if (hasBudget) {
        return {
          code: 'SERVICE_UNAVAILABLE',
          message: 'Rate limits cannot be checked right now; try again in 5 s',
          retryAfterSeconds: 5,
        };
      }
      if (Date.now() - warnedAt > fallbackWarningEveryMs) {
        warnedAt = Date.now();
        logger.warn({ err: error }, 'rate limits cannot reach Redis: counting in this replica only until it is back');
      }
      result = await local.take(claims);
    }
    if (result.granted) return undefined;
    const retryAfterSeconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
    const refused = claims[result.refused]!;
    const what = refused.key === caller ? 'requests' : `${refused.key.slice(caller.length + 1)} calls`;
    return { code: 'RATE_LIMITED', message: `Too many ${what}; try again in ${retryAfterSeconds} s`, retryAfterSeconds };
  }

  // One listener for every request (no per-request closure).
  const listener: GraphQLRequestListener<RouterContext> = {
    async didResolveOperation({ contextValue, document, operation, request }) {
      if (contextValue.admitted || !operation) return; // graphql-ws checked it before handing it to Apollo
      const refusal = await admit({ context: contextValue, document, operation, variables: request.variables });
      if (refusal) throw refusalError(refusal, true);
    },
  };
  return { admit, plugin: { requestDidStart: async () => listener } };
}

/**
 * How many times each costly root field of `operation` will run: once per response key (aliases
 * are separate keys; a key repeated is merged and runs once), after `@skip`/`@include`, through
 * inline fragments and fragment spreads (each fragment walked once).
 */
export function costlyFieldsOf(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  costly: ReadonlySet<string>,
): Map<string, number> {
  const counts = new Map<string, number>();
  const keys = new Set<string>();
  const fragments = fragmentsOf(document);
  const visited = new Set<string>();
  const walk = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (skipped(selection.directives, variables)) continue;
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        const key = selection.alias?.value ?? name;
        if (!costly.has(name) || keys.has(key)) continue;
        keys.add(key);
        counts.set(name, (counts.get(name) ?? 0) + 1);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet);
      } else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  return counts;
}

/**
 * Reads `ROUTER_RATE_LIMIT_MUTATIONS`: `field=<bucket>` pairs separated by commas (buckets as
 * kit's `parseTokenBucket` reads them), each over the default for that field; `field=off` drops one.
 */
export function fieldBudgetsOf(text: string, defaults: Record<string, TokenBucket>): Record<string, TokenBucket> {
  const budgets = { ...defaults };
  for (const entry of text.split(',')) {
    if (!entry.trim()) continue;
    const [field, spec] = entry.split('=').map((part) => part.trim());
    if (!field || spec === undefined)
      throw new Error(`"${entry}" is not a mutation budget: write <field>=<rate>/<period>[ burst <n>]`);
    const bucket = parseTokenBucket(spec);
    if (bucket) budgets[field] = bucket;
    else delete budgets[field];
  }
  return budgets;
}
