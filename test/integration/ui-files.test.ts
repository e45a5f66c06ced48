import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { createUser, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { ADMIN_PASSWORD, api, startTestServer, type TestServer } from '../helpers/server.js';
import { makeTmpDir } from '../helpers/tmp.js';
import { openUi, type UiSession } from '../helpers/ui.js';
import { dav } from '../helpers/webdav.js';

describeEachDb('web UI Files page in Chromium', (kind) => {
  let srv: TestServer;
  let browser: Browser;
  let ui: UiSession;
  let user: CreatedUser;
  let tmp: ReturnType<typeof makeTmpDir>;
  const home = (...p: string[]) => path.join(srv.nasd.config.storageRoot, 'homes', 'erin', ...p);

  before(async function () {
    this.timeout(60_000);
    browser = await launchBrowser(this);
    srv = await startTestServer(this, kind);
    tmp = makeTmpDir();
    user = await createUser(srv, (await loginAdmin(srv)).accessToken, { username: 'erin', password: 'erin-password-1' });
    ui = await openUi(browser, srv.baseUrl);
    await ui.signIn('erin', 'erin-password-1');
  });
  after(async () => {
    await browser?.close();
    await srv?.close();
    tmp?.remove();
  });

  it('a 20 MiB upload cut off mid-way resumes after a reload to a byte-identical file (read back over WebDAV)', async function () {
    this.timeout(90_000);
    const file = path.join(tmp.dir, 'big.bin');
    const bytes = crypto.randomBytes(20 * 1024 * 1024);
    fs.writeFileSync(file, bytes);
    const page = ui.page;
    await page.goto('/files/home');
    let patches = 0;
    await page.route((url) => url.pathname.startsWith('/api/uploads/'), (route) => {
      if (route.request().method() === 'PATCH' && ++patches >= 2) return route.abort('connectionreset');
      return route.continue();
    });
    await page.setInputFiles('input[name=files]', file);
    await page.locator('.upload .badge', { hasText: 'failed' }).waitFor({ timeout: 60_000 });
    expect(await page.locator('.upload [role=alert]').textContent()).to.match(/connection was lost/);
    await page.unrouteAll();

    await page.reload();
    await page.getByText('Unfinished uploads').waitFor();
    const offsets: string[] = [];
    page.on('request', (r) => { if (r.method() === 'PATCH') offsets.push(r.headers()['upload-offset'] ?? ''); });
    await page.setInputFiles('input[name=files]', file);
    await page.locator('.upload .badge', { hasText: 'done' }).waitFor({ timeout: 60_000 });
    expect(Number(offsets[0]), 'the first PATCH after the reload continues, not restarts').to.be.greaterThan(0);
    await page.getByText('resumed').first().waitFor();
    const back = await dav(srv.baseUrl, 'GET', '/dav/home/big.bin', { auth: ['erin', 'erin-password-1'] });
    expect(back.status).to.equal(200);
    expect(crypto.createHash('sha256').update(back.body).digest('hex')).to.equal(crypto.createHash('sha256').update(bytes).digest('hex'));
    await page.getByRole('button', { name: /big\.bin/ }).waitFor();
  });

  it('a folder upload keeps its structure', async function () {
    this.timeout(30_000);
    const root = path.join(tmp.dir, 'Trip');
    fs.mkdirSync(path.join(root, 'day1'), { recursive: true });
    fs.writeFileSync(path.join(root, 'plan.txt'), 'plan\n');
    fs.writeFileSync(path.join(root, 'day1', 'notes.txt'), 'day one\n');
    await ui.page.goto('/files/home');
    await ui.page.setInputFiles('input[name=folder]', root);
    await ui.page.getByRole('link', { name: 'Trip' }).waitFor();
    await ui.page.waitForFunction(() => document.querySelectorAll('.upload .badge.ok').length >= 2);
    expect(fs.readFileSync(home('Trip', 'plan.txt'), 'utf8')).to.equal('plan\n');
    expect(fs.readFileSync(home('Trip', 'day1', 'notes.txt'), 'utf8')).to.equal('day one\n');
  });

  it('rename, move and delete reflect on disk, and delete names what is lost', async function () {
    this.timeout(30_000);
    const page = ui.page;
    await dav(srv.baseUrl, 'PUT', '/dav/home/note.txt', { auth: ['erin', 'erin-password-1'], body: 'hello\n' });
    await page.goto('/files/home');
    await page.getByRole('button', { name: 'New folder' }).click();
    await page.getByRole('dialog').getByLabel('Folder name').fill('Docs');
    await page.getByRole('dialog').getByRole('button', { name: 'Create folder' }).click();
    await page.getByRole('link', { name: 'Docs' }).waitFor();
    expect(fs.statSync(home('Docs')).isDirectory()).to.equal(true);

    await page.getByLabel('Select note.txt').check();
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('dialog').getByLabel('New name').fill('renamed.txt');
    await page.getByRole('dialog').getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('button', { name: /renamed\.txt/ }).waitFor();
    expect(fs.existsSync(home('note.txt'))).to.equal(false);
    expect(fs.readFileSync(home('renamed.txt'), 'utf8')).to.equal('hello\n');

    await page.getByLabel('Select renamed.txt').check();
    await page.getByRole('button', { name: 'Move', exact: true }).click();
    const picker = page.getByRole('dialog');
    await picker.getByRole('button', { name: 'Docs' }).click();
    await picker.getByText('/home/Docs').waitFor();
    await picker.getByRole('button', { name: 'Move here' }).click();
    await picker.waitFor({ state: 'detached' });
    expect(fs.readFileSync(home('Docs', 'renamed.txt'), 'utf8')).to.equal('hello\n');
    expect(fs.existsSync(home('renamed.txt'))).to.equal(false);

    await page.getByRole('link', { name: 'Docs' }).click();
    await page.getByLabel('Select renamed.txt').check();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const confirm = page.getByRole('dialog');
    expect(await confirm.textContent()).to.contain('“renamed.txt”');
    await confirm.getByRole('button', { name: 'Delete 1 item' }).click();
    await page.getByText('This folder is empty.').waitFor();
    expect(fs.existsSync(home('Docs', 'renamed.txt'))).to.equal(false);
  });

  it('a read-only share shows no write actions, and the API refuses a forced write', async function () {
    this.timeout(30_000);
    const admin = await loginAdmin(srv);
    const share = await api(srv.baseUrl, 'POST', '/api/shares', { token: admin.accessToken, body: { name: 'archive' } });
    expect(share.status).to.equal(201);
    const acl = await api(srv.baseUrl, 'PUT', `/api/shares/${share.body.id}/acl`, { token: admin.accessToken, body: { entries: [{ userId: user.id, access: 'read' }] } });
    expect(acl.status).to.equal(200);
    const put = await dav(srv.baseUrl, 'PUT', '/dav/archive/old.txt', { auth: ['admin', ADMIN_PASSWORD], body: 'old\n' });
    expect(put.status).to.equal(201);
    const page = ui.page;
    await page.goto('/files/archive');
    await page.getByText('read-only for you').waitFor();
    await page.getByLabel('Select old.txt').check();
    for (const name of ['New folder', 'Rename', 'Move', 'Delete']) {
      expect(await page.getByRole('button', { name, exact: true }).isDisabled(), name).to.equal(true);
    }
    expect(await page.getByRole('button', { name: 'Download', exact: true }).isDisabled()).to.equal(false);
    expect(await page.locator('input[name=files]').count()).to.equal(0);
    const forced = await api(srv.baseUrl, 'DELETE', `/api/files?path=${encodeURIComponent('/archive/old.txt')}`, { token: user.token });
    expect(forced.status).to.equal(403);
    const mkdir = await api(srv.baseUrl, 'POST', '/api/files/mkdir', { token: user.token, body: { path: '/archive/new' } });
    expect(mkdir.status).to.equal(403);
    const after = await dav(srv.baseUrl, 'GET', '/dav/archive/old.txt', { auth: ['admin', ADMIN_PASSWORD] });
    expect(after.text).to.equal('old\n');
    expect((await dav(srv.baseUrl, 'PROPFIND', '/dav/archive/new', { auth: ['admin', ADMIN_PASSWORD], headers: { Depth: '0' } })).status).to.equal(404);
  });

  it('an upload over the quota is refused at creation, before any byte is sent, with the reason shown', async function () {
    this.timeout(30_000);
    const admin = await loginAdmin(srv);
    const usage = await api(srv.baseUrl, 'GET', '/api/usage', { token: user.token });
    const set = await api(srv.baseUrl, 'PATCH', `/api/users/${user.id}`, { token: admin.accessToken, body: { quotaBytes: usage.body.usedBytes + 1024 * 1024 } });
    expect(set.status).to.equal(200);
    try {
      const file = path.join(tmp.dir, 'too-big.bin');
      fs.writeFileSync(file, crypto.randomBytes(2 * 1024 * 1024));
      const page = ui.page;
      await page.goto('/files/home');
      let patches = 0;
      const count = (r: { method(): string }) => { if (r.method() === 'PATCH') patches++; };
      page.on('request', count);
      await page.setInputFiles('input[name=files]', file);
      const alert = page.locator('.upload [role=alert]');
      await alert.waitFor();
      expect(await alert.textContent()).to.match(/^Not enough space: \S/);
      page.off('request', count);
      expect(patches).to.equal(0);
      expect(fs.existsSync(home('too-big.bin'))).to.equal(false);
    } finally {
      await api(srv.baseUrl, 'PATCH', `/api/users/${user.id}`, { token: admin.accessToken, body: { quotaBytes: null } });
    }
  });

  it('Download on two files and a folder fetches one zip with exactly those members', async function () {
    this.timeout(30_000);
    const auth: [string, string] = ['erin', 'erin-password-1'];
    await dav(srv.baseUrl, 'MKCOL', '/dav/home/Pick', { auth });
    await dav(srv.baseUrl, 'MKCOL', '/dav/home/Pick/sub', { auth });
    for (const [p, body] of [['one.txt', 'one\n'], ['two.txt', 'two\n'], ['skip.txt', 'not chosen\n'], ['sub/inner.txt', 'inner\n']]) {
      expect((await dav(srv.baseUrl, 'PUT', `/dav/home/Pick/${p}`, { auth, body })).status, p).to.equal(201);
    }
    const page = ui.page;
    await page.goto('/files/home/Pick');
    for (const name of ['one.txt', 'two.txt', 'sub']) await page.getByLabel(`Select ${name}`).check();
    const requests: string[] = [];
    const log = (r: { method(): string; url(): string }) => { if (new URL(r.url()).pathname.startsWith('/api/files/')) requests.push(`${r.method()} ${new URL(r.url()).pathname}`); };
    page.on('request', log);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download', exact: true }).click()]);
    page.off('request', log);
    expect(requests).to.deep.equal(['POST /api/files/zip']);
    expect(download.suggestedFilename()).to.equal('Pick.zip');
    const file = path.join(tmp.dir, 'Pick.zip');
    await download.saveAs(file);
    const members = execFileSync('unzip', ['-Z1', file]).toString().trim().split('\n').sort();
    expect(members).to.deep.equal(['one.txt', 'sub/', 'sub/inner.txt', 'two.txt']);
    expect(execFileSync('unzip', ['-p', file, 'sub/inner.txt']).toString()).to.equal('inner\n');
  });

  it('had no script errors or CSP violations (network errors of the cut-off upload aside)', () => {
    expect(ui.problems.filter((p) => !/Failed to load resource|ERR_CONNECTION_RESET|net::/.test(p))).to.deep.equal([]);
  });
});
