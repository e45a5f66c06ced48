import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { createUser, loginAdmin } from '../helpers/auth.js';
import { ADMIN_PASSWORD, api, startTestServer, type TestServer } from '../helpers/server.js';
import { checkPageLooks, openUi, SCREENSHOT_DIR, type UiSession } from '../helpers/ui.js';

// Page rendering does not depend on the database; the suites that change data run on both.
describe('web UI pages in Chromium: console, CSP, axe, phone width, screenshots', () => {
  let srv: TestServer;
  let browser: Browser;
  let ui: UiSession;

  before(async function () {
    this.timeout(60_000);
    browser = await launchBrowser(this);
    srv = await startTestServer(this, 'sqlite');
    const admin = await loginAdmin(srv);
    const dora = await createUser(srv, admin.accessToken, { username: 'dora', password: 'dora-password-1', quotaBytes: 50 * 1024 ** 2 });
    await api(srv.baseUrl, 'POST', '/api/files/mkdir', { token: dora.token, body: { path: '/home/Photos' } });
    await api(srv.baseUrl, 'POST', '/api/shares', { token: admin.accessToken, body: { name: 'media' } });
    await srv.nasd.hardware.telemetry.sampleNow();
    await srv.nasd.hardware.telemetry.sampleNow();
    ui = await openUi(browser, srv.baseUrl);
    console.log(`      (screenshots: ${SCREENSHOT_DIR})`);
  });
  after(async () => {
    await browser?.close();
    await srv?.close();
  });

  it('the sign-in page has a username field, no console errors and passes axe', async function () {
    this.timeout(30_000);
    await ui.page.goto('/');
    await ui.page.getByRole('heading', { name: 'Sign in to nasd' }).waitFor();
    expect(await ui.page.getAttribute('input[name=username]', 'autocomplete')).to.equal('username');
    await checkPageLooks(ui.page, 'login');
    expect(ui.problems).to.deep.equal([]);
  });

  const userPages: [string, string, string][] = [
    ['dashboard', '/', 'Hello, dora'],
    ['files', '/files/home', 'Files'],
    ['account', '/account', 'Account'],
    ['connect', '/connect', 'Connect a device'],
  ];
  it('every user page loads by its URL (reload keeps it) with no console errors or CSP violations', async function () {
    this.timeout(120_000);
    await ui.signIn('dora', 'dora-password-1');
    for (const [name, url, heading] of userPages) {
      await ui.page.goto(url);
      await ui.page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      if (name === 'connect') await ui.page.getByRole('button', { name: 'Windows' }).click();
      if (name === 'files') await ui.page.getByRole('link', { name: 'Photos' }).waitFor();
      await checkPageLooks(ui.page, name);
    }
    expect(ui.problems).to.deep.equal([]);
  });

  it('back and forward move between pages without a reload', async () => {
    await ui.page.goto('/files/home');
    await ui.page.getByRole('link', { name: 'Photos' }).click();
    await ui.page.waitForURL('**/files/home/Photos');
    await ui.page.getByRole('navigation', { name: 'Breadcrumbs' }).getByText('Photos').waitFor();
    await ui.page.goBack();
    await ui.page.waitForURL('**/files/home');
    await ui.page.getByRole('link', { name: 'Photos' }).waitFor();
    await ui.page.goForward();
    await ui.page.waitForURL('**/files/home/Photos');
    await ui.page.getByText('This folder is empty.').waitFor();
  });

  it('an unknown URL inside the UI says so instead of showing a blank page', async () => {
    await ui.page.goto('/files/home');
    await ui.page.evaluate(() => { history.pushState(null, '', '/nowhere'); dispatchEvent(new PopStateEvent('popstate')); });
    await ui.page.getByRole('heading', { name: 'Page not found' }).waitFor();
  });

  it('every admin page loads, passes axe and fits the phone width', async function () {
    this.timeout(120_000);
    await ui.page.getByRole('button', { name: 'Sign out' }).click();
    await ui.page.getByRole('heading', { name: 'Sign in to nasd' }).waitFor();
    await ui.signIn('admin', ADMIN_PASSWORD);
    const pages: [string, string, string][] = [['users', '/users', 'Users'], ['storage', '/storage', 'Storage health'], ['telemetry', '/telemetry', 'Telemetry'], ['audit', '/audit', 'Audit log']];
    for (const [name, url, heading] of pages) {
      await ui.page.goto(url);
      await ui.page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await ui.page.getByText('Loading…').first().waitFor({ state: 'detached' });
      if (name === 'telemetry') await ui.page.locator('svg.frappe-chart').first().waitFor();
      await checkPageLooks(ui.page, name);
    }
    expect(ui.problems).to.deep.equal([]);
  });

  it('the last admin cannot be disabled: the button says why before any click', async () => {
    await ui.page.goto('/users');
    const row = ui.page.locator('tbody tr').filter({ has: ui.page.getByText('admin', { exact: true }) });
    expect(await row.getByRole('button', { name: 'Disable' }).isDisabled()).to.equal(true);
    await row.getByText('The only enabled administrator cannot be disabled').waitFor();
  });
});
