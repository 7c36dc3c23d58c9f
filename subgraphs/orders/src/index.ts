/**
 * The orders subgraph's public entry: start it, and seed or inspect its orders through its own store.
 * Nothing else is imported from outside `subgraphs/orders` (lint rule in eslint.config.js).
 */
export { startOrdersSubgraph, type OrdersOptions } from './subgraph.ts';
export { createOrderStore, createOrdersDb, type OrdersDb } from './adapters/order-store.ts';
