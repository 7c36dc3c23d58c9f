/**
 * A password guess under the abuse limits (login and changePassword). The attempt is counted — per
 * client address, and per account when the email is a valid one — before the password is checked,
 * each counter in one atomic step: of any number of concurrent guesses only those within both limits
 * are checked; the rest are refused unchecked, as RATE_LIMITED. When the counters cannot be reached
 * the guess is refused as SERVICE_UNAVAILABLE (the limiter fails closed), never checked uncounted.
 *
 * What is taken back afterwards differs by counter:
 * - the address counts failures: a right password gives its attempt back, and so does a refused one
 *   (it was not checked). A crowd behind one address (an office, a NAT) that overshoots the limit
 *   for a moment is not locked out for the rest of the window.
 * - the account counts every attempt but those a right password forgives: the ones counted up to it
 *   (the owner is back; their typos are forgiven). Attempts counted after it stay counted, so when it
 *   arrives inside a burst of guesses the rest of the burst stays refused — no guess beyond the limit
 *   is ever checked — and refused attempts keep the account locked until the window ends.
 */
import { assertWithinLimit, type RateLimit, type RateLimiter } from '#kit/rate-limiter';
import { abuseLimits } from '../domain/account.ts';

interface Counter {
  key: string;
  rule: RateLimit;
  /** What a right password takes back: its own attempt, or every attempt up to it. */
  onSuccess: 'refund' | 'forgive';
  /** Whether a refused attempt gives its count back. */
  refundRefused: boolean;
}

/**
 * Counts an attempt by `clientAddress` on the account `email` (null: not a valid email, so only the
 * address counts), then runs `check` when both are within their limits. `check` returns what the
 * right password unlocks (the account), or null for a wrong one; so does this.
 */
export async function passwordAttempt<T>(
  limiter: RateLimiter,
  who: { email: string | null; clientAddress: string },
  check: () => Promise<T | null>,
): Promise<T | null> {
  const counters: Counter[] = [
    {
      key: `login:address:${who.clientAddress}`,
      rule: abuseLimits.loginFailuresPerAddress,
      onSuccess: 'refund',
      refundRefused: true,
    },
  ];
  if (who.email) {
    counters.push({
      key: `login:account:${who.email}`,
      rule: abuseLimits.loginFailuresPerAccount,
      onSuccess: 'forgive',
      refundRefused: false,
    });
  }
  const counted = await Promise.all(counters.map(({ key, rule }) => limiter.hit(key, rule)));
  if (counters.some(({ rule }, i) => counted[i]!.count > rule.limit)) {
    await Promise.all(counters.map(({ key, refundRefused }, i) => (refundRefused ? limiter.refund(key, counted[i]!) : null)));
    counters.forEach(({ rule }, i) => assertWithinLimit(counted[i]!, rule, 'failed sign-in attempts'));
  }

  const unlocked = await check();
  if (unlocked === null) return null;
  await Promise.all(counters.map(({ key, onSuccess }, i) => limiter[onSuccess](key, counted[i]!)));
  return unlocked;
}
