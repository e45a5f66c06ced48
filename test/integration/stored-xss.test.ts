import { expect } from 'chai';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { createUser, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { launchBrowser } from '../helpers/browser.js';
import { describeEachDb } from '../helpers/db.js';
import { ADMIN_PASSWORD, api, startTestServer, type TestServer } from '../helpers/server.js';
import { dav } from '../helpers/webdav.js';

/**
 * What an attacker's stored page would do on nasd's origin: leave a marker, steal whatever
 * credential page script can reach, try a cookie refresh and create an admin. Every request it
 * makes goes to /api/, so "no request to /api/ from that page" means "no script ran".
 */
const PAYLOAD = `
  window.__pwned = true;
  document.title = 'pwned';
  const loot = JSON.stringify({ s: { ...sessionStorage }, l: { ...localStorage }, c: document.cookie });
  fetch('/api/xss-marker?loot=' + encodeURIComponent(loot));
  fetch('/api/auth/refresh', { method: 'POST', headers: { 'X-Nasd-Session': 'cookie', 'Content-Type': 'application/json' }, body: '{}' })
    .then((r) => r.json())
    .then((t) => fetch('/api/users', { method: 'POST', headers: { Authorization: 'Bearer ' + t.accessToken, 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'evil', password: 'evil-password-1', role: 'admin' }) }));
`;
const FILES: Record<string, string> = {
  'evil.html': `<!doctype html><title>cat pictures</title><img src=x onerror="fetch('/api/xss-marker-onerror')"><script>${PAYLOAD}</script>`,
  'evil.svg': `<svg xmlns="http://www.w3.org/2000/svg" onload="fetch('/api/xss-marker-onload')"><script>${PAYLOAD}</script></svg>`,
};

describeEachDb('stored XSS: files opened from /dav in the admin\'s signed-in browser (Chromium)', (kind) => {
  let srv: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let ui: Page;
  let mallory: CreatedUser;
  const apiRequests: { page: Page | null; url: string }[] = [];

  before(async function () {
    this.timeout(60_000);
    browser = await launchBrowser(this);
    srv = await startTestServer(this, kind);
    const admin = await loginAdmin(srv);
    mallory = await createUser(srv, admin.accessToken, { username: 'mallory' });
    const share = await api(srv.baseUrl, 'POST', '/api/shares', { token: admin.accessToken, body: { name: 'team' } });
    expect(share.status).to.equal(201);
    const acl = await api(srv.baseUrl, 'PUT', `/api/shares/${share.body.id}/acl`, { token: admin.accessToken, body: { entries: [{ userId: mallory.id, access: 'write' }] } });
    expect(acl.status).to.equal(200);
    for (const [name, body] of Object.entries(FILES)) {
      expect((await dav(srv.baseUrl, 'PUT', `/dav/team/${name}`, { auth: [mallory.username, mallory.password], body })).status, name).to.equal(201);
    }
    // The admin's browser: Basic credentials for /dav are answered as a browser that was asked for them once would.
    context = await browser.newContext({ httpCredentials: { username: 'admin', password: ADMIN_PASSWORD }, acceptDownloads: true });
    context.on('request', (r: Request) => {
      if (new URL(r.url()).pathname.startsWith('/api/')) apiRequests.push({ page: r.frame()?.page() ?? null, url: r.url() });
    });
    ui = await context.newPage();
  });
  after(async () => {
    await browser?.close();
    await srv?.close();
  });

  it('the signed-in UI keeps no refresh token where page script can read it', async () => {
    await ui.goto(`${srv.baseUrl}/`);
    await ui.getByRole('heading', { name: 'Sign in to nasd' }).waitFor();
    await ui.fill('input[name=username]', 'admin');
    await ui.fill('input[name=password]', ADMIN_PASSWORD);
    await ui.click('button[type=submit]');
    await ui.getByRole('heading', { name: 'Hello, admin' }).waitFor();
    const cookie = (await context.cookies(srv.baseUrl + '/api/auth/')).find((c) => c.name === 'nasd_refresh');
    expect(cookie, 'nasd_refresh cookie').to.not.equal(undefined);
    expect([cookie!.httpOnly, cookie!.sameSite, cookie!.path]).to.deep.equal([true, 'Strict', '/api/auth/']);
    const readable = await ui.evaluate(() => JSON.stringify({ s: { ...sessionStorage }, l: { ...localStorage }, c: document.cookie }));
    expect(readable).to.not.contain(cookie!.value);
    expect(readable).to.not.match(/refresh/i);
  });

  it('a reload resumes the session through the cookie', async () => {
    await ui.reload();
    await ui.getByRole('heading', { name: 'Hello, admin' }).waitFor();
    expect(await ui.textContent('.who')).to.contain('admin');
  });

  it('parallel 401s share one refresh (no refresh race)', async () => {
    let refreshes = 0;
    let refused = 0;
    const onRequest = (r: Request) => {
      if (new URL(r.url()).pathname === '/api/auth/refresh') refreshes++;
    };
    context.on('request', onRequest);
    // The first two calls see an expired access token.
    await ui.route('**/api/me', (route) => (refused++ < 2 ? route.fulfill({ status: 401, contentType: 'application/json', body: '{"error":{"code":"UNAUTHENTICATED","message":"expired"}}' }) : route.continue()));
    try {
      const names = await ui.evaluate(async () => {
        // A URL in the page, not a module of this repository: tsc must not try to resolve it.
        const moduleUrl = '/ui/lib/api.js';
        const { api } = await import(moduleUrl);
        return Promise.all([api('GET', '/api/me'), api('GET', '/api/me')].map((p) => p.then((u: { username: string }) => u.username)));
      });
      expect(names).to.deep.equal(['admin', 'admin']);
      expect(refreshes).to.equal(1);
    } finally {
      await ui.unroute('**/api/me');
      context.off('request', onRequest);
    }
    await ui.reload();
    await ui.getByRole('heading', { name: 'Hello, admin' }).waitFor();
  });

  for (const name of Object.keys(FILES)) {
    it(`opening /dav/team/${name} directly runs no script: no request from it reaches the API`, async () => {
      const page = await context.newPage();
      try {
        const download = page.waitForEvent('download', { timeout: 5000 }).catch(() => null);
        const response = await page.goto(`${srv.baseUrl}/dav/team/${name}`).catch((err: Error) => {
          if (/Download is starting/.test(err.message)) return null;
          throw err;
        });
        // A script would fire its requests while the document loads; give it a bounded moment.
        await page.waitForRequest((r) => new URL(r.url()).pathname.startsWith('/api/'), { timeout: 1500 }).catch(() => null);
        const fromPage = apiRequests.filter((r) => r.page === page);
        expect(fromPage.map((r) => r.url)).to.deep.equal([]);
        expect(await page.evaluate(() => (window as unknown as { __pwned?: boolean }).__pwned ?? false)).to.equal(false);
        expect(await page.title()).to.not.equal('pwned');
        // Served as a sandboxed attachment, it never became a document on nasd's origin.
        if (response) expect(response.headers()['content-security-policy']).to.equal("sandbox; default-src 'none'");
        else expect((await download)?.suggestedFilename()).to.equal(name);
      } finally {
        await page.close();
      }
      const users = await api(srv.baseUrl, 'GET', '/api/users', { token: (await loginAdmin(srv)).accessToken });
      expect(users.body.items ?? users.body, 'no account was created').to.satisfy((list: { username: string }[]) => !list.some((u) => u.username === 'evil'));
    });
  }
});
