/**
 * Serves the built web app (`web/dist`, `npm run build:web`) on its own origin: the files with their
 * content types, `/config.json` telling the app where the router is, and `index.html` for every
 * client route (`/orders/42` is a page of the app, not a file). Vite names the files it bundles after
 * their content (`assets/index-3f2a9c.js`), so those are cached for a year; `index.html` and
 * `/config.json` are revalidated on every load, so a new build or router address is picked up at once.
 *
 * `npm start`, `npm run start:services`, the browser tests and the docker-compose `web` service
 * (`web.ts`) all serve the app through this module.
 */
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Where `npm run build:web` writes the app (`dist/web/dist` once compiled: `dist/` mirrors the repository). */
export const webDistDir = join(root, 'web/dist');

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
};

const yearLong = 'public, max-age=31536000, immutable';
const revalidate = 'no-cache';
/** Vite's output names: `name-<8+ chars of hash>.ext` under `assets/`. */
const hashedAsset = /^\/assets\/.+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;
const securityHeaders = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** Host names a page on this machine may be opened as: the router is then reached by the same name. */
const loopbackNames = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface WebServerOptions {
  /** The built app (default `web/dist`). */
  dir?: string;
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /**
   * The router as the browser reaches it, written into `/config.json`. A page opened as `localhost`
   * rather than `127.0.0.1` gets the router under that name too (a function of the page's host name),
   * so the refresh cookie stays same-site.
   */
  routerUrl: string | ((pageHostname: string) => string);
}

export interface RunningWebServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * The router's URL under the page's own host name when both are on this machine: `http://127.0.0.1:4000`
 * for a page opened at `http://localhost:5173` becomes `http://localhost:4000`.
 */
export function sameHostRouterUrl(routerUrl: string): (pageHostname: string) => string {
  const router = new URL(routerUrl);
  return (pageHostname) => {
    if (!loopbackNames.has(router.hostname) || !loopbackNames.has(pageHostname)) return router.origin;
    return `${router.protocol}//${pageHostname}:${router.port}`;
  };
}

/**
 * The origins of the app served on `host:port`, for the router's CORS list: a page on this machine
 * may be opened as `127.0.0.1`, `localhost` or `[::1]`. Port 0 (any free port) gives `:*`.
 */
export function webOrigins(host: string, port: number): string[] {
  const shownPort = port === 0 ? '*' : String(port);
  const named = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const local = host === '0.0.0.0' || host === '::' || loopbackNames.has(named);
  return local ? [...loopbackNames].map((name) => `http://${name}:${shownPort}`) : [`http://${named}:${shownPort}`];
}

/** Starts serving `dir`; throws when it holds no `index.html` (build the app first: `ensureWebBuild`, web-build.ts). */
export async function startWebServer(options: WebServerOptions): Promise<RunningWebServer> {
  const dir = resolve(options.dir ?? webDistDir);
  const indexPath = join(dir, 'index.html');
  if (!existsSync(indexPath)) throw new Error(`${indexPath} is missing: build the web app (npm run build:web)`);
  const routerUrlFor = typeof options.routerUrl === 'string' ? () => options.routerUrl as string : options.routerUrl;

  const server = createServer((req, res) => {
    serve(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Internal error');
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', ...securityHeaders });
      res.end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://web');
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      return send(req, res, 400, { 'content-type': 'text/plain; charset=utf-8' }, 'Bad path');
    }
    if (path === '/config.json') {
      const hostname = new URL(`http://${req.headers.host ?? 'web'}`).hostname;
      const body = JSON.stringify({ routerUrl: routerUrlFor(hostname) });
      return send(req, res, 200, { 'content-type': contentTypes['.json']!, 'cache-control': revalidate, vary: 'Host' }, body);
    }
    const file = resolve(dir, `.${path}`);
    if (file !== dir && !file.startsWith(dir + sep)) {
      return send(req, res, 404, { 'content-type': 'text/plain; charset=utf-8' }, 'Not found');
    }
    const found = await stat(file).catch(() => null);
    if (found?.isFile()) {
      const cache = hashedAsset.test(path) ? yearLong : revalidate;
      return sendFile(req, res, file, found.size, cache);
    }
    // A client route (no file extension) is the app's page; a missing file is missing.
    if (extname(path) === '' || path.endsWith('/')) {
      const index = await stat(indexPath);
      return sendFile(req, res, indexPath, index.size, revalidate);
    }
    return send(req, res, 404, { 'content-type': 'text/plain; charset=utf-8' }, 'Not found');
  }

  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(options.port, options.host ?? '127.0.0.1', () => ready());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host && options.host !== '0.0.0.0' && options.host !== '::' ? options.host : '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    stop: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

function send(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string>, body: string) {
  res.writeHead(status, { ...securityHeaders, ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendFile(req: IncomingMessage, res: ServerResponse, file: string, size: number, cache: string) {
  res.writeHead(200, {
    ...securityHeaders,
    'content-type': contentTypes[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': size,
    'cache-control': cache,
  });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}
