import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { describeEachDb } from '../helpers/db.js';
import { createUser, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { ADMIN_PASSWORD, api, startTestServer, type TestServer } from '../helpers/server.js';
import { dav } from '../helpers/webdav.js';
import { checkPageLooks, openUi, type UiSession } from '../helpers/ui.js';

describeEachDb('web UI admin cockpit, people (Users, Shares, Settings, Dashboard, nav) in Chromium', (kind) => {
  let srv: TestServer;
  let browser: Browser;
  let ui: UiSession;
  let adminToken: string;
  let dora: CreatedUser;

  before(async function () {
    this.timeout(60_000);
    browser = await launchBrowser(this);
    srv = await startTestServer(this, kind);
    adminToken = (await loginAdmin(srv)).accessToken;
    dora = await createUser(srv, adminToken, { username: 'dora', password: 'dora-password-1' });
    const team = await api(srv.baseUrl, 'POST', '/api/shares', { token: adminToken, body: { name: 'team', description: 'Shared by the office', recycleBin: true } });
    expect(team.status).to.equal(201);
    expect((await dav(srv.baseUrl, 'PUT', '/dav/team/plan.txt', { auth: ['admin', ADMIN_PASSWORD], body: 'the plan' })).status).to.equal(201);
    await srv.nasd.hardware.telemetry.sampleNow();
    await srv.nasd.hardware.telemetry.sampleNow();
    ui = await openUi(browser, srv.baseUrl);
    await ui.signIn('admin', ADMIN_PASSWORD);
  });
  after(async () => {
    await browser?.close();
    await srv?.close();
  });

  const page = () => ui.page;
  const dialog = () => page().getByRole('dialog');
  const usersRow = (name: string) => page().locator('tbody tr').filter({ has: page().getByText(name, { exact: true }) });

  it('groups the admin pages under "Administration" in the nav, also as the phone menu', async function () {
    this.timeout(30_000);
    await page().goto('/');
    const admin = page().getByRole('list', { name: 'Administration' });
    for (const name of ['Users', 'Shares', 'Settings']) await admin.getByRole('link', { name }).waitFor();
    await page().setViewportSize({ width: 390, height: 844 });
    expect(await admin.isVisible()).to.equal(false);
    await page().getByRole('button', { name: 'Menu' }).click();
    await admin.getByRole('link', { name: 'Shares' }).click();
    await page().getByRole('heading', { name: 'Shares', level: 1 }).waitFor();
    expect(await admin.isVisible(), 'the menu closes after navigating').to.equal(false);
    await page().setViewportSize({ width: 1440, height: 900 });
  });

  it('each page loads clean (axe, console, CSP) at 390 and 1440 px, light and dark', async function () {
    this.timeout(180_000);
    const pages: [string, string, string, string][] = [
      ['admin-dashboard', '/', 'Hello, admin', 'svg.frappe-chart'],
      ['admin-users', '/users', 'Users', 'text=dora'],
      ['admin-shares', '/shares', 'Shares', 'text=Shared by the office'],
      ['admin-settings', '/settings', 'Settings', 'text=NASD_METRICS_TOKEN'],
    ];
    for (const [name, url, heading, ready] of pages) {
      await page().goto(url);
      await page().getByRole('heading', { name: heading, level: 1 }).waitFor();
      await page().locator(ready).first().waitFor();
      await page().getByText('Loading…').first().waitFor({ state: 'detached' });
      await checkPageLooks(page(), name);
    }
    expect(ui.problems).to.deep.equal([]);
  });

  it('the dashboard shows capacity, top consumers and health that links to the explaining page', async () => {
    await page().goto('/');
    const health = page().getByRole('region', { name: 'Health' });
    // the simulated sdd is failing: its line links to the disk's own page
    const failing = health.getByRole('link', { name: /sdd .*failing/ });
    expect(await failing.getAttribute('href')).to.equal('/storage/disks/sdd');
    expect(await health.getByRole('link', { name: /sdb .*warning/ }).getAttribute('href')).to.equal('/storage/disks/sdb');
    await health.getByText(/md0 \(raid1\) active/).waitFor();
    const capacity = page().getByRole('region', { name: 'Capacity' });
    await capacity.getByText(/free$/).first().waitFor();
    await capacity.getByText('dora', { exact: false }).first().waitFor();
    await page().getByText(/^nasd \S+$/).waitFor();
  });

  it('a quota changed in the UI is enforced on WebDAV right after the save', async function () {
    this.timeout(30_000);
    expect((await dav(srv.baseUrl, 'PUT', '/dav/home/big.bin', { auth: ['dora', dora.password], body: Buffer.alloc(2 * 1024 * 1024) })).status).to.equal(201);
    await page().goto('/users');
    await usersRow('dora').getByRole('button', { name: 'Edit' }).click();
    await dialog().getByLabel('Amount').fill('1');
    await dialog().getByLabel('Unit').selectOption('MiB');
    await dialog().getByRole('button', { name: 'Save' }).click();
    await dialog().waitFor({ state: 'detached' });
    expect((await dav(srv.baseUrl, 'PUT', '/dav/home/small.txt', { auth: ['dora', dora.password], body: 'x' })).status).to.equal(507);
    await usersRow('dora').getByText('over quota').waitFor();
    const user = await api(srv.baseUrl, 'GET', `/api/users/${dora.id}`, { token: adminToken });
    expect(user.body.quotaBytes).to.equal(1024 * 1024);
  });

  it('creates a user with a generated password shown once, disables, enables and deletes them (home retired)', async function () {
    this.timeout(60_000);
    await page().goto('/users');
    await page().getByRole('button', { name: 'Create user' }).click();
    await dialog().getByLabel('User name').fill('gina');
    await dialog().getByRole('button', { name: 'Create user' }).click();
    const password = (await dialog().getByTestId('new-password').textContent())!.trim();
    expect(password).to.have.length(20);
    await dialog().getByRole('button', { name: 'Done, I passed it on' }).click();
    const login = () => api(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'gina', password } });
    expect((await login()).status).to.equal(200);
    await dav(srv.baseUrl, 'PUT', '/dav/home/keep.txt', { auth: ['gina', password], body: 'keep me' });

    await usersRow('gina').getByRole('button', { name: 'Disable' }).click();
    await usersRow('gina').getByText('disabled', { exact: true }).waitFor();
    expect((await login()).status).to.equal(401);
    await usersRow('gina').getByRole('button', { name: 'Enable' }).click();
    await usersRow('gina').getByText('active', { exact: true }).waitFor();
    expect((await login()).status).to.equal(200);

    await usersRow('gina').getByRole('button', { name: 'Delete' }).click();
    await dialog().getByText('retired, not destroyed').waitFor();
    const where = (await dialog().locator('code.path').textContent())!;
    expect(where).to.include(`${srv.nasd.config.storageRoot}/.nasd/retired-homes/gina-`);
    const confirm = dialog().getByRole('button', { name: 'Delete gina' });
    expect(await confirm.isDisabled(), 'the delete waits for the typed name').to.equal(true);
    await dialog().getByLabel('to confirm').fill('gina');
    await confirm.click();
    await dialog().waitFor({ state: 'detached' });
    await usersRow('gina').waitFor({ state: 'detached' });
    expect((await login()).status).to.equal(401);
    const retired = fs.readdirSync(path.join(srv.nasd.config.storageRoot, '.nasd', 'retired-homes')).filter((d) => d.startsWith('gina-'));
    expect(retired).to.have.length(1);
    expect(fs.readFileSync(path.join(srv.nasd.config.storageRoot, '.nasd', 'retired-homes', retired[0], 'keep.txt'), 'utf8')).to.equal('keep me');
  });

  it('the access matrix of a share takes effect at once: read lets dora read but not write, none hides the share', async function () {
    this.timeout(30_000);
    const get = () => dav(srv.baseUrl, 'GET', '/dav/team/plan.txt', { auth: ['dora', dora.password] });
    expect((await get()).status).to.equal(404);
    await page().goto('/shares');
    const card = page().getByRole('article', { name: 'team' });
    await card.getByRole('button', { name: 'Access' }).click();
    await dialog().getByRole('radio', { name: 'dora: read' }).check();
    expect(await dialog().getByRole('radio', { name: 'admin: full' }).isDisabled(), 'admins always have full access').to.equal(true);
    await dialog().getByRole('button', { name: 'Save access' }).click();
    await dialog().waitFor({ state: 'detached' });
    expect((await get()).text).to.equal('the plan');
    expect((await dav(srv.baseUrl, 'PUT', '/dav/team/mine.txt', { auth: ['dora', dora.password], body: 'x' })).status).to.equal(403);

    await card.getByRole('button', { name: 'Access' }).click();
    expect(await dialog().getByRole('radio', { name: 'dora: read' }).isChecked(), 'the matrix shows the stored access').to.equal(true);
    await dialog().getByRole('radio', { name: 'dora: none' }).check();
    await dialog().getByRole('button', { name: 'Save access' }).click();
    await dialog().waitFor({ state: 'detached' });
    expect((await get()).status).to.equal(404);
  });

  it('the last admin cannot be disabled, demoted or deleted: the UI says why before the click, the server refuses anyway', async () => {
    await page().goto('/users');
    const row = usersRow('admin');
    expect(await row.getByRole('button', { name: 'Disable' }).isDisabled()).to.equal(true);
    expect(await row.getByRole('button', { name: 'Delete' }).isDisabled()).to.equal(true);
    await row.getByText('The only enabled administrator cannot be disabled, demoted or deleted').waitFor();
    await row.getByRole('button', { name: 'Edit' }).click();
    expect(await dialog().getByLabel('Role').isDisabled()).to.equal(true);
    await dialog().getByText('is the only enabled administrator').waitFor();
    await dialog().getByRole('button', { name: 'Cancel' }).click();
    const adminId = (await api(srv.baseUrl, 'GET', '/api/me', { token: adminToken })).body.id;
    for (const [method, body] of [['PATCH', { role: 'user' }], ['PATCH', { disabled: true }], ['DELETE', undefined]] as const) {
      const res = await api(srv.baseUrl, method, `/api/users/${adminId}`, { token: adminToken, body });
      expect(res.status, `${method} ${JSON.stringify(body)}`).to.equal(409);
      expect(res.body.error.message).to.match(/last administrator/);
    }
  });

  it("an admin ends another user's session on the Settings page: that user's refresh fails", async function () {
    this.timeout(30_000);
    const session = await api(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'dora', password: dora.password }, headers: { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0' } });
    await page().goto('/settings');
    const row = page().locator('tbody tr').filter({ hasText: 'dora' }).filter({ hasText: 'Firefox on Linux' });
    await row.getByRole('button', { name: 'End session' }).click();
    await dialog().getByText('dora is signed out on Firefox on Linux').waitFor();
    await dialog().getByRole('button', { name: 'End session' }).click();
    await dialog().waitFor({ state: 'detached' });
    await row.waitFor({ state: 'detached' });
    const refresh = await api(srv.baseUrl, 'POST', '/api/auth/refresh', { body: { refreshToken: session.body.refreshToken } });
    expect(refresh.status).to.equal(401);
    expect((await api(srv.baseUrl, 'GET', '/api/me', { token: dora.token })).status, "dora's other session stays").to.equal(200);
    expect(ui.problems).to.deep.equal([]);
  });
});
