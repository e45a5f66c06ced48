import { expect } from 'chai';
import { generate } from 'otplib';
import type { Browser, Request } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { createUser, loginAdmin } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { openUi, type UiSession } from '../helpers/ui.js';
import { dav } from '../helpers/webdav.js';

const TTL_SECONDS = 60; // the shortest access-token lifetime the config allows

describeEachDb('web UI Account and Connect in Chromium', (kind) => {
  let srv: TestServer;
  let browser: Browser;
  let ui: UiSession;
  let racer: UiSession;
  let racerSignedInAt = 0;
  const racerRefreshes: Request[] = [];

  before(async function () {
    this.timeout(60_000);
    browser = await launchBrowser(this);
    srv = await startTestServer(this, kind, { auth: { accessTokenTtlSeconds: TTL_SECONDS } });
    const admin = await loginAdmin(srv);
    await createUser(srv, admin.accessToken, { username: 'fay', password: 'fay-password-1' });
    await createUser(srv, admin.accessToken, { username: 'gus', password: 'gus-password-1' });
    // Signed in first so its access token has expired by the last test, without a separate wait.
    racer = await openUi(browser, srv.baseUrl);
    // As in a background tab: the nav badge's alert poll pauses while the page is hidden, so its
    // 30 s poll cannot refresh the token before the test's burst of calls.
    // (a string: a function would be shipped as compiled by the test loader, with helpers the page lacks)
    await racer.page.addInitScript({ content: "Object.defineProperty(document, 'visibilityState', { get: () => 'hidden' });" });
    await racer.signIn('gus', 'gus-password-1');
    racerSignedInAt = Date.now();
    racer.page.on('request', (r) => { if (r.url().endsWith('/api/auth/refresh')) racerRefreshes.push(r); });
    // A page without polls of its own, so nothing refreshes before the test's burst of calls.
    await racer.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Connect a device' }).click();
    await racer.page.getByRole('heading', { name: 'Connect a device' }).waitFor();
    ui = await openUi(browser, srv.baseUrl);
    await ui.signIn('fay', 'fay-password-1');
  });
  after(async () => {
    await browser?.close();
    await srv?.close();
  });

  it('an app password created in the Connect wizard works for WebDAV, and stops working once revoked', async function () {
    this.timeout(30_000);
    const page = ui.page;
    await page.goto('/connect');
    await page.getByRole('button', { name: 'Linux' }).click();
    await page.getByText(`${srv.baseUrl}/dav/ /mnt/nas davfs`).waitFor();
    await page.getByLabel('Device or app name').fill('Laptop');
    await page.getByLabel('Your account password').fill('fay-password-1');
    await page.getByRole('button', { name: 'Create app password' }).click();
    const secret = (await page.getByTestId('app-password').textContent())!.trim();
    expect(secret).to.have.length.greaterThan(10);
    const propfind = await dav(srv.baseUrl, 'PROPFIND', '/dav/home/', { auth: ['fay', secret], headers: { Depth: '0' } });
    expect(propfind.status).to.equal(207);

    await page.goto('/account');
    const row = page.locator('tr', { hasText: 'Laptop' });
    await row.getByRole('button', { name: 'Revoke' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).to.contain('“Laptop” lose access');
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await row.waitFor({ state: 'detached' });
    expect((await dav(srv.baseUrl, 'PROPFIND', '/dav/home/', { auth: ['fay', secret], headers: { Depth: '0' } })).status).to.equal(401);
  });

  it('changing the password asks for the current one and shows the server message when it is wrong', async function () {
    this.timeout(20_000);
    const page = ui.page;
    await page.goto('/account');
    const form = page.getByRole('form', { name: 'Change password' });
    await form.getByLabel('Current password').fill('not-my-password');
    await form.getByLabel('New password', { exact: true }).fill('fay-password-2');
    await form.getByLabel('New password again').fill('fay-password-2');
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByRole('alert').waitFor();
    await form.getByLabel('Current password').fill('fay-password-1');
    await form.getByRole('button', { name: 'Change password' }).click();
    await page.locator('.notice', { hasText: 'Password changed' }).waitFor();
    expect((await api(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'fay', password: 'fay-password-2' } })).status).to.equal(200);
    expect((await api(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'fay', password: 'fay-password-1' } })).status).to.equal(401);
  });

  it('2FA enrolment end to end: QR and key, a typed TOTP code, recovery codes once, then sign-in needs the second step', async function () {
    this.timeout(40_000);
    // A user of its own, so this test does not depend on another test's password change.
    await createUser(srv, (await loginAdmin(srv)).accessToken, { username: 'hal', password: 'hal-password-1' });
    const own = await openUi(browser, srv.baseUrl);
    await own.signIn('hal', 'hal-password-1');
    const page = own.page;
    await page.goto('/account');
    await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
    await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
    const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
    await page.getByRole('form', { name: 'Confirm two-factor code' }).getByLabel('Your account password').fill('hal-password-1');
    await page.getByLabel('Code from the app').fill('000000');
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.locator('section[aria-labelledby=tfa-title] [role=alert]').waitFor();
    await page.getByLabel('Code from the app').fill(await generate({ secret }));
    await page.getByRole('button', { name: 'Turn on' }).click();
    const codes = page.getByTestId('recovery-codes').locator('li');
    await codes.first().waitFor();
    expect(await codes.count()).to.equal(10);
    const recovery = (await codes.first().textContent())!.trim();
    await page.getByRole('button', { name: 'I saved them' }).click();
    await page.getByText('unused recovery codes left').waitFor();
    expect(await page.getByTestId('recovery-codes').count(), 'the codes are shown only once').to.equal(0);

    await page.locator('.signout').click();
    await page.fill('input[autocomplete=username]', 'hal');
    await page.fill('input[name=password]', 'hal-password-1');
    await page.click('button[type=submit]');
    await page.getByLabel('Authenticator code or recovery code').fill(recovery);
    await page.click('button[type=submit]');
    await page.locator('.who').waitFor();
    const me = await api(srv.baseUrl, 'GET', '/api/users', { token: (await loginAdmin(srv)).accessToken });
    expect(me.body.items.find((u: { username: string }) => u.username === 'hal').totpEnabled).to.equal(true);
    await own.context.close();
  });

  it('refresh race: parallel calls after the access token expired share one refresh, stay signed in, and leave no reuse event', async function () {
    this.timeout(TTL_SECONDS * 1000 + 60_000);
    const wait = racerSignedInAt + (TTL_SECONDS + 2) * 1000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const page = racer.page;
    expect(racerRefreshes.length).to.equal(0);
    // The dashboard fires five API calls at once; every one of them meets the expired token.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    await page.getByRole('heading', { name: 'Hello, gus' }).waitFor();
    await page.getByText('Storage used:').waitFor();
    expect(racerRefreshes.length, 'one refresh for all parallel callers').to.equal(1);
    expect(await page.locator('.who').textContent()).to.contain('gus');
    const audit = await api(srv.baseUrl, 'GET', '/api/audit?action=auth.refresh.reuse', { token: (await loginAdmin(srv)).accessToken });
    expect(audit.status).to.equal(200);
    expect(audit.body.total).to.equal(0);
    expect(racer.problems.filter((p) => !/401/.test(p))).to.deep.equal([]);
  });
});
