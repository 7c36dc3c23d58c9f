/**
 * Documents in Chromium against the whole stack: a PNG receipt chosen in the page goes straight to the
 * object store with the presigned PUT (a cross-origin upload: preflight, then PUT), its extraction is
 * followed live, and the OCR'd text appears without a reload.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPassword, demoUsers, demoWarehouses } from '../../stack/src/demo-data.ts';
import {
  horizontalOverflow,
  productWithStock,
  screenshot,
  signIn,
  startBrowserStack,
  viewports,
  type BrowserStack,
  type Viewport,
} from './browser-harness.ts';

const receipt = fileURLToPath(new URL('../../subgraphs/documents/test-fixtures/receipt-scan.png', import.meta.url));
let web: BrowserStack;

beforeAll(async () => {
  web = await startBrowserStack();
}, 120_000);
afterAll(() => web?.stop());

describe('documents in Chromium', () => {
  it('uploads a PNG receipt from the page to the object store, shows the progress, then its OCR text', async () => {
    const page = await web.open('/signin');
    await signIn(page, demoUsers[1]!.email, demoPassword);
    const uploads: { method: string; status: number }[] = [];
    page.on('requestfinished', async (request) => {
      if (new URL(request.url()).port !== new URL(web.url).port && request.url().includes('X-Amz-Signature')) {
        uploads.push({ method: request.method(), status: (await request.response())?.status() ?? 0 });
      }
    });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Documents' }).click();
    await page.getByRole('heading', { name: 'Documents', level: 1 }).waitFor();
    await page.evaluate('window.__notReloaded = true');

    await page.getByLabel('File to upload').setInputFiles(receipt);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByRole('progressbar', { name: 'Upload progress' }).waitFor();
    const text = page.getByRole('region', { name: 'Extracted text of receipt-scan.png' });
    await text.waitFor({ timeout: 60_000 }); // OCR of one page: a few seconds, more on a busy machine
    expect(await text.textContent()).toContain('Meridian receipt number 42');
    expect(await page.evaluate('window.__notReloaded === true')).toBe(true);
    // The browser itself sent the bytes to the object store (its own origin): preflight allowed, PUT stored.
    expect(uploads).toContainEqual({ method: 'PUT', status: 200 });
    await screenshot(page, 'documents-processed');
    await page.close();
  }, 90_000);

  it('an admin adjusts stock in a warehouse picked by name, and the shop shows the new availability', async () => {
    const admin = demoUsers.find((u) => (u.roles as readonly string[]).includes('ADMIN'))!;
    const productId = await productWithStock(web, { name: 'Admin-counted lamp', units: 3 });
    const page = await web.open('/signin');
    await signIn(page, admin.email, demoPassword);
    await page.goto(`${web.url}/admin`);
    const form = page.getByRole('form', { name: 'Adjust stock' });
    await form.getByLabel('Product').selectOption(productId);
    await form.getByLabel('Warehouse').selectOption({ label: `${demoWarehouses[0]!.name} (${demoWarehouses[0]!.code})` });
    await form.getByLabel('Number of units').fill('4');
    await form.getByLabel('Reason').fill('Intake from the browser test');
    await form.getByRole('button', { name: 'Adjust stock' }).click();
    await form
      .getByRole('status')
      .filter({ hasText: `Admin-counted lamp: 7 on hand, 0 reserved in ${demoWarehouses[0]!.name}` })
      .waitFor();
    await page.goto(`${web.url}/`);
    await page
      .getByRole('list', { name: 'Products' })
      .getByRole('listitem')
      .filter({ hasText: 'Admin-counted lamp' })
      .getByText('7 in stock')
      .waitFor();
    await page.close();
  }, 60_000);

  it.each(Object.keys(viewports) as Viewport[])(
    'the documents and admin screens at %s size: screenshots, and no horizontal scroll on a phone',
    async (size) => {
      const admin = demoUsers.find((u) => (u.roles as readonly string[]).includes('ADMIN'))!;
      const page = await web.open('/signin', size);
      await signIn(page, admin.email, demoPassword);
      const overflows: Record<string, number> = {};
      for (const [path, name, heading] of [
        ['/documents', 'documents-admin', 'Documents'],
        ['/admin', 'admin', 'Admin'],
      ] as const) {
        await page.goto(`${web.url}${path}`);
        await page.getByRole('heading', { name: heading, level: 1, exact: true }).waitFor();
        await page.waitForLoadState('networkidle');
        await screenshot(page, name);
        overflows[name] = await horizontalOverflow(page);
      }
      if (size === 'phone') expect(overflows).toEqual({ 'documents-admin': 0, admin: 0 });
      await page.close();
    },
    60_000,
  );
});
