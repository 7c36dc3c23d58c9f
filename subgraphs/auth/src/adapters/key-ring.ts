/**
 * The JWT signing keys (ES256). Generated on first start and kept in the auth database — never in
 * the repository. The newest unretired key signs; every unretired key is published in the JWKS, so
 * tokens signed by a previous key stay valid until they expire.
 *
 * The database is the key set of every auth replica: before each signature, each JWKS answer and
 * each unknown `kid`, the ring compares the unretired kids there with its own (one small query) and
 * reloads when they differ. A key rotated through any replica (or `auth:rotate-key`) signs the next
 * token of every replica at once.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type JWTVerifyGetKey, type CryptoKey } from 'jose';
import { unauthenticated } from '#kit/errors';
import type { AuthDb } from './prisma-account-store.ts';
import type { PublicSigningKey } from '../domain/signing-key.ts';
import type { AccessTokenClaims, KeyRing } from '../ports.ts';

const alg = 'ES256';

interface LoadedKey extends PublicSigningKey {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

export async function createKeyRing(
  db: AuthDb,
  settings: { issuer: string; audience: string },
): Promise<KeyRing & { getKey: JWTVerifyGetKey }> {
  let keys: LoadedKey[] = [];

  async function load() {
    const rows = await db.signingKey.findMany({ where: { retiredAt: null }, orderBy: { createdAt: 'desc' } });
    keys = await Promise.all(
      rows.map(async (row) => ({
        kid: row.kid,
        alg: row.alg,
        createdAt: row.createdAt,
        privateKey: (await importJWK(row.privateJwk as JWK, row.alg)) as CryptoKey,
        publicKey: (await importJWK(row.publicJwk as JWK, row.alg)) as CryptoKey,
        publicJwk: row.publicJwk as JWK,
      })),
    );
  }

  /** Reloads when the database's unretired keys are not the ones loaded (another replica rotated). */
  async function refresh(): Promise<void> {
    const rows = await db.signingKey.findMany({
      where: { retiredAt: null },
      orderBy: { createdAt: 'desc' },
      select: { kid: true },
    });
    if (rows.map((r) => r.kid).join(' ') !== keys.map((k) => k.kid).join(' ')) await load();
  }

  /** Adds a new key and makes it the signing key; older keys keep verifying. */
  async function rotate(): Promise<PublicSigningKey> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const kid = `${new Date().toISOString().slice(0, 10)}-${randomBytes(6).toString('hex')}`;
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
    await db.signingKey.create({
      data: { kid, alg, privateJwk: { ...(await exportJWK(privateKey)), kid, alg }, publicJwk },
    });
    await load();
    return { kid, alg, createdAt: new Date() };
  }

  await load();
  if (keys.length === 0) await rotate();

  const current = () => {
    const key = keys[0];
    if (!key) throw new Error('no signing key');
    return key;
  };

  return {
    rotate,
    /** The public keys in the database now, newest first. */
    async publicKeys(): Promise<PublicSigningKey[]> {
      await refresh();
      return keys.map(({ kid, alg, createdAt }) => ({ kid, alg, createdAt }));
    },
    /** The JWKS document served at `/.well-known/jwks.json`: every unretired key in the database now. */
    async jwks(): Promise<{ keys: JWK[] }> {
      await refresh();
      return { keys: keys.map((k) => k.publicJwk) };
    },
    /** Key lookup for verifying tokens inside the auth subgraph itself; an unknown kid checks the database first. */
    getKey: (async (header) => {
      const find = () => keys.find((k) => k.kid === header.kid);
      if (!find()) await refresh();
      const key = find();
      if (!key) throw unauthenticated('The access token is not valid');
      return key.publicKey;
    }) as JWTVerifyGetKey,
    /** Signs with the current key of the database (a key rotated elsewhere signs from now on). */
    async sign(claims: AccessTokenClaims, ttlSeconds: number): Promise<{ token: string; expiresAt: Date }> {
      await refresh();
      const key = current();
      const issuedAt = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ roles: claims.roles, scope: claims.scope, email: claims.email, name: claims.name })
        .setProtectedHeader({ alg, kid: key.kid, typ: 'JWT' })
        .setSubject(claims.sub)
        .setIssuer(settings.issuer)
        .setAudience(settings.audience)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + ttlSeconds)
        .setJti(randomUUID())
        .sign(key.privateKey);
      return { token, expiresAt: new Date((issuedAt + ttlSeconds) * 1000) };
    },
  };
}
