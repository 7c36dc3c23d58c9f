/**
 * Trusted documents on the real router (the six subgraphs in this process, real PostgreSQL): ids
 * resolved over HTTP POST, GET and graphql-ws; `enforce` refusing anything else, APQ registration
 * included; `log` serving and logging; the manifest reloaded without a restart.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventually } from '#kit/testing';
import { loginAs, productsQuery, startTestStack, type TestStack } from '../test-stack.ts';
import { type RouterOptions, type RunningRouter } from '../../../router/src/router.ts';
import { parseManifest, type TrustedDocumentsSettings } from '../../../router/src/trusted-documents.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

const productNamesQuery = 'query ProductNames { products(first: 2) { edges { node { name } } } }';
const orderUpdates = 'subscription OrderUpdates($id: ID!) { orderUpdated(id: $id) { status } }';
const untrustedQuery = '{ products(first: 1) { edges { node { name price { amount } } } } }';

const apolloManifest = (bodies: string[]) =>
  JSON.stringify({
    format: 'apollo-persisted-query-manifest',
    version: 1,
    operations: bodies.map((body) => ({ id: sha256(body), name: /\w+ (\w+)/.exec(body)?.[1] ?? '', type: 'query', body })),
  });

let stack: TestStack;
let directory: string;

beforeAll(async () => {
  stack = await startTestStack();
  directory = mkdtempSync(join(tmpdir(), 'meridian-trusted-'));
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  rmSync(directory, { recursive: true, force: true });
});

/** A router on the stack's subgraphs with these trusted documents settings. */
const routerWith = (trustedDocuments: TrustedDocumentsSettings, options: Partial<RouterOptions> = {}) =>
  stack.anotherRouter({ trustedDocuments: { pollIntervalMs: 50, ...trustedDocuments }, ...options });

function manifestFile(name: string, content: string) {
  const path = join(directory, name);
  writeFileSync(path, content);
  return path;
}

interface Answer {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
}

async function post(router: RunningRouter, body: unknown): Promise<Answer> {
  const response = await fetch(`${router.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

async function get(router: RunningRouter, params: Record<string, string>): Promise<Answer> {
  const response = await fetch(`${router.url}/graphql?${new URLSearchParams(params)}`, {
    headers: { 'apollo-require-preflight': 'true' },
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

const codeOf = (answer: Answer) => answer.body.errors?.[0]?.extensions?.code;
const persisted = (body: string) => ({ persistedQuery: { version: 1, sha256Hash: sha256(body) } });
const productNames = { products: { edges: [{ node: { name: 'Schema pen' } }, { node: { name: 'Resolver hoodie' } }] } };

/** graphql-ws by hand (the client library insists on a `query`): the messages of one subscribe, up to `complete` or `error`. */
async function subscribeRaw(router: RunningRouter, payload: Record<string, unknown>, token?: string) {
  const socket = new WebSocket(`${router.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const messages: { type: string; payload?: any }[] = [];
  try {
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const ended = new Promise<void>((resolve, reject) => {
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string; payload?: unknown };
        if (message.type === 'connection_ack') {
          socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload }));
          return;
        }
        messages.push(message);
        if (message.type === 'complete' || message.type === 'error') resolve();
      });
      socket.once('close', (code, reason) => reject(new Error(`closed ${code} ${String(reason)}`)));
    });
    socket.send(JSON.stringify({ type: 'connection_init', payload: token ? { authorization: `Bearer ${token}` } : {} }));
    await ended;
    return messages;
  } finally {
    socket.close();
  }
}

describe('trusted documents: manifests', () => {
  it("reads Apollo's manifest and the client preset's map; ids and sha256 of bodies both find a body", () => {
    const apollo = parseManifest(apolloManifest([productNamesQuery]));
    expect(apollo.byId.get(sha256(productNamesQuery))).toBe(productNamesQuery);
    const map = parseManifest(JSON.stringify({ [sha1(productNamesQuery)]: productNamesQuery }));
    expect(map.byId.get(sha1(productNamesQuery))).toBe(productNamesQuery);
    expect(map.bySha256.get(sha256(productNamesQuery))).toBe(productNamesQuery);
  });

  it('refuses what is not a manifest, saying what is wrong', () => {
    expect(() => parseManifest('[]')).toThrow(/JSON object/);
    expect(() => parseManifest('{"a": 1}')).toThrow(/"a" is not a document/);
    expect(() => parseManifest('{"format":"apollo-persisted-query-manifest","version":2,"operations":[]}')).toThrow(/version 2/);
    expect(() => parseManifest('{"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id":"x"}]}')).toThrow(
      /operations\[0\]/,
    );
  });

  it('log or enforce without a manifest is a configuration error', async () => {
    await expect(routerWith({ mode: 'enforce' })).rejects.toThrow(/ROUTER_TRUSTED_DOCUMENTS_PATH/);
  });
});

describe('trusted documents: enforce', () => {
  let router: RunningRouter;
  let path: string;
  const reloads: number[] = [];
  beforeAll(async () => {
    path = manifestFile('enforce.json', apolloManifest([productNamesQuery, orderUpdates]));
    router = await routerWith({ mode: 'enforce', path, onReload: (operations) => reloads.push(operations) });
  });

  it('refuses a document not in the manifest with PERSISTED_QUERY_NOT_IN_LIST, before running it', async () => {
    const answer = await post(router, { query: untrustedQuery });
    expect(answer.status).toBe(400);
    expect(codeOf(answer)).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    expect(answer.body.errors![0]!.message).toMatch(/only serves trusted documents/);
    expect(answer.body.data).toBeUndefined();
    // Text is compared exactly: the known operation reformatted is another document.
    expect(codeOf(await post(router, { query: productNamesQuery.replace('  ', ' ').replace('{ products', '{products') }))).toBe(
      'PERSISTED_QUERY_NOT_IN_LIST',
    );
    expect(codeOf(await get(router, { query: untrustedQuery }))).toBe('PERSISTED_QUERY_NOT_IN_LIST');
  });

  it('serves a known document by its exact text, by APQ hash and by documentId, over POST and GET', async () => {
    const answers = await Promise.all([
      post(router, { query: productNamesQuery }),
      post(router, { extensions: persisted(productNamesQuery) }),
      post(router, { documentId: sha256(productNamesQuery) }),
      get(router, { extensions: JSON.stringify(persisted(productNamesQuery)) }),
      get(router, { documentId: sha256(productNamesQuery), operationName: 'ProductNames' }),
      // An APQ client's second try (hash and text) of a listed document: served, not registered.
      post(router, { query: productNamesQuery, extensions: persisted(productNamesQuery) }),
    ]);
    for (const answer of answers) expect(answer).toEqual({ status: 200, body: { data: productNames } });
  });

  it('an unknown id is PERSISTED_QUERY_NOT_FOUND; a hash that is not the text sent is PERSISTED_QUERY_HASH_MISMATCH', async () => {
    const notFound = await post(router, { documentId: sha256('{ nope }') });
    expect(notFound.status).toBe(200);
    expect(codeOf(notFound)).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(codeOf(await post(router, { extensions: persisted('{ nope }') }))).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(codeOf(await get(router, { documentId: 'nope' }))).toBe('PERSISTED_QUERY_NOT_FOUND');
    const mismatch = await post(router, { query: productNamesQuery, extensions: persisted(untrustedQuery) });
    expect(mismatch.status).toBe(400);
    expect(codeOf(mismatch)).toBe('PERSISTED_QUERY_HASH_MISMATCH');
    expect(codeOf(await post(router, { query: untrustedQuery, documentId: sha256(productNamesQuery) }))).toBe('BAD_REQUEST');
  });

  it('APQ registration is no way around the list: hash + text of an unknown document is refused, and the hash stays unknown', async () => {
    const register = await post(router, { query: untrustedQuery, extensions: persisted(untrustedQuery) });
    expect(codeOf(register)).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    const getRegister = await get(router, { query: untrustedQuery, extensions: JSON.stringify(persisted(untrustedQuery)) });
    expect(codeOf(getRegister)).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    expect(codeOf(await post(router, { extensions: persisted(untrustedQuery) }))).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('graphql-ws: an unknown document is an `error` message; a known query and subscription are served by id', async () => {
    const refused = await subscribeRaw(router, { query: `subscription { orderUpdated(id: "${randomUUID()}") { id } }` });
    expect(refused).toEqual([
      { type: 'error', id: '1', payload: [expect.objectContaining({ extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' } })] },
    ]);
    expect(await subscribeRaw(router, { documentId: 'nope' })).toMatchObject([
      { type: 'error', payload: [{ extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] },
    ]);

    expect(await subscribeRaw(router, { documentId: sha256(productNamesQuery) })).toEqual([
      { type: 'next', id: '1', payload: { data: productNames } },
      { type: 'complete', id: '1' },
    ]);
    // The subscription ran: the orders subgraph itself answered that no such order exists.
    const token = await loginAs(stack.url);
    const subscription = await subscribeRaw(
      router,
      { extensions: persisted(orderUpdates), variables: { id: randomUUID() } },
      token,
    );
    expect(subscription[0]).toMatchObject({ type: 'next', payload: { errors: [{ extensions: { code: 'NOT_FOUND' } }] } });
    expect(subscription.at(-1)).toMatchObject({ type: 'complete' });
  });

  it('picks up a new manifest without a restart, and keeps the last good one when the file is bad', async () => {
    expect(codeOf(await post(router, { query: untrustedQuery }))).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    writeFileSync(path, apolloManifest([productNamesQuery, orderUpdates, untrustedQuery]));
    await eventually(() => reloads.at(-1) === 3, 'the manifest is reloaded');
    const served = await post(router, { documentId: sha256(untrustedQuery) });
    expect(served.body.errors).toBeUndefined();
    expect(served.body.data).toEqual({ products: { edges: [{ node: { name: 'Schema pen', price: { amount: 590 } } }] } });

    writeFileSync(path, '{ "format": "apollo-persisted-query-manifest", "version": 1, "operations": [ ');
    await new Promise((resolve) => setTimeout(resolve, 300)); // several polls
    expect(reloads.at(-1)).toBe(3);
    expect((await post(router, { query: untrustedQuery })).status).toBe(200);
  });
});

describe('trusted documents: log and off', () => {
  it('log: serves a document not in the manifest, and logs its hash once per minute', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const path = manifestFile('log.json', apolloManifest([productNamesQuery]));
    const router = await routerWith({ mode: 'log', path }, { logger });
    for (let i = 0; i < 3; i++) {
      const answer = await post(router, { query: productsQuery });
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
    }
    expect((await post(router, { query: productNamesQuery })).body).toEqual({ data: productNames });
    const untrusted = lines.filter((line) => line.msg === 'served a document that is not in the trusted documents manifest');
    expect(untrusted).toEqual([expect.objectContaining({ sha256: sha256(productsQuery) })]);
    // Outside enforce, Apollo's automatic persisted queries still work: register, then use the hash.
    expect(codeOf(await post(router, { extensions: persisted(untrustedQuery) }))).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await post(router, { query: untrustedQuery, extensions: persisted(untrustedQuery) })).status).toBe(200);
    expect((await post(router, { extensions: persisted(untrustedQuery) })).body.errors).toBeUndefined();
  });

  it("off: serves anything, and still resolves ids of the client preset's manifest (sha1 ids)", async () => {
    const path = manifestFile('off.json', JSON.stringify({ [sha1(productNamesQuery)]: productNamesQuery }));
    const router = await routerWith({ mode: 'off', path });
    expect((await post(router, { query: untrustedQuery })).body.errors).toBeUndefined();
    expect(await post(router, { documentId: sha1(productNamesQuery) })).toEqual({ status: 200, body: { data: productNames } });
    expect(await post(router, { extensions: persisted(productNamesQuery) })).toEqual({
      status: 200,
      body: { data: productNames },
    });
  });
});
