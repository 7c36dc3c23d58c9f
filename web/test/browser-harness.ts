/**
 * What the browser tests run on: the whole supergraph in this process on the machine's PostgreSQL and
 * Redis (a fresh database per subgraph and a Redis namespace, both dropped afterwards, as the other
 * integration tests do), the built web app (`web/dist`, built once per run) served on a free port with
 * its `/config.json`, and Debian's Chromium driven by playwright-core — no browser download.
 *
 * Pages come at the two sizes the app is made for (1280×800 and 390×844), each in its own browser
 * context (its own cookies: one signed-in customer per page). Screenshots go to
 * `.artifacts/screenshots/<name>-<width>x<height>.png` (kept as test artifacts, not committed).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { dropRedisNamespace, testRedisUrl } from '#kit/testing';
import {
  adjustDemoStock,
  createProductWithStock,
  mintAccessTokens,
  routerOptionsOn,
  startTestStack,
  type TestStack,
} from '../../stack/src/test-stack.ts';
import { startRouter } from '../../router/src/router.ts';
import { ensureWebBuild } from '../../stack/src/web-build.ts';
import { startWebServer, type RunningWebServer } from '../../stack/src/web-server.ts';
import { createSimulatedProvider, type PaymentProvider } from '../../subgraphs/payments/src/index.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const screenshotDir = join(root, '.artifacts/screenshots');

/** The browser: Debian's `chromium` package (`.ci/run` installs it when missing). */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const viewports = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;
export type Viewport = keyof typeof viewports;

/**
 * The simulated card processor, with a hand on it: while `hold()` is in force, charges wait (the
 * order stays RESERVED) until `release()` — how a test keeps an order open across a token's expiry.
 */
export interface HeldPayments extends PaymentProvider {
  hold(): void;
  release(): void;
}

function heldPayments(): HeldPayments {
  const processor = createSimulatedProvider();
  let gate: { promise: Promise<void>; open: () => void } | undefined;
  return {
    name: processor.name,
    async charge(request, options) {
      await gate?.promise;
      return processor.charge(request, options);
    },
    refund: (request, options) => processor.refund(request, options),
    hold() {
      let open = () => {};
      const promise = new Promise<void>((resolve) => (open = resolve));
      gate ??= { promise, open };
    },
    release() {
      gate?.open();
      gate = undefined;
    },
  };
}

export interface BrowserStackOptions {
  /** Lifetime of the access tokens the auth subgraph issues (default 15 minutes). */
  accessTokenTtlSeconds?: number;
}

export interface BrowserStack {
  stack: TestStack;
  web: RunningWebServer;
  browser: Browser;
  /** The web app's origin, e.g. `http://127.0.0.1:41234`. */
  url: string;
  payments: HeldPayments;
  /** An access token with the ADMIN role, for setting the scene through the API. */
  adminToken: string;
  /**
   * The public router (`stack.url`) serves only the web app's trusted documents (`enforce`, the
   * manifest the client preset writes), as in production: what the tests do themselves goes through
   * this second router on the same subgraphs, without that list.
   */
  apiUrl: string;
  /** A new page at `size` in a browser context of its own (own cookies), at `path` of the app. */
  open(path: string, size?: Viewport): Promise<Page>;
  stop(): Promise<void>;
}

/**
 * Starts the stack, the web server and Chromium. Builds `web/dist` first when it is missing or older
 * than its sources (once per run: parallel test files wait for the first one's build).
 */
export async function startBrowserStack(options: BrowserStackOptions = {}): Promise<BrowserStack> {
  await ensureWebBuild({ quiet: true });
  const namespace = `test-web-${randomUUID().slice(0, 8)}`;
  const payments = heldPayments();
  const stops: (() => Promise<unknown>)[] = [() => dropRedisNamespace(namespace)];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => undefined);
  };
  try {
    const stack = await startTestStack({
      redisUrl: testRedisUrl,
      eventsNamespace: namespace,
      tuning: {
        auth: { accessTokenTtlSeconds: options.accessTokenTtlSeconds },
        // A held charge may wait far longer than a real processor's answer.
        payments: { provider: payments, providerPolicy: { attempts: 3, timeoutMs: 120_000, backoffMs: 100 } },
      },
      trustedDocuments: { mode: 'enforce', path: join(root, 'web/src/gql/persisted-documents.json') },
    });
    stops.push(() => stack.stop());
    const api = await startRouter(routerOptionsOn(stack));
    stops.push(() => api.stop());
    const web = await startWebServer({ port: 0, routerUrl: stack.url });
    stops.push(() => web.stop());
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    stops.push(() => browser.close());
    const adminToken = (await mintAccessTokens(stack.databaseUrls.auth, 1, ['CUSTOMER', 'ADMIN']))[0]!.token;
    return {
      stack,
      web,
      browser,
      url: web.url,
      payments,
      adminToken,
      apiUrl: api.url,
      async open(path, size = 'desktop') {
        const context = await browser.newContext({ viewport: viewports[size] });
        const page = await context.newPage();
        page.on('close', () => void context.close().catch(() => undefined));
        await page.goto(new URL(path, web.url).toString());
        return page;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Saves `page` as `.artifacts/screenshots/<name>-<width>x<height>.png` (the whole page) and returns the path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const size = page.viewportSize();
  const path = join(screenshotDir, `${name}-${size?.width}x${size?.height}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** How far the page is wider than the window (0: no horizontal scroll). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return Math.max(0, (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number);
}

/** A new product with `units` in the first demo warehouse, through the admin API; returns its id. */
export function productWithStock(
  stack: BrowserStack,
  product: { name: string; units: number; priceAmount?: number },
): Promise<string> {
  return createProductWithStock(stack.apiUrl, stack.adminToken, {
    priceAmount: 1200,
    ...product,
    skuPrefix: 'WEB',
    reason: 'browser test',
  });
}

/** Adds (or with a negative `delta` removes) units of a product in the first demo warehouse. */
export function adjustStock(stack: BrowserStack, productId: string, delta: number): Promise<void> {
  return adjustDemoStock(stack.apiUrl, stack.adminToken, productId, delta, 'browser test');
}

/** Signs in through the app's form (the router's cookie route) and waits until the shop shows the signed-in menu. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  if (!new URL(page.url()).pathname.startsWith('/signin')) await page.goto(new URL('/signin', page.url()).toString());
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Orders' }).waitFor();
}
