import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { describeEachDb } from '../helpers/db.js';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

describeEachDb('admin UI in Chromium', (kind) => {
  let srv: TestServer;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  before(async function () {
    this.timeout(60_000);
    browser = await launchBrowser(this);
    srv = await startTestServer(this, kind);
    page = await browser.newPage();
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(e.message));
  });
  after(async () => {
    await browser?.close();
    await srv?.close();
  });

  /** Each test can run alone (-g): the ones that need a session sign in when the page has none. */
  async function signedIn(): Promise<void> {
    if (await page.locator('.who').isVisible().catch(() => false)) return;
    await page.goto(`${srv.baseUrl}/`);
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', ADMIN_PASSWORD);
    await page.click('button[type=submit]');
    await page.locator('.who').waitFor();
  }

  it('loads with no script errors and no CSP violations, and shows the sign-in form', async () => {
    await page.goto(`${srv.baseUrl}/`);
    await page.getByRole('heading', { name: 'Sign in to nasd' }).waitFor();
    expect(consoleErrors).to.deep.equal([]);
  });

  it('refuses a wrong password with the server message', async () => {
    await page.goto(`${srv.baseUrl}/`);
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', 'not-the-password');
    await page.click('button[type=submit]');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).to.match(/\S/);
  });

  it('signs the first admin in and shows the dashboard', async () => {
    await page.goto(`${srv.baseUrl}/`);
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', ADMIN_PASSWORD);
    await page.click('button[type=submit]');
    await page.getByRole('heading', { name: 'Hello, admin' }).waitFor();
    expect(await page.textContent('.who')).to.contain('admin');
  });

  it('creates a user from the Users page', async () => {
    await signedIn();
    await page.click('nav a[href="/users"]');
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Create user' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('User name').fill('carol');
    await dialog.getByLabel('Type it').check();
    await dialog.getByLabel('New password').fill('carol-password-1');
    await dialog.getByRole('button', { name: 'Create user' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('td', { hasText: 'carol' }).first().waitFor();
  });

  it('shows storage health from the simulated hardware, with a clean RAID1 md0 and a failing disk', async () => {
    await signedIn();
    await page.click('nav a[href="/storage"]');
    await page.getByRole('heading', { name: 'Storage health', level: 1 }).waitFor();
    await page.locator('article.raid', { hasText: 'md0' }).locator('.badge.ok', { hasText: 'active' }).first().waitFor();
    await page.locator('.badge.failing').first().waitFor();
  });

  it('draws telemetry charts with frappe-charts from stored samples', async () => {
    await signedIn();
    await srv.nasd.hardware.telemetry.sampleNow();
    await srv.nasd.hardware.telemetry.sampleNow();
    await page.click('nav a[href="/telemetry"]');
    await page.getByRole('heading', { name: 'Telemetry' }).waitFor();
    await page.locator('svg.frappe-chart').first().waitFor();
    expect(await page.locator('svg.frappe-chart').count()).to.equal(3);
  });

  it('shows the audit log with the sign-in events', async () => {
    await signedIn();
    consoleErrors.length = 0; // this test answers for the audit page only
    await page.click('nav a[href="/audit"]');
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await page.locator('td', { hasText: 'auth.login' }).first().waitFor();
    expect(consoleErrors.filter((e) => !/401|429/.test(e))).to.deep.equal([]);
  });
});
