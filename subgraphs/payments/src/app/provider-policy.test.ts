import { describe, expect, it } from 'vitest';
import { defaultProviderPolicy, providerPolicyFromEnv } from './provider-policy.ts';

describe('the provider policy from the environment', () => {
  it('defaults to 3 attempts of 2 s each', () => {
    expect(providerPolicyFromEnv({})).toEqual(defaultProviderPolicy);
    expect(defaultProviderPolicy).toMatchObject({ attempts: 3, timeoutMs: 2000 });
  });

  it('reads the timeout, attempts and backoff', () => {
    const env = { PAYMENTS_PROVIDER_TIMEOUT_MS: '750', PAYMENTS_PROVIDER_ATTEMPTS: '5', PAYMENTS_PROVIDER_BACKOFF_MS: '0' };
    expect(providerPolicyFromEnv(env)).toEqual({ timeoutMs: 750, attempts: 5, backoffMs: 0 });
  });

  it.each([
    ['PAYMENTS_PROVIDER_TIMEOUT_MS', '0'],
    ['PAYMENTS_PROVIDER_ATTEMPTS', '0'],
    ['PAYMENTS_PROVIDER_ATTEMPTS', '2.5'],
    ['PAYMENTS_PROVIDER_BACKOFF_MS', '-1'],
    ['PAYMENTS_PROVIDER_TIMEOUT_MS', 'soon'],
  ])('refuses %s=%s', (name, value) => {
    expect(() => providerPolicyFromEnv({ [name]: value })).toThrow(name);
  });
});
