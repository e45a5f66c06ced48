import crypto from 'node:crypto';
import { expect } from 'chai';
import { generate } from 'otplib';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { createUser, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { createShare } from '../helpers/files.js';
import { privateSambaSettings, removeSmbAccount, requireSambaTool } from '../helpers/samba.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { makeTmpDir } from '../helpers/tmp.js';
import { checkPageLooks, openUi, type UiSession } from '../helpers/ui.js';

// The page itself does not touch the database; GET /api/me/connect runs on both in connect-api.test.ts.
describe('web UI Connect wizard with SMB in Chromium [sqlite]', () => {
  let browser: Browser;
  let off: TestServer;
  let on: TestServer;
  let tmp: ReturnType<typeof makeTmpDir>;
  const sessions: UiSession[] = [];
  const names = [`u${crypto.randomBytes(3).toString('hex')}`, `v${crypto.randomBytes(3).toString('hex')}`];

  before(async function () {
    this.timeout(60_000);
    if (!requireSambaTool(this, 'testparm')) return;
    browser = await launchBrowser(this);
    tmp = makeTmpDir('nasd-ui-smb-');
    off = await startTestServer(this, 'sqlite');
    on = await startTestServer(this, 'sqlite', { smb: privateSambaSettings(tmp.dir) });
  });
  after(async () => {
    await browser?.close();
    await off?.close();
    await on?.close();
    tmp?.remove();
    names.forEach(removeSmbAccount);
  });

  async function signedIn(srv: TestServer, user: CreatedUser, recoveryCode?: string): Promise<UiSession> {
    const ui = await openUi(browser, srv.baseUrl);
    sessions.push(ui);
    await ui.page.goto('/');
    await ui.page.fill('input[autocomplete=username]', user.username);
    await ui.page.fill('input[name=password]', user.password);
    await ui.page.click('button[type=submit]');
    if (recoveryCode) {
      // A recovery code, not a TOTP: the code that confirmed enrolment cannot be used again in its window.
      await ui.page.getByLabel('Authenticator code or recovery code').fill(recoveryCode);
      await ui.page.click('button[type=submit]');
    }
    await ui.page.locator('.who').waitFor();
    return ui;
  }

  it('with SMB off, the wizard shows WebDAV steps only', async function () {
    this.timeout(30_000);
    const user = await createUser(off, (await loginAdmin(off)).accessToken, { username: 'walt' });
    const { page } = await signedIn(off, user);
    const checked = page.waitForResponse((r) => r.url().endsWith('/api/me/connect'));
    await page.goto('/connect');
    expect((await (await checked).json()).smb.enabled).to.equal(false);
    for (const system of ['Windows', 'macOS', 'Linux', 'iPhone / Android']) {
      await page.getByRole('button', { name: system, exact: true }).click();
      await page.getByRole('heading', { level: 2, name: /^3\./ }).waitFor();
      expect(await page.getByRole('heading', { name: /over SMB/ }).count(), system).to.equal(0);
      expect(await page.locator('main').textContent(), system).not.to.match(/smb:\/\/|\\\\home|cifs/);
    }
    expect(await page.getByLabel(/For SMB/).count()).to.equal(0);
  });

  it("with SMB on, each system gets SMB steps with this server's host and the user's shares", async function () {
    this.timeout(60_000);
    const admin = (await loginAdmin(on)).accessToken;
    const user = await createUser(on, admin, { username: names[0] });
    await createShare(on, admin, 'media', [{ userId: user.id, access: 'read' }]);
    await createShare(on, admin, 'hidden', [{ userId: user.id, access: 'none' }]);
    const host = new URL(on.baseUrl).hostname;
    const { page, problems } = await signedIn(on, user);
    await page.goto('/connect');
    await page.getByText(`\\\\${host}\\home`).first().waitFor();
    const expected: Record<string, string[]> = {
      Windows: [`\\\\${host}\\home`, `\\\\${host}\\media`, `net use H: \\\\${host}\\home /user:${user.username}`],
      macOS: [`smb://${host}/home`, `smb://${host}/<share> (media)`],
      Linux: [`smb://${host}/home`, `//${host}/home /mnt/nas-home cifs credentials=/etc/nasd-smb-credentials,vers=3.0`, `username=${user.username}`, `sudo mount -t cifs //${host}/home /mnt/nas-home`],
      'iPhone / Android': [`smb://${host}/home`, 'iOS Files'],
    };
    for (const [system, texts] of Object.entries(expected)) {
      await page.getByRole('button', { name: system, exact: true }).click();
      await page.getByRole('heading', { name: /^4\. Or over SMB/ }).waitFor();
      const text = (await page.locator('main').textContent()) as string;
      for (const t of texts) expect(text, `${system}: ${t}`).to.include(t);
      expect(text, system).not.to.include('hidden');
      expect(text, system).to.include('SMB signs in with your account password');
    }
    await page.getByRole('button', { name: 'rclone', exact: true }).click();
    expect(await page.getByRole('heading', { name: /over SMB/ }).count(), 'rclone has no SMB steps').to.equal(0);
    expect(await page.getByLabel(/For SMB/).count(), 'no SMB checkbox without 2FA').to.equal(0);
    await page.getByRole('button', { name: 'Windows', exact: true }).click();
    await page.getByRole('heading', { name: /^4\. Or over SMB/ }).waitFor();
    await checkPageLooks(page, 'connect-smb');
    expect(problems).to.deep.equal([]);
  });

  it('with 2FA on, the wizard says so and its "For SMB" checkbox creates an SMB app password', async function () {
    this.timeout(60_000);
    const user = await createUser(on, (await loginAdmin(on)).accessToken, { username: names[1] });
    const enrol = await api(on.baseUrl, 'POST', '/api/me/totp', { token: user.token });
    const code = await generate({ secret: enrol.body.secret, epoch: Math.floor(Date.now() / 1000) });
    const confirmed = await api(on.baseUrl, 'POST', '/api/me/totp/confirm', { token: user.token, body: { code, password: user.password } });
    expect(confirmed.status).to.equal(200);
    const { page, problems } = await signedIn(on, user, confirmed.body.recoveryCodes[0]);
    // The password step of a 2FA sign-in answers 401 (second factor needed), which Chromium logs.
    const seenAtSignIn = problems.length;
    await page.goto('/connect');
    await page.getByRole('button', { name: 'macOS', exact: true }).click();
    await page.getByText('Two-factor sign-in is on, and SMB cannot ask for a code').waitFor();
    await page.getByLabel('Device or app name').fill('Mac Finder');
    await page.getByLabel('Your account password').fill(user.password);
    await page.getByLabel(/For SMB/).check();
    await page.getByRole('button', { name: 'Create app password' }).click();
    await page.getByText('is now your SMB password').waitFor();
    const list = await api(on.baseUrl, 'GET', '/api/me/app-passwords', { token: user.token });
    expect(list.body.items.map((p: { name: string; smb: boolean }) => [p.name, p.smb])).to.deep.equal([['Mac Finder', true]]);
    await page.goto('/account');
    await page.locator('tr', { hasText: 'Mac Finder' }).getByText('SMB', { exact: true }).waitFor();
    expect(problems.slice(seenAtSignIn)).to.deep.equal([]);
  });
});
