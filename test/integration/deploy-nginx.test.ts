import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { createUser, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { launchBrowser } from '../helpers/browser.js';
import { expectAllLitmusSuitesPass, requireLitmus } from '../helpers/litmus.js';
import { httpsRequest, startNginx, type RunningNginx } from '../helpers/nginx.js';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';
import { makeTmpDir } from '../helpers/tmp.js';
import { tusUpload } from '../helpers/tus.js';

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

// The proxy is what is under test here; the database does not change what nginx does, so this
// suite runs on SQLite only (the scale-out suite runs behind nginx on PostgreSQL).
describe('deploy: nasd behind the shipped nginx site (TLS)', () => {
  let srv: TestServer;
  let nginx: RunningNginx;
  let user: CreatedUser;
  let adminToken: string;
  const tmp = makeTmpDir('nasd-nginx-litmus-');

  before(async function () {
    requireLitmus(this);
    srv = await startTestServer(this, 'sqlite', { trustProxy: true });
    nginx = await startNginx(this, [Number(new URL(srv.baseUrl).port)]);
    adminToken = (await loginAdmin(srv)).accessToken;
    user = await createUser(srv, adminToken, { username: 'proxied' });
  });
  after(async () => {
    await nginx?.stop();
    await srv?.close();
    tmp.remove();
  });

  it('passes nginx -t', () => {
    const { status, output } = nginx.check();
    expect(output).to.contain('syntax is ok');
    expect(status, output).to.equal(0);
  });

  it('answers over TLS with HSTS and one copy of each security header', async () => {
    const res = await httpsRequest(`${nginx.baseUrl}/api/health`, { ca: nginx.ca });
    expect(res.status).to.equal(200);
    expect(JSON.parse(res.body).status).to.equal('ok');
    expect(res.headers['strict-transport-security']).to.equal('max-age=63072000');
    expect(res.headers['x-frame-options']).to.equal('DENY');
    expect(res.headers['x-content-type-options']).to.equal('nosniff');
    const dav = await httpsRequest(`${nginx.baseUrl}/dav/`, { ca: nginx.ca, method: 'PROPFIND', headers: { Depth: '0' } });
    expect(dav.status).to.equal(401);
    expect(dav.headers['strict-transport-security']).to.equal('max-age=63072000');
  });

  // Over TLS litmus skips its expect100 test ("skipping for SSL server"); the next test checks
  // the same behaviour through nginx itself.
  it('passes litmus through nginx: 103 passed, expect100 skipped by litmus over TLS', async function () {
    this.timeout(600_000);
    const { passed, skippedForTls } = await expectAllLitmusSuitesPass(`${nginx.baseUrl}/dav/home/`, user.username, user.password, tmp.dir);
    expect(skippedForTls).to.deep.equal(['expect100']);
    expect(passed).to.equal(103);
  });

  it('answers Expect: 100-continue through nginx before the body is sent (litmus expect100 over TLS)', async () => {
    const auth = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
    const body = Buffer.alloc(100_000, 'x');
    const status = await new Promise<{ continued: boolean; status: number }>((resolve, reject) => {
      const req = https.request(`${nginx.baseUrl}/dav/home/expect100.bin`, {
        method: 'PUT',
        ca: nginx.ca,
        agent: false,
        headers: { Authorization: auth, Expect: '100-continue', 'Content-Length': String(body.length) },
      });
      let continued = false;
      req.on('continue', () => {
        continued = true;
        req.end(body);
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve({ continued, status: res.statusCode ?? 0 }));
      });
      req.on('error', reject);
    });
    expect(status).to.deep.equal({ continued: true, status: 201 });
    expect(fs.statSync(path.join(srv.nasd.config.storageRoot, 'homes', 'proxied', 'expect100.bin')).size).to.equal(body.length);
  });

  it('takes a tus upload through nginx, aborted half-way and resumed, with https Location URLs', async () => {
    const data = crypto.randomBytes(1024 * 1024 + 17);
    const endpoint = `${nginx.baseUrl}/api/uploads/`;
    const first = await tusUpload(endpoint, user.token, data, { filename: 'through-nginx.bin', stopAfter: 512 * 1024, ca: nginx.ca });
    expect(first.stopped).to.equal(true);
    expect(first.url.startsWith(`${nginx.baseUrl}/api/uploads/`), first.url).to.equal(true);
    const head = await httpsRequest(first.url, { ca: nginx.ca, method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${user.token}` } });
    expect(Number(head.headers['upload-offset'])).to.be.at.least(512 * 1024).and.below(data.length);
    await tusUpload(endpoint, user.token, data, { filename: 'through-nginx.bin', uploadUrl: first.url, ca: nginx.ca });
    const stored = fs.readFileSync(path.join(srv.nasd.config.storageRoot, 'homes', 'proxied', 'through-nginx.bin'));
    expect(sha256(stored)).to.equal(sha256(data));
  });

  it('records the real client address, not one the client made up', async () => {
    // The client connects from 127.0.0.2 and claims 203.0.113.9; nginx (which reaches nasd from
    // 127.0.0.1) replaces the header, so nasd's audit log names 127.0.0.2.
    const res = await httpsRequest(`${nginx.baseUrl}/api/auth/login`, {
      ca: nginx.ca,
      method: 'POST',
      localAddress: '127.0.0.2',
      headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': '203.0.113.9', Forwarded: 'for=203.0.113.9' },
      body: JSON.stringify({ username: user.username, password: 'not-the-password' }),
    });
    expect(res.status).to.equal(401);
    const audit = await httpsRequest(`${nginx.baseUrl}/api/audit?action=auth.login&outcome=failure`, { ca: nginx.ca, headers: { Authorization: `Bearer ${adminToken}` } });
    expect(audit.status).to.equal(200);
    const rows = (JSON.parse(audit.body) as { items: Array<{ target: string; address: string }> }).items.filter((r) => r.target === user.username);
    expect(rows.map((r) => r.address)).to.deep.equal(['127.0.0.2']);

    // WebDAV and tus take the same address: an administrator entering a user's home is audited.
    const spoof = { 'X-Forwarded-For': '203.0.113.9' };
    const basic = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
    const propfind = await httpsRequest(`${nginx.baseUrl}/dav/homes/proxied/`, { ca: nginx.ca, method: 'PROPFIND', localAddress: '127.0.0.2', headers: { ...spoof, Depth: '0', Authorization: basic } });
    expect(propfind.status).to.equal(207);
    const create = await httpsRequest(`${nginx.baseUrl}/api/uploads/`, {
      ca: nginx.ca,
      method: 'POST',
      localAddress: '127.0.0.4',
      headers: { ...spoof, 'Tus-Resumable': '1.0.0', 'Upload-Length': '3', Authorization: `Bearer ${adminToken}`, 'Upload-Metadata': `filename ${Buffer.from('a.txt').toString('base64')},folder ${Buffer.from('/homes/proxied').toString('base64')}` },
    });
    expect(create.status, create.body).to.equal(201);
    const access = await httpsRequest(`${nginx.baseUrl}/api/audit?limit=100`, { ca: nginx.ca, headers: { Authorization: `Bearer ${adminToken}` } });
    const byProtocol = (JSON.parse(access.body) as { items: Array<{ action: string; protocol: string; address: string }> }).items.filter((r) => r.action === 'home.admin_access').map((r) => `${r.protocol} ${r.address}`);
    expect(byProtocol).to.include.members(['webdav 127.0.0.2', 'tus 127.0.0.4']);
    expect(byProtocol.join()).to.not.contain('203.0.113.9');
  });

  it('limits sign-in attempts per client address (429 from nginx past the burst)', async () => {
    const attempt = () =>
      httpsRequest(`${nginx.baseUrl}/api/auth/login`, {
        ca: nginx.ca,
        method: 'POST',
        localAddress: '127.0.0.3',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'nobody-here', password: 'x' }),
      });
    const statuses = await Promise.all(Array.from({ length: 40 }, attempt));
    // nginx's own 429 page is HTML; nasd's throttle would answer JSON.
    const byNginx = statuses.filter((r) => r.status === 429 && String(r.headers['content-type']).startsWith('text/html'));
    expect(byNginx.length, 'refused by limit_req').to.be.greaterThan(0);
    // Other addresses are not affected.
    const health = await httpsRequest(`${nginx.baseUrl}/api/health`, { ca: nginx.ca });
    expect(health.status).to.equal(200);
  });

  describe('the admin UI through TLS', () => {
    let browser: Browser;
    before(async function () {
      browser = await launchBrowser(this);
    });
    after(async () => {
      await browser?.close();
    });

    it('loads the sign-in page without errors', async () => {
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      page.on('pageerror', (e) => problems.push(e.message));
      const res = await page.goto(`${nginx.baseUrl}/`);
      expect(res?.status()).to.equal(200);
      expect(res?.headers()['strict-transport-security']).to.equal('max-age=63072000');
      await page.locator('input[autocomplete=username]').waitFor();
      expect(await page.locator('button[type=submit]').textContent()).to.contain('Sign in');
      expect(problems).to.deep.equal([]);
      await context.close();
    });
  });
});
