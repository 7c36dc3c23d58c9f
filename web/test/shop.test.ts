/**
 * The web app in headless Chromium against the whole stack: signing in, the order saga seen live on
 * the order page, the reasons an order fails, an access token expiring under an open order page,
 * another customer's order, and the layout at phone size. Screenshots of each screen at both sizes
 * land in `.artifacts/screenshots/`.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPassword, demoUsers } from '../../stack/src/demo-data.ts';
import { graphql, loginAs, placeOrder } from '../../stack/src/test-stack.ts';
import {
  adjustStock,
  horizontalOverflow,
  productWithStock,
  screenshot,
  signIn,
  startBrowserStack,
  viewports,
  type BrowserStack,
  type Viewport,
} from './browser-harness.ts';

/** Short-lived access tokens: the session refreshes them every few seconds, and one test outlives one. */
const accessTokenTtlSeconds = 12;
const [ada, grace] = [demoUsers[0]!, demoUsers[1]!];
let web: BrowserStack;

beforeAll(async () => {
  web = await startBrowserStack({ accessTokenTtlSeconds });
}, 120_000);
afterAll(() => web?.stop());

/** A signed-in page for a demo customer at `size`. */
async function signedIn(user = ada, size: Viewport = 'desktop'): Promise<Page> {
  const page = await web.open('/signin', size);
  await signIn(page, user.email, demoPassword);
  return page;
}

/** Adds `quantity` of the product named `name` from the shop to the cart (in-app navigation, no reload). */
async function addToCart(page: Page, name: string, quantity = 1): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Shop' }).click();
  const product = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name, exact: true }) });
  await product.getByRole('spinbutton', { name: `Quantity of ${name}` }).fill(String(quantity));
  await product.getByRole('button', { name: `Add ${name} to cart` }).click();
}

/** Checks out the cart with `card` and waits for the order's page; returns the order id. */
async function checkout(page: Page, card: string): Promise<string> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Cart/ }).click();
  await page.getByLabel('Card').selectOption(card);
  await page.getByRole('button', { name: 'Place order' }).click();
  await page.waitForURL(/\/orders\/[^/]+$/);
  return new URL(page.url()).pathname.split('/').pop()!;
}

/** Waits until the order page's status line reads `status`. */
const statusIs = (page: Page, status: string, timeout = 15_000) =>
  page
    .getByRole('status')
    .filter({ hasText: `Status: ${status}` })
    .waitFor({ timeout });

/** A mark in the page's memory: still there later means the page was never reloaded. */
const markPage = (page: Page) => page.evaluate('window.__notReloaded = true');
const stillSamePage = async (page: Page) => (await page.evaluate('window.__notReloaded === true')) as boolean;

describe('the web app in Chromium', () => {
  it('signs in with the cookie session: the refresh token is in an HttpOnly cookie, not in storage, and a reload stays signed in', async () => {
    const page = await signedIn(ada, 'desktop');
    await page.getByRole('list', { name: 'Products' }).waitFor();
    await screenshot(page, 'shop');
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'meridian_refresh')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
      path: '/auth',
    });
    const storage = (await page.evaluate(
      'JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])',
    )) as string;
    expect(storage).not.toMatch(/eyJ|refresh/i); // no JWT, no refresh token
    await page.reload();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: ada.displayName }).waitFor();
    await page.close();
  });

  it('runs on trusted documents only: the router it calls refuses any operation the app does not ship', async () => {
    const refused = await graphql(web.stack.url, '{ products(first: 1) { edges { node { id } } } }');
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
  });

  it('an order placed in the shop reaches CONFIRMED on its page without a reload', async () => {
    await productWithStock(web, { name: 'Brass desk lamp', units: 5 });
    const page = await signedIn(ada, 'phone');
    web.payments.hold(); // the charge waits: the page is open before the order moves on
    try {
      await addToCart(page, 'Brass desk lamp', 2);
      await checkout(page, 'tok_visa');
      await statusIs(page, 'RESERVED');
      await markPage(page);
    } finally {
      web.payments.release();
    }
    await statusIs(page, 'CONFIRMED');
    expect(await stillSamePage(page)).toBe(true);
    await page.getByRole('list', { name: 'Order items' }).getByText('2 × Brass desk lamp').waitFor();
    await page.getByRole('complementary', { name: 'Payment' }).getByText('SUCCEEDED', { exact: true }).waitFor();
    await screenshot(page, 'order');
    await page.close();
  });

  it('a declined card cancels the order, and the page says the card was refused', async () => {
    await productWithStock(web, { name: 'Walnut tray', units: 5 });
    const page = await signedIn(ada);
    await addToCart(page, 'Walnut tray');
    await checkout(page, 'tok_decline');
    await statusIs(page, 'CANCELLED');
    await page.getByText('Payment declined: the card was refused.').waitFor();
    await page.getByText('The card was declined').first().waitFor(); // the processor's own words
    await screenshot(page, 'order-declined');
    await page.close();
  });

  it('an order for stock that went meanwhile is cancelled as out of stock, and the shop shows the product as out of stock', async () => {
    const productId = await productWithStock(web, { name: 'Last linen towel', units: 1 });
    const page = await signedIn(ada);
    await addToCart(page, 'Last linen towel');
    await adjustStock(web, productId, -1); // someone else took the last one
    await checkout(page, 'tok_visa');
    await statusIs(page, 'CANCELLED');
    await page.getByText('Out of stock: there were not enough units for this order.').waitFor();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Shop' }).click();
    const product = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Last linen towel' }) });
    await product.getByText('Out of stock').waitFor();
    expect(await product.getByRole('button', { name: 'Add Last linen towel to cart' }).isDisabled()).toBe(true);
    await page.close();
  });

  it(`keeps an order page live while its access token expires (${accessTokenTtlSeconds} s tokens, refreshed and sent over the open socket)`, async () => {
    await productWithStock(web, { name: 'Slow-paid kettle', units: 3 });
    const page = await signedIn(ada);
    const signedInAt = Date.now();
    const sockets: { closed: boolean }[] = [];
    page.on('websocket', (socket) => {
      const seen = { closed: false };
      socket.on('close', () => (seen.closed = true));
      sockets.push(seen);
    });
    let refreshes = 0;
    page.on('requestfinished', (request) => void (new URL(request.url()).pathname === '/auth/refresh' && (refreshes += 1)));

    web.payments.hold();
    try {
      await addToCart(page, 'Slow-paid kettle');
      await checkout(page, 'tok_visa');
      await statusIs(page, 'RESERVED');
      await markPage(page);
      // Past the lifetime of the token the page signed in with, and of the socket's first one.
      await page.waitForTimeout(Math.max(0, signedInAt + (accessTokenTtlSeconds + 3) * 1000 - Date.now()));
      expect(refreshes).toBeGreaterThanOrEqual(1);
      expect(sockets.length).toBe(1);
      expect(sockets[0]!.closed).toBe(false);
      expect(await page.getByText('Live updates stopped.').count()).toBe(0);
    } finally {
      web.payments.release();
    }
    await statusIs(page, 'CONFIRMED');
    expect(await stillSamePage(page)).toBe(true);
    expect(
      await page
        .getByRole('alert')
        .filter({ hasText: /session expired/i })
        .count(),
    ).toBe(0);
    await page.close();
  }, 60_000);

  it("shows another customer's order as not found", async () => {
    const productId = await productWithStock(web, { name: 'Private parcel', units: 2 });
    const { id } = await placeOrder(web.apiUrl, await loginAs(web.apiUrl, ada.email), { productId });
    const page = await signedIn(grace);
    await page.goto(`${web.url}/orders/${id}`);
    await page.getByRole('heading', { name: 'Order not found' }).waitFor();
    expect(await page.getByText('Private parcel').count()).toBe(0);
    await page.close();
  });

  it.each(Object.keys(viewports) as Viewport[])(
    'the main screens at %s size: screenshots, and no horizontal scroll on a phone',
    async (size) => {
      const mug = `Screen test mug (${size})`;
      await productWithStock(web, { name: mug, units: 10 });
      const page = await web.open('/signin', size);
      const overflows: Record<string, number> = {};
      const visit = async (name: string, heading: string | RegExp) => {
        await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
        await screenshot(page, name);
        overflows[name] = await horizontalOverflow(page);
      };
      const go = async (path: string, name: string, heading: string | RegExp) => {
        await page.goto(`${web.url}${path}`);
        await visit(name, heading);
      };

      await visit('sign-in', 'Sign in');
      await go('/signup', 'sign-up', 'Create an account');
      await signIn(page, ada.email, demoPassword);
      await go('/', 'shop-signed-in', 'Shop');
      await addToCart(page, mug, 3);
      await go('/cart', 'cart', 'Cart');
      await page.getByRole('button', { name: 'Place order' }).waitFor();
      await screenshot(page, 'cart');
      await page.getByRole('button', { name: 'Place order' }).click();
      await page.waitForURL(/\/orders\/[^/]+$/);
      await visit('order-page', 'Order');
      await statusIs(page, 'CONFIRMED');
      overflows['order-page'] = Math.max(overflows['order-page']!, await horizontalOverflow(page));
      await go('/orders', 'orders', 'Your orders');
      await page.getByRole('list', { name: 'Orders' }).waitFor();
      overflows.orders = Math.max(overflows.orders!, await horizontalOverflow(page));
      await go('/account', 'account', 'Account');
      await go('/documents', 'documents', 'Documents');
      await go('/no/such/page', 'not-found', 'Page not found');

      if (size === 'phone') expect(overflows).toEqual(Object.fromEntries(Object.keys(overflows).map((k) => [k, 0])));
      await page.close();
    },
    60_000,
  );
});
