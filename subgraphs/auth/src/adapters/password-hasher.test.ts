import { describe, expect, it } from 'vitest';
import { createPasswordHasher, defaultScryptCost } from './password-hasher.ts';

describe('password hashing', () => {
  it('a new hash costs at least N=2^17 (128 MiB, past node:crypto default memory bound) and checks the password', async () => {
    const hasher = createPasswordHasher();
    const stored = await hasher.hash('correct horse battery');
    const [, N, r, p] = stored.split('$').map(Number);
    expect(N).toBeGreaterThanOrEqual(2 ** 17);
    expect([r, p]).toEqual([8, 1]);
    expect(await hasher.verify('correct horse battery', stored)).toBe(true);
    expect(await hasher.verify('correct horse batterY', stored)).toBe(false);
    expect(hasher.needsRehash(stored)).toBe(false);
  });

  it('a hash made at a lower cost still verifies, and is marked for rehashing', async () => {
    const older = await createPasswordHasher({ ...defaultScryptCost, N: 2 ** 15 }).hash('correct horse battery');
    const hasher = createPasswordHasher();
    expect(await hasher.verify('correct horse battery', older)).toBe(true);
    expect(hasher.needsRehash(older)).toBe(true);
    expect(hasher.needsRehash('not a hash')).toBe(true);
  });
});
