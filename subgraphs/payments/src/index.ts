/**
 * The payments subgraph's public entry: start it (with a payment provider of the caller's choosing),
 * and seed or inspect its payments through its own store. Nothing else is imported from outside
 * `subgraphs/payments` (lint rule in eslint.config.js).
 */
export { startPaymentsSubgraph, type PaymentsOptions } from './subgraph.ts';
export { createPaymentStore, createPaymentsDb, type PaymentsDb } from './adapters/payment-store.ts';
export { createSimulatedProvider } from './adapters/simulated-provider.ts';
export type { PaymentProvider } from './ports.ts';
