/**
 * `npm run auth:rotate-key`: adds a new ES256 signing key to the auth database and makes it current.
 * Tokens signed by the previous keys stay valid until they expire; every auth replica signs its next
 * token with the new key and publishes it in its JWKS. Reads AUTH_DATABASE_URL, JWT_ISSUER, JWT_AUDIENCE.
 */
import { readCommonConfig } from '#kit/config';
import { createAuthDb } from './adapters/prisma-account-store.ts';
import { createKeyRing } from './adapters/key-ring.ts';

const url = process.env.AUTH_DATABASE_URL;
if (!url) {
  console.error('AUTH_DATABASE_URL is not set');
  process.exit(1);
}
const db = createAuthDb(url, 1);
const keys = await createKeyRing(db, readCommonConfig(process.env).tokens);
const key = await keys.rotate();
console.log(`new signing key ${key.kid} is current; ${(await keys.publicKeys()).length} keys published`);
await db.$disconnect();
