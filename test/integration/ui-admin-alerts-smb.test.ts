import crypto from 'node:crypto';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { describeEachDb } from '../helpers/db.js';
import { createUser, loginAdmin } from '../helpers/auth.js';
import { createShare } from '../helpers/files.js';
import { startWebhookReceiver } from '../helpers/receivers.js';
import { privateSambaSettings, removeSmbAccount, requireSambaTool } from '../helpers/samba.js';
import { ADMIN_PASSWORD, api, startTestServer, type TestServer } from '../helpers/server.js';
import { makeTmpDir } from '../helpers/tmp.js';
import { checkPageLooks, openUi, type UiSession } from '../helpers/ui.js';

describeEachDb('web UI Alerts page and nav badge in Chromium', (kind) => {
  let srv: TestServer;
  let browser: Browser;
  let ui: UiSession;
  let admin: string;
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  const call = (method: string, path: string, body?: unknown) => api(srv.baseUrl, method, path, { token: admin, body });
  const evaluate = async () => expect((await call('POST', '/api/alerts/evaluate')).status).to.equal(200);
  const page = () => ui.page;
  const dialog = () => page().getByRole('dialog');
  const alertsLink = () => page().getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Alerts/ });

  before(async function () {
    this.timeout(60_000);
    browser = await launchBrowser(this);
    hook = await startWebhookReceiver();
    srv = await startTestServer(this, kind, {
      hardware: { simulatedClock: 'manual', fanIntervalSeconds: 0, telemetryIntervalSeconds: 0 },
      alerts: { evaluateIntervalSeconds: 0, clearAfterSeconds: 0, smartMaxAgeSeconds: 0, deliveryAttempts: 1 },
    });
    admin = (await loginAdmin(srv)).accessToken;
    ui = await openUi(browser, srv.baseUrl);
    await ui.signIn('admin', ADMIN_PASSWORD);
  });
  after(async () => {
    await browser?.close();
    await srv?.close();
    await hook?.close();
  });

  it('the Alerts page loads clean (axe, console, CSP) at 390 and 1440 px, light and dark', async function () {
    this.timeout(120_000);
    await evaluate(); // the simulation starts with a SMART warning on sdb
    const created = await call('POST', '/api/alerts/channels', { kind: 'webhook', name: 'looks hook', url: `${hook.url}/looks`, families: ['raid', 'smart'] });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    await page().goto('/alerts');
    await page().getByRole('heading', { name: 'Alerts', level: 1 }).waitFor();
    await page().getByRole('heading', { name: 'Disk sdb shows SMART warnings' }).waitFor();
    await page().getByRole('heading', { name: 'looks hook' }).waitFor();
    const ruleCount = ((await call('GET', '/api/alerts/rules')).body.rules as unknown[]).length;
    await page().getByText(`Show the ${ruleCount} rules`).click();
    await page().getByRole('region', { name: 'Alert rules' }).waitFor();
    await checkPageLooks(page(), 'admin-alerts');
    expect(ui.problems).to.deep.equal([]);
  });

  it('a failed RAID member opens an alert on the page and in the nav badge; acknowledging it lowers the badge', async function () {
    this.timeout(60_000);
    expect((await call('POST', '/api/hardware/simulation', { failRaidMember: { array: 'md0', device: 'vdb' } })).status).to.equal(200);
    await evaluate();
    const before = (await call('GET', '/api/alerts/counts')).body;
    expect(before.unacknowledged).to.be.at.least(1);
    await page().goto('/alerts');
    const card = page().locator('article.alert', { has: page().getByRole('heading', { name: 'RAID array md0 is degraded' }) });
    await card.waitFor();
    expect(await card.textContent()).to.contain('critical').and.to.contain('Replace the failed member');
    expect(await card.getByRole('link', { name: /Open Storage health/ }).getAttribute('href')).to.equal('/storage');
    expect(await alertsLink().getAttribute('aria-label')).to.equal(`Alerts, ${before.unacknowledged} open (not acknowledged)`);
    expect((await alertsLink().locator('.nav-count').textContent())?.trim()).to.equal(String(before.unacknowledged));
    await card.getByRole('button', { name: /Acknowledge/ }).click();
    await card.getByText('by admin').waitFor();
    const left = before.unacknowledged - 1;
    await page().waitForFunction(
      (label) => document.querySelector('nav[aria-label=Main] a[href="/alerts"]')?.getAttribute('aria-label') === label,
      left > 0 ? `Alerts, ${left} open (not acknowledged)` : null,
    );
    const after = (await call('GET', '/api/alerts/counts')).body;
    expect(after.unacknowledged).to.equal(left);
    const degraded = (await call('GET', '/api/alerts?state=open')).body.items.find((a: { ruleId: string }) => a.ruleId === 'raid.degraded');
    expect(degraded).to.include({ ackedBy: 'admin', state: 'open' });
    expect(await card.getByRole('button', { name: /Acknowledge/ }).count(), 'no second acknowledgement').to.equal(0);
    expect(ui.problems).to.deep.equal([]);
  });

  it('a webhook channel added in the page gets the "Send test" delivery, the page says it arrived, and deleting it asks first', async function () {
    this.timeout(60_000);
    await page().goto('/alerts');
    await page().getByRole('button', { name: 'Add channel' }).click();
    await dialog().getByLabel('Name').fill('ui hook');
    await dialog().getByLabel('URL').fill(`${hook.url}/ui`);
    await dialog().getByLabel('HMAC secret').fill('ui-hook-secret');
    await dialog().getByRole('button', { name: 'Add channel' }).click();
    await dialog().waitFor({ state: 'detached' });
    const card = page().locator('article.channel', { has: page().getByRole('heading', { name: 'ui hook' }) });
    await card.waitFor();
    const seen = hook.requests.filter((r) => r.path === '/ui').length;
    await card.getByRole('button', { name: 'Send test to ui hook' }).click();
    await card.getByRole('status').filter({ hasText: 'Test sent to ui hook' }).waitFor();
    const posts = hook.requests.filter((r) => r.path === '/ui').slice(seen);
    expect(posts).to.have.length(1);
    expect(JSON.parse(posts[0].body)).to.deep.include({ event: 'test' });
    expect(posts[0].headers['x-nasd-signature'], 'signed with the secret typed in the page').to.match(/^sha256=/);
    await card.getByText('delivered').first().waitFor();

    await card.getByRole('button', { name: 'Edit ui hook' }).click();
    expect(await dialog().getByLabel('HMAC secret').inputValue(), 'a stored secret is never shown').to.equal('');
    await dialog().getByText('One is stored (never shown). Leave empty to keep it.').first().waitFor();
    await dialog().getByRole('button', { name: 'Cancel' }).click();

    await card.getByRole('button', { name: 'Delete ui hook' }).click();
    expect(await dialog().textContent()).to.contain('ui hook').and.to.contain('delivery log').and.to.contain(`${hook.url}/ui`);
    await dialog().getByRole('button', { name: 'Cancel' }).click();
    expect(await card.count(), 'cancel keeps it').to.equal(1);
    await card.getByRole('button', { name: 'Delete ui hook' }).click();
    await dialog().getByRole('button', { name: 'Delete ui hook' }).click();
    await card.waitFor({ state: 'detached' });
    const left = (await call('GET', '/api/alerts/channels')).body.channels.map((c: { name: string }) => c.name);
    expect(left).not.to.include('ui hook');
    expect(ui.problems).to.deep.equal([]);
  });

  it('a plain user gets the page with their own alerts only, without rules and channels', async function () {
    this.timeout(60_000);
    const user = await createUser(srv, admin, { username: 'petra' });
    const mine = await openUi(browser, srv.baseUrl);
    await mine.signIn(user.username, user.password);
    await mine.page.goto('/alerts');
    await mine.page.getByRole('heading', { name: 'Alerts', level: 1 }).waitFor();
    await mine.page.getByText('No open alerts').waitFor();
    expect(await mine.page.getByRole('heading', { name: 'Notification channels' }).count()).to.equal(0);
    expect(await mine.page.getByRole('heading', { name: 'Rules' }).count()).to.equal(0);
    expect(mine.problems).to.deep.equal([]);
    await mine.context.close();
  });
});

describeEachDb('web UI SMB page in Chromium', (kind) => {
  let browser: Browser;

  before(async function () {
    this.timeout(60_000);
    browser = await launchBrowser(this);
  });
  after(() => browser?.close());

  async function adminUi(srv: TestServer): Promise<UiSession> {
    const ui = await openUi(browser, srv.baseUrl);
    await ui.signIn('admin', ADMIN_PASSWORD);
    return ui;
  }

  describe('without Samba', () => {
    let srv: TestServer;
    let savedPath: string | undefined;

    before(async function () {
      this.timeout(60_000);
      // A PATH without smbd while nasd probes for it (at start and on the first status).
      savedPath = process.env.PATH;
      process.env.PATH = '/nonexistent';
      try {
        srv = await startTestServer(this, kind, { smb: { mode: 'on' } });
        expect((await api(srv.baseUrl, 'GET', '/api/smb', { token: (await loginAdmin(srv)).accessToken })).body.offReason).to.equal('not-installed');
      } finally {
        process.env.PATH = savedPath;
      }
    });
    after(() => srv?.close());

    it('says that Samba is not installed and why, instead of failing', async function () {
      this.timeout(120_000);
      const ui = await adminUi(srv);
      await ui.page.goto('/smb');
      await ui.page.getByRole('heading', { name: 'SMB', level: 1 }).waitFor();
      const reason = ui.page.getByRole('status').filter({ hasText: 'Samba is not installed on this machine' });
      await reason.waitFor();
      expect(await reason.textContent()).to.match(/smbd.*not installed/);
      await ui.page.getByText('No configuration generated while SMB is off.').waitFor();
      expect(await ui.page.getByRole('button', { name: 'Regenerate now' }).isDisabled()).to.equal(true);
      await checkPageLooks(ui.page, 'admin-smb-off');
      expect(ui.problems).to.deep.equal([]);
      await ui.context.close();
    });
  });

  describe('with Samba', () => {
    let srv: TestServer;
    let tmp: ReturnType<typeof makeTmpDir>;
    // Random per run: creating the user also creates the Unix account nasd-<name>.
    const reader = `r${crypto.randomBytes(3).toString('hex')}`;

    before(async function () {
      this.timeout(60_000);
      if (!requireSambaTool(this, 'testparm')) return;
      tmp = makeTmpDir('nasd-ui-smb-page-');
      srv = await startTestServer(this, kind, { smb: privateSambaSettings(tmp.dir) });
    });
    after(async () => {
      await srv?.close();
      tmp?.remove();
      removeSmbAccount(reader);
    });

    it('shows the generated configuration, the last validation and each share\u2019s state; "Regenerate now" reports its result; the switch turns SMB off and on', async function () {
      this.timeout(120_000);
      const admin = (await loginAdmin(srv)).accessToken;
      const user = await createUser(srv, admin, { username: reader });
      await createShare(srv, admin, 'media', [{ userId: user.id, access: 'read' }]);
      expect((await api(srv.baseUrl, 'POST', '/api/smb/regenerate', { token: admin })).status).to.equal(200);
      const ui = await adminUi(srv);
      await ui.page.goto('/smb');
      const generated = ui.page.getByRole('region', { name: 'Generated Samba include file' });
      await generated.waitFor();
      expect(await generated.textContent()).to.contain('[media]').and.to.contain('[home]');
      const row = ui.page.getByRole('region', { name: 'SMB shares' }).locator('tr', { hasText: 'media' });
      expect(await row.locator('td').nth(1).textContent()).to.contain(reader);
      expect(await row.locator('td').nth(2).textContent(), 'a read ACL gives no write').not.to.contain(reader);
      await ui.page.getByText('installed and reloaded').waitFor();
      await ui.page.getByRole('region', { name: 'testparm output' }).waitFor();
      await ui.page.getByRole('button', { name: 'Regenerate now' }).click();
      await ui.page.getByRole('status').filter({ hasText: /Regenerated at .*: validated, installed and reloaded\./ }).waitFor();
      await checkPageLooks(ui.page, 'admin-smb');
      const smbSwitch = ui.page.getByLabel("Serve nasd's shares over SMB");
      await smbSwitch.uncheck();
      await ui.page.getByText('An administrator turned SMB off.').waitFor();
      expect((await api(srv.baseUrl, 'GET', '/api/smb', { token: admin })).body).to.include({ enabled: false, offReason: 'admin' });
      await smbSwitch.check();
      await ui.page.getByText('An administrator turned SMB off.').waitFor({ state: 'detached' });
      expect((await api(srv.baseUrl, 'GET', '/api/smb', { token: admin })).body.enabled).to.equal(true);
      expect(ui.problems).to.deep.equal([]);
      await ui.context.close();
    });
  });
});
