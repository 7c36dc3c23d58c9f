/**
 * The web app's static server on a folder shaped like Vite's output: files with their types and
 * cache lifetimes, `/config.json`, the app's page for client routes, nothing outside the folder.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sameHostRouterUrl, startWebServer, webOrigins, type RunningWebServer } from './web-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-web-'));
const page = '<!doctype html><title>Meridian</title><div id="root"></div>';
let web: RunningWebServer;

beforeAll(async () => {
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), page);
  writeFileSync(join(dir, 'assets/index-B3xk9Qz1.js'), 'console.log("app")');
  writeFileSync(join(dir, 'assets/index-C7pTq2aA.css'), 'body{margin:0}');
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(tmpdir(), 'meridian-web-secret.txt'), 'not for the web');
  web = await startWebServer({ dir, port: 0, routerUrl: sameHostRouterUrl('http://127.0.0.1:4000') });
});
afterAll(async () => {
  await web?.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(join(tmpdir(), 'meridian-web-secret.txt'), { force: true });
});

/** A raw GET: fetch would normalise `..` and set its own Host. */
function get(path: string, headers: Record<string, string> = {}) {
  const { port } = new URL(web.url);
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((done, fail) => {
    request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => done({ status: res.statusCode!, headers: res.headers, body }));
    })
      .on('error', fail)
      .end();
  });
}

describe('the web app server', () => {
  it('serves the bundle with its content types; hashed assets cached for a year, the page revalidated', async () => {
    const index = await get('/');
    expect(index).toMatchObject({ status: 200, body: page });
    expect(index.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
    expect(index.headers['x-content-type-options']).toBe('nosniff');

    const script = await get('/assets/index-B3xk9Qz1.js');
    expect(script.headers).toMatchObject({
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=31536000, immutable',
    });
    expect((await get('/assets/index-C7pTq2aA.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    const icon = await get('/favicon.svg');
    expect(icon.headers).toMatchObject({ 'content-type': 'image/svg+xml', 'cache-control': 'no-cache' });
  });

  it('answers client routes with the app page, and a missing file with 404', async () => {
    for (const route of ['/orders/8f14e45f', '/shop', '/documents/']) {
      const answer = await get(route);
      expect(answer, route).toMatchObject({ status: 200, body: page });
      expect(answer.headers['cache-control']).toBe('no-cache');
    }
    expect((await get('/assets/index-gone0000.js')).status).toBe(404);
    expect((await get('/robots.txt')).status).toBe(404);
  });

  it('tells the app where the router is, under the name the page was opened with', async () => {
    const config = await get('/config.json');
    expect(config.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' });
    expect(JSON.parse(config.body)).toEqual({ routerUrl: 'http://127.0.0.1:4000' });
    const asLocalhost = await get('/config.json', { host: 'localhost:5173' });
    expect(JSON.parse(asLocalhost.body)).toEqual({ routerUrl: 'http://localhost:4000' });
    // Any other name (a forged Host) gets the router's own address.
    const forged = await get('/config.json', { host: 'evil.example.net' });
    expect(JSON.parse(forged.body)).toEqual({ routerUrl: 'http://127.0.0.1:4000' });
  });

  it('serves nothing outside its folder, and only GET and HEAD', async () => {
    for (const path of [
      '/../meridian-web-secret.txt',
      '/%2e%2e/meridian-web-secret.txt',
      '/assets/..%2f..%2fmeridian-web-secret.txt',
    ]) {
      const answer = await get(path);
      expect(answer.body, path).not.toContain('not for the web');
    }
    expect((await get('/%E0%A4%A')).status).toBe(400);
    const post = await fetch(`${web.url}/`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    const head = await fetch(`${web.url}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(page.length));
  });

  it('refuses to start on a folder with no built app', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'meridian-web-empty-'));
    try {
      await expect(startWebServer({ dir: empty, port: 0, routerUrl: 'http://127.0.0.1:4000' })).rejects.toThrow(/build:web/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("names the app's origins for the router's CORS list: every loopback name on this machine", () => {
    const local = ['http://127.0.0.1:5173', 'http://localhost:5173', 'http://[::1]:5173'];
    expect(webOrigins('127.0.0.1', 5173)).toEqual(local);
    expect(webOrigins('0.0.0.0', 5173)).toEqual(local);
    expect(webOrigins('::1', 0)).toEqual(['http://127.0.0.1:*', 'http://localhost:*', 'http://[::1]:*']);
    expect(webOrigins('shop.example.com', 8080)).toEqual(['http://shop.example.com:8080']);
  });
});
