/**
 * The auth subgraph's public entry: what the stack, the benchmarks and the tests above the subgraphs
 * may use — start it, seed its accounts, mint tokens with its key ring. Nothing else is imported
 * from outside `subgraphs/auth` (lint rule in eslint.config.js).
 */
export { startAuthSubgraph, type AuthOptions } from './subgraph.ts';
export { createAccountStore, createAuthDb } from './adapters/prisma-account-store.ts';
export { createKeyRing } from './adapters/key-ring.ts';
export { createPasswordHasher } from './adapters/password-hasher.ts';
export { refreshTokenTtlDays, scopesOf } from './domain/account.ts';
