/**
 * The router's rate limits in the benchmarks. `wide`: every bucket is counted on every request but
 * none ever refuses (what the checks cost); `off`: no bucket at all (BENCH_RATE_LIMITS=off, the
 * baseline to compare with).
 */
import { defaultRateLimits } from '../router/src/rate-limits.ts';

/** Every field the router budgets by default: a field added there is widened (or dropped) here too. */
const costlyFields = Object.keys(defaultRateLimits.fields);

function rateLimitsEnv(bucket: string): Record<string, string> {
  return {
    ROUTER_RATE_LIMIT_USER: bucket,
    ROUTER_RATE_LIMIT_ANONYMOUS: bucket,
    ROUTER_RATE_LIMIT_MUTATIONS: costlyFields.map((field) => `${field}=${bucket}`).join(','),
  };
}

/** The environment that sets the router's rate limits as BENCH_RATE_LIMITS says (default: wide). */
export function benchRateLimits(): Record<string, string> {
  return rateLimitsEnv(process.env.BENCH_RATE_LIMITS === 'off' ? 'off' : '1000000/s');
}
