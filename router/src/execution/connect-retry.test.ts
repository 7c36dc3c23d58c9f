/**
 * The connect retry through the router: a subgraph whose connections are dropped as soon as the
 * request arrives (a crashing process, a load balancer with no healthy backend) gets a query twice
 * and a mutation once, counted on the subgraph's side; the two tries are one failed fetch.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { post, startFederation, type Federation } from './conformance/harness.ts';
import { ledger } from './conformance/fixtures/ledger.ts';

let federation: Federation;
let dropping: Server;
let requests = 0;
beforeAll(async () => {
  dropping = createServer((socket: Socket) => {
    socket.once('data', () => {
      requests++;
      socket.destroy();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
  const { port } = dropping.address() as AddressInfo;
  federation = await startFederation(ledger, { router: { subgraphUrls: { bank: `http://127.0.0.1:${port}/graphql` } } });
});
afterAll(async () => {
  await federation?.stop();
  await new Promise((resolve) => dropping?.close(resolve));
});
beforeEach(() => {
  requests = 0;
});

const errorsTotal = async () => {
  const text = await (await fetch(`${federation.meridianAdminUrl}/metrics`)).text();
  return Number(
    /^meridian_router_subgraph_errors_total\{subgraph="bank",code="SUBGRAPH_UNREACHABLE"\} (\d+)$/m.exec(text)?.[1] ?? 0,
  );
};

describe('a subgraph that drops the connection before answering', () => {
  it('gets a query twice: one retry, one failed fetch', async () => {
    const before = await errorsTotal();
    const { body } = await post(federation.meridianUrl, '{ account { id balance } }');
    expect(body.errors?.map((error) => error.extensions?.code)).toEqual(['SERVICE_UNAVAILABLE']);
    expect(requests).toBe(2);
    expect((await errorsTotal()) - before).toBe(1);
  });

  it('gets a mutation once: it may have been applied', async () => {
    const { body } = await post(federation.meridianUrl, 'mutation { deposit(amount: 5) { id } }');
    expect(body.errors?.map((error) => error.extensions?.code)).toEqual(['SERVICE_UNAVAILABLE']);
    expect(requests).toBe(1);
  });
});
