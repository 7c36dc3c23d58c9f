/** How the use cases talk to the payment provider: bounded attempts, a timeout each, backoff between. */
import { z } from 'zod';
import type { Env } from '#kit/config';
import { badInput } from '#kit/errors';
import { ProviderUnavailable, type Clock, type PaymentProvider, type PaymentStore } from '../ports.ts';

/** What a use case that calls the payment provider needs (charging an order, refunding a payment). */
export interface ProviderDeps {
  payments: PaymentStore;
  provider: PaymentProvider;
  /** Defaults to the system clock. */
  clock?: Clock;
}

export interface ProviderPolicy {
  /** Calls to the provider before giving up on timeouts and processing errors (a decline is never retried). */
  attempts: number;
  /** How long one call may take. */
  timeoutMs: number;
  /** The wait before the second call; it doubles before each further one. */
  backoffMs: number;
}

export const defaultProviderPolicy: ProviderPolicy = { attempts: 3, timeoutMs: 2000, backoffMs: 100 };

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/**
 * The policy the services mode runs with: `PAYMENTS_PROVIDER_TIMEOUT_MS`, `PAYMENTS_PROVIDER_ATTEMPTS`
 * and `PAYMENTS_PROVIDER_BACKOFF_MS`, each defaulting to {@link defaultProviderPolicy}. Throws on a
 * value that is not a positive whole number (non-negative for the backoff).
 */
export function providerPolicyFromEnv(env: Env): ProviderPolicy {
  const parsed = z
    .object({
      PAYMENTS_PROVIDER_TIMEOUT_MS: positiveInt(defaultProviderPolicy.timeoutMs),
      PAYMENTS_PROVIDER_ATTEMPTS: positiveInt(defaultProviderPolicy.attempts),
      PAYMENTS_PROVIDER_BACKOFF_MS: z.coerce.number().int().nonnegative().default(defaultProviderPolicy.backoffMs),
    })
    .parse(env);
  return {
    timeoutMs: parsed.PAYMENTS_PROVIDER_TIMEOUT_MS,
    attempts: parsed.PAYMENTS_PROVIDER_ATTEMPTS,
    backoffMs: parsed.PAYMENTS_PROVIDER_BACKOFF_MS,
  };
}

/** Throws BAD_USER_INPUT for a policy that would never call the provider or never wait for it. */
export function checkPolicy(policy: ProviderPolicy): ProviderPolicy {
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1) throw badInput('attempts must be at least 1');
  if (!(policy.timeoutMs > 0)) throw badInput('timeoutMs must be positive');
  if (!(policy.backoffMs >= 0)) throw badInput('backoffMs must not be negative');
  return policy;
}

/** The wait before call number `attempt` (1-based): none before the first, then exponential. */
export const backoffBefore = (attempt: number, policy: ProviderPolicy): number =>
  attempt <= 1 ? 0 : policy.backoffMs * 2 ** (attempt - 2);

/** The longest a caller can spend on all its calls and waits: how long its claim on a payment lasts. */
export function worstCaseMs(policy: ProviderPolicy): number {
  let total = 0;
  for (let attempt = 1; attempt <= policy.attempts; attempt += 1) total += backoffBefore(attempt, policy) + policy.timeoutMs;
  return total;
}

/** What {@link callWithPolicy} does with one call, and with a call the provider could not answer. */
export interface ProviderCall<T> {
  /** One call to the provider and what follows from its answer. */
  call(): Promise<T>;
  /** A call that was not the last one failed as ProviderUnavailable (it is tried again after this). */
  retry?(error: ProviderUnavailable, attempt: number): Promise<unknown>;
  /** The last call `policy` allows failed as ProviderUnavailable: the result then. */
  exhausted(error: ProviderUnavailable, attempt: number): T | Promise<T>;
}

/**
 * Calls the provider as `policy` says: up to `policy.attempts` calls, each after its backoff, while
 * the provider is unavailable (timeouts, processing errors). Any other error is thrown.
 */
export async function callWithPolicy<T>(
  clock: Clock,
  policy: ProviderPolicy,
  { call, retry, exhausted }: ProviderCall<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const wait = backoffBefore(attempt, policy);
    if (wait > 0) await clock.sleep(wait);
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof ProviderUnavailable)) throw error;
      if (attempt >= policy.attempts) return exhausted(error, attempt);
      await retry?.(error, attempt);
    }
  }
}
