/**
 * The embedded mode as `npm start` runs it — PGlite per subgraph over the wire protocol, embedded
 * S3, in-process bus — answering the cross-subgraph queries, and keeping its data across a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { putUpload, type PresignedUploadAnswer } from '#kit/testing';
import { demoDocuments, demoProducts } from './demo-data.ts';
import { startEmbeddedStack, type EmbeddedStack } from './embedded.ts';
import { graphql, loginAs, meQuery, placeOrder, productsQuery, signUpAndAwaitProfile } from './test-stack.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'meridian-embedded-'));
let stack: EmbeddedStack | undefined;
const start = () => startEmbeddedStack({ dataDir, routerPort: 0, subgraphPorts: 'ephemeral', logLevel: 'silent' });

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('embedded mode', () => {
  it('starts with nothing installed, seeds the demo data and answers across the subgraphs', async () => {
    stack = await start();
    expect(stack.seeded).toBe(true);
    const url = stack.router.url;
    const products = await graphql<{ products: { edges: unknown[] } }>(url, productsQuery);
    expect(products.body.data?.products.edges).toHaveLength(3);

    const token = await loginAs(url);
    const me = await graphql<{ me: any }>(url, meQuery, { token });
    expect(me.body.errors).toBeUndefined();
    expect(me.body.data?.me).toMatchObject({ displayName: 'Ada Lovelace', roles: ['CUSTOMER'] });
    expect(me.body.data?.me.orders.edges).toHaveLength(3);
    expect(me.body.data?.me.orders.edges[2].node).toMatchObject({ status: 'CONFIRMED', payment: { status: 'SUCCEEDED' } });
    expect(me.body.data?.me.documents).toHaveLength(2);
  }, 90_000); // six PGlite databases, migrations and demo data: ~20 s alone, more on a busy machine

  it('a new account is answered at once from its token, then gets its profile through the in-process bus', async () => {
    const result = await signUpAndAwaitProfile(stack!.router.url, {
      email: 'new@meridian.dev',
      password: 'a long fresh password',
      displayName: 'Newcomer',
    });
    expect(result.meAtOnce).toEqual({ data: { me: { displayName: 'Newcomer' } } });
    expect(result.profile).toEqual({ displayName: 'Newcomer', email: 'new@meridian.dev' });
  });

  it('runs the order saga on PGlite and the in-process bus: a paid order is CONFIRMED, a declined one CANCELLED', async () => {
    const url = stack!.router.url;
    const token = await loginAs(url);
    const productId = demoProducts.find((p) => p.stock[0] + p.stock[1] >= 4)!.id;
    const place = async (paymentMethod: string) =>
      (await placeOrder(url, token, { productId, paymentMethod, quantity: 2, key: `embedded-${paymentMethod}` })).id;
    const statusOf = async (id: string) =>
      (
        await graphql<{ order: { status: string; cancelReason: string | null; payment: { status: string } | null } }>(
          url,
          'query ($id: ID!) { order(id: $id) { status cancelReason payment { status } } }',
          { token, variables: { id } },
        )
      ).body.data!.order;
    const [paid, declined] = [await place('tok_visa'), await place('tok_decline')];
    await expect
      .poll(() => statusOf(paid), { timeout: 15_000 })
      .toEqual({ status: 'CONFIRMED', cancelReason: null, payment: { status: 'SUCCEEDED' } });
    await expect
      .poll(() => statusOf(declined), { timeout: 15_000 })
      .toEqual({ status: 'CANCELLED', cancelReason: 'PAYMENT_DECLINED', payment: { status: 'FAILED' } });
  }, 30_000);

  it('processes an uploaded document in-process: upload URL, PUT, submit, COMPLETED with its text', async () => {
    const url = stack!.router.url;
    const token = await loginAs(url);
    const body = Buffer.from('Embedded receipt 7\nTotal: 3.50 EUR\n');
    const started = await graphql<{ createDocumentUpload: PresignedUploadAnswer & { document: { id: string; status: string } } }>(
      url,
      'mutation ($input: DocumentUploadInput!) { createDocumentUpload(input: $input) { uploadUrl uploadHeaders { name value } document { id status } } }',
      { token, variables: { input: { filename: 'receipt.txt', contentType: 'text/plain', size: body.length } } },
    );
    const { document } = started.body.data!.createDocumentUpload;
    expect(document.status).toBe('UPLOADING');
    expect((await putUpload(started.body.data!.createDocumentUpload, body)).status).toBe(200);
    const submitted = await graphql<{ submitDocument: { id: string } }>(
      url,
      'mutation ($id: ID!) { submitDocument(id: $id) { id } }',
      {
        token,
        variables: { id: document.id },
      },
    );
    expect(submitted.body.errors).toBeUndefined();
    const read = async () =>
      (
        await graphql<{ document: { status: string; jobs: { status: string; progress: number; text: string | null }[] } }>(
          url,
          'query ($id: ID!) { document(id: $id) { status jobs { status progress text } } }',
          { token, variables: { id: document.id } },
        )
      ).body.data!.document;
    await expect.poll(async () => (await read()).status, { timeout: 15_000 }).toBe('PROCESSED');
    expect((await read()).jobs).toEqual([{ status: 'COMPLETED', progress: 100, text: 'Embedded receipt 7\nTotal: 3.50 EUR\n' }]);
  }, 30_000);

  it('keeps its data (accounts, signing keys, files) across a restart and does not seed twice', async () => {
    await stack!.stop();
    stack = await start();
    expect(stack.seeded).toBe(false);
    const url = stack.router.url;
    const token = await loginAs(url, 'new@meridian.dev', 'a long fresh password');
    expect(
      (await graphql<{ me: { displayName: string } }>(url, '{ me { displayName } }', { token })).body.data?.me.displayName,
    ).toBe('Newcomer');
    expect((await graphql<{ products: { edges: unknown[] } }>(url, productsQuery)).body.data?.products.edges).toHaveLength(3);
    const file = await fetch(
      await stack.objects.presignedDownload(
        `documents/${demoDocuments[0]!.ownerId}/${demoDocuments[0]!.id}`,
        60,
        demoDocuments[0]!,
      ),
    );
    expect(await file.text()).toBe(demoDocuments[0]!.body);
  }, 90_000);
});
