/**
 * The inventory subgraph's public entry: start it, and seed or inspect its catalogue and stock through
 * its own store. Nothing else is imported from outside `subgraphs/inventory` (lint rule in eslint.config.js).
 */
export { startInventorySubgraph, type InventoryOptions } from './subgraph.ts';
export { createInventoryDb, createInventoryStore, type InventoryDb } from './adapters/prisma-inventory-store.ts';
