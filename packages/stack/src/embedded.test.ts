/**
 * The embedded mode as `npm start` runs it — PGlite per subgraph over the wire protocol, embedded
 * S3, in-process bus — answering the cross-subgraph queries, and keeping its data across a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoDocuments } from './demo-data.ts';
import { startEmbeddedStack, type EmbeddedStack } from './embedded.ts';
import { graphql, loginAs, meQuery, productsQuery, signUpAndAwaitProfile } from './test-stack.ts';

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
  });

  it('a new account is answered at once from its token, then gets its profile through the in-process bus', async () => {
    const result = await signUpAndAwaitProfile(stack!.router.url, {
      email: 'new@meridian.dev',
      password: 'a long fresh password',
      displayName: 'Newcomer',
    });
    expect(result.meAtOnce).toEqual({ data: { me: { displayName: 'Newcomer' } } });
    expect(result.profile).toEqual({ displayName: 'Newcomer', email: 'new@meridian.dev' });
  });

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
      await stack.objects.presignedGet(`documents/${demoDocuments[0]!.ownerId}/${demoDocuments[0]!.id}`, 60),
    );
    expect(await file.text()).toBe(demoDocuments[0]!.body);
  });
});
