/** CORS origin patterns and policies (the S3 bucket's configuration and browser uploads: documents' s3-cors.test.ts). */
import { describe, expect, it } from 'vitest';
import { corsOriginMatcher, createCorsPolicy } from './cors.js';

describe('CORS origin patterns', () => {
  it('refuses entries that are not origins, naming them', () => {
    for (const entry of [
      'app.example.com',
      'https://app.example.com/path',
      'ftp://x.example.com',
      'https://*example.com',
      'https://a.*.com',
    ]) {
      expect(() => corsOriginMatcher(entry), entry).toThrow(entry);
    }
  });

  it('accepts exact origins, *. subdomains, :* ports and a trailing slash, case-insensitively', () => {
    const policy = createCorsPolicy({ origins: ['HTTPS://App.Example.com/', 'https://*.example.org', 'http://[::1]:*'] });
    expect(policy.allows('https://app.example.com')).toBe(true);
    expect(policy.allows('https://x.example.org')).toBe(true);
    expect(policy.allows('https://example.org')).toBe(false);
    expect(policy.allows('http://[::1]:5173')).toBe(true);
    expect(policy.allows('null')).toBe(false);
  });

  it('refuses * with credentials (any site could act as the signed-in user)', () => {
    expect(() => createCorsPolicy({ origins: ['*'], credentials: true })).toThrow(/credentials/);
    expect(createCorsPolicy({ origins: ['*'] }).allows('https://anything.example')).toBe(true);
  });
});
