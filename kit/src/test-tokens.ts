/**
 * Real access tokens for tests of a subgraph on its own (no auth subgraph): an ES256 key whose JWKS
 * is served on a local port, and tokens signed with it that the subgraph verifies like any other.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { Role } from './auth.js';
import type { SubgraphConfig } from './config.js';

export interface TestIssuer {
  /** For `testSubgraphConfig(..., { tokens })`: the local JWKS, the issuer and audience tokens carry. */
  tokens: SubgraphConfig['tokens'];
  /** A 10-minute access token for user `id`. */
  sign(id: string, roles?: Role[]): Promise<string>;
  stop(): Promise<void>;
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'test', alg: 'ES256', use: 'sig' }] });
  const server = createServer((_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const tokens = { jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`, issuer: 'meridian-auth', audience: 'meridian' };
  return {
    tokens,
    sign: (id, roles = ['CUSTOMER']) =>
      new SignJWT({ roles, scope: roles.map((r) => r.toLowerCase()).join(' ') })
        .setProtectedHeader({ alg: 'ES256', kid: 'test' })
        .setSubject(id)
        .setIssuer(tokens.issuer)
        .setAudience(tokens.audience)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(privateKey),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // the verifier's keep-alive connection would hold close() open
      }),
  };
}
