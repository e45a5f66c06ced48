import fs from 'node:fs';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { describeEachDb } from '../helpers/db.js';
import { loginAdmin } from '../helpers/auth.js';
import { ADMIN_PASSWORD, api, startTestServer, type TestServer } from '../helpers/server.js';
import { checkPageLooks, openUi, type UiSession } from '../helpers/ui.js';
import { makeTmpDir } from '../helpers/tmp.js';

describeEachDb('web UI admin cockpit, operations (Jobs, Audit) in Chromium', (kind) => {
  let srv: TestServer;
  let browser: Browser;
  let ui: UiSession;
  let adminToken: string;

  before(async function () {
    this.timeout(60_000);
    browser = await launchBrowser(this);
    srv = await startTestServer(this, kind);
    adminToken = (await loginAdmin(srv)).accessToken;
    // two failed sign-ins (the only failed auth.login entries), to filter the audit log by
    for (let i = 0; i < 2; i++) {
      const res = await api(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'mallory', password: 'not-the-password' } });
      expect(res.status).to.equal(401);
    }
    ui = await openUi(browser, srv.baseUrl);
    await ui.signIn('admin', ADMIN_PASSWORD);
  });
  after(async () => {
    await browser?.close();
    await srv?.close();
  });

  const page = () => ui.page;

  it('the Jobs and Audit pages load clean (axe, console, CSP) at 390 and 1440 px, light and dark', async function () {
    this.timeout(120_000);
    await page().goto('/jobs');
    await page().getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
    await page().getByRole('heading', { name: 'storage.reconcile' }).waitFor();
    await checkPageLooks(page(), 'admin-jobs');
    await page().goto('/audit');
    await page().getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    await page().locator('td', { hasText: 'auth.login' }).first().waitFor();
    await checkPageLooks(page(), 'admin-audit');
    await page().setViewportSize({ width: 390, height: 844 });
    const entries = page().getByRole('region', { name: 'Audit entries' });
    const sideways = await entries.evaluate((box) => box.scrollWidth - box.clientWidth);
    expect(sideways, 'the audit entries are cards at 390 px, not a table scrolled sideways').to.be.at.most(0);
    await page().setViewportSize({ width: 1440, height: 900 });
    expect(ui.problems).to.deep.equal([]);
  });

  it('a job run from the Jobs page is followed live and appears in the history with its outcome', async function () {
    this.timeout(60_000);
    await page().goto('/jobs');
    const card = page().locator('article.job', { has: page().getByRole('heading', { name: 'identity.prune' }) });
    await card.getByRole('button', { name: /Run now/ }).click();
    await card.getByRole('status').filter({ hasText: 'succeeded' }).waitFor({ timeout: 30_000 });
    const runs = await api(srv.baseUrl, 'GET', '/api/jobs/executions?job=identity.prune', { token: adminToken });
    expect(runs.status).to.equal(200);
    const run = runs.body.items[0];
    expect(run).to.include({ job: 'identity.prune', trigger: 'manual', status: 'ok', requestedBy: 'admin' });
    const history = page().getByRole('region', { name: 'Job runs' });
    const row = history.locator('tr', { hasText: `#${run.id}` });
    await row.waitFor();
    expect(await row.textContent()).to.contain('identity.prune').and.to.contain('succeeded').and.to.contain('manual');
  });

  it('the audit CSV export from the page holds exactly the filtered entries', async function () {
    this.timeout(60_000);
    await page().goto('/audit');
    await page().getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    await page().getByLabel('Action starts with').fill('auth.login');
    await page().getByLabel('Action starts with').press('Tab');
    await page().getByLabel('Outcome').selectOption('failure');
    const rows = page().getByRole('region', { name: 'Audit entries' }).locator('tbody tr');
    await page().waitForFunction(() => document.querySelectorAll('table.audit tbody tr').length === 2);
    expect(await rows.count()).to.equal(2);
    const [download] = await Promise.all([page().waitForEvent('download'), page().getByRole('button', { name: 'Export filtered as CSV' }).click()]);
    const tmp = makeTmpDir('nasd-audit-export-');
    const file = `${tmp.dir}/export.csv`;
    await download.saveAs(file);
    const lines = fs.readFileSync(file, 'utf8').split('\r\n').filter((l) => l !== '');
    tmp.remove();
    expect(lines.length, 'a header and the two filtered entries').to.equal(3);
    for (const line of lines.slice(1)) expect(line).to.contain('auth.login').and.to.contain('failure');
    const listed = await api(srv.baseUrl, 'GET', '/api/audit?action=auth.login&outcome=failure', { token: adminToken });
    expect(listed.body.total).to.equal(2);
    expect(ui.problems).to.deep.equal([]);
  });
});
