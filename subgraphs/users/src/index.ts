/**
 * The users subgraph's public entry: start it, and seed profiles through its own store. Nothing else
 * is imported from outside `subgraphs/users` (lint rule in eslint.config.js).
 */
export { startUsersSubgraph } from './subgraph.ts';
export { createUserStore, createUsersDb } from './adapters/prisma-user-store.ts';
export { newProfile } from './domain/user.ts';
