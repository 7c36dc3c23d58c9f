import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWTVerifyGetKey } from 'jose';
import { describe, expect, it } from 'vitest';
import { bearerToken, createVerifier } from './auth.js';

const settings = { issuer: 'meridian-auth', audience: 'meridian' };

async function keyPair() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, publicJwk: await exportJWK(publicKey) };
}

const sign = (privateKey: Parameters<SignJWT['sign']>[0], expiresIn: number | string = '10m') =>
  new SignJWT({ roles: ['CUSTOMER'], scope: 'customer' })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setSubject('u1')
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(privateKey);

describe('token verification', () => {
  it('verifies a token once and answers repeats from the cache until it expires', async () => {
    const { privateKey, publicJwk } = await keyPair();
    let lookups = 0;
    const keys: JWTVerifyGetKey = async () => {
      lookups += 1;
      return importJWK(publicJwk, 'ES256');
    };
    const verify = createVerifier(keys, settings);
    const token = await sign(privateKey);
    const first = await verify(token);
    expect(await verify(token)).toBe(first);
    expect(lookups).toBe(1);
    expect(first).toMatchObject({ id: 'u1', roles: ['CUSTOMER'], scopes: ['customer'], isAdmin: false });
  });

  it('a cached token is not served after it expires', async () => {
    const { privateKey, publicJwk } = await keyPair();
    const verify = createVerifier(async () => importJWK(publicJwk, 'ES256'), settings);
    const token = await sign(privateKey, Math.floor(Date.now() / 1000) + 1);
    await verify(token);
    await new Promise((r) => setTimeout(r, 1100));
    await expect(verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('a token differing by one character is verified on its own (and fails)', async () => {
    const { privateKey, publicJwk } = await keyPair();
    const verify = createVerifier(async () => importJWK(publicJwk, 'ES256'), settings);
    const token = await sign(privateKey);
    await verify(token);
    await expect(verify(`${token.slice(0, -2)}AA`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('reads only Bearer authorization headers', () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(() => bearerToken('Basic YWRhOnB3')).toThrowError(expect.objectContaining({ code: 'UNAUTHENTICATED' }) as Error);
  });
});
