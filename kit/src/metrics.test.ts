import { parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { readSubgraphConfig } from './config.js';
import { createSubgraphMetrics, maxOperationLabels, operationLabeller } from './metrics.js';

const operation = (text: string) => parse(text).definitions[0] as OperationDefinitionNode;
const databaseUrl = 'postgres://postgres@127.0.0.1:5432/meridian_orders';

describe('subgraph operation labels', () => {
  it('group the fetches of one client operation, and name unnamed and unresolved ones', () => {
    const labelOf = operationLabeller('orders');
    expect(labelOf(operation('query Checkout__orders__3 { a }'))).toBe('Checkout');
    expect(labelOf(operation('query Checkout__inventory__0 { a }'))).toBe('Checkout__inventory__0');
    expect(labelOf(operation('{ a }'))).toBe('anonymous');
    expect(labelOf(undefined)).toBe('unknown');
  });

  it(`keep at most ${maxOperationLabels} names, then count the rest as other`, () => {
    const labelOf = operationLabeller('orders');
    for (let i = 0; i < maxOperationLabels; i++) expect(labelOf(operation(`query Op${i} { a }`))).toBe(`Op${i}`);
    expect(labelOf(operation('query OneTooMany { a }'))).toBe('other');
    expect(labelOf(operation('query Op7 { a }'))).toBe('Op7');
  });
});

describe('subgraph admin settings', () => {
  it('default to the port + 1000 on loopback, even when the public port listens on every interface', () => {
    const config = readSubgraphConfig(
      { name: 'orders', defaultPort: 4004 },
      { ORDERS_DATABASE_URL: databaseUrl, HOST: '0.0.0.0' },
    );
    expect(config.admin).toEqual({ port: 5004, host: '127.0.0.1' });
    const moved = readSubgraphConfig(
      { name: 'orders', defaultPort: 4004 },
      { ORDERS_DATABASE_URL: databaseUrl, ORDERS_PORT: '7004', ORDERS_ADMIN_PORT: '' },
    );
    expect(moved.admin.port).toBe(8004);
  });

  it('take <NAME>_ADMIN_PORT, and <NAME>_ADMIN_HOST over the shared ADMIN_HOST', () => {
    const env = { ORDERS_DATABASE_URL: databaseUrl, ORDERS_ADMIN_PORT: '9104', ADMIN_HOST: '0.0.0.0' };
    expect(readSubgraphConfig({ name: 'orders', defaultPort: 4004 }, env).admin).toEqual({ port: 9104, host: '0.0.0.0' });
    expect(readSubgraphConfig({ name: 'orders', defaultPort: 4004 }, { ...env, ORDERS_ADMIN_HOST: '::1' }).admin.host).toBe(
      '::1',
    );
    expect(() => readSubgraphConfig({ name: 'orders', defaultPort: 4004 }, { ...env, ORDERS_ADMIN_PORT: '70000' })).toThrow(
      /ORDERS_ADMIN_PORT/,
    );
  });
});

describe('subgraph gauges', () => {
  it("read a subgraph's own figures at each scrape", async () => {
    let backlog = 3;
    const metrics = createSubgraphMetrics('orders', [
      { name: 'meridian_subgraph_outbox_backlog', help: 'Events not yet published', read: async () => backlog },
    ]);
    expect(await metrics.registry.getSingleMetricAsString('meridian_subgraph_outbox_backlog')).toContain('{subgraph="orders"} 3');
    backlog = 0;
    expect(await metrics.registry.getSingleMetricAsString('meridian_subgraph_outbox_backlog')).toContain('{subgraph="orders"} 0');
  });
});
