import { expect } from 'chai';
import { generate } from 'otplib';
import { createUser, loginAdmin, type CreatedUser } from '../../helpers/auth.js';
import { describeEachDb } from '../../helpers/db.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

const COOKIE_MODE = { 'X-Nasd-Session': 'cookie' };

interface SetCookie {
  value: string;
  attributes: string[];
}

/** The nasd_refresh Set-Cookie of a response, split into its value and lower-cased attributes. */
function refreshCookie(headers: Headers): SetCookie | undefined {
  const line = headers.getSetCookie().find((c) => c.startsWith('nasd_refresh='));
  if (!line) return undefined;
  const [pair, ...attributes] = line.split(';').map((s) => s.trim());
  return { value: pair.slice('nasd_refresh='.length), attributes: attributes.map((a) => a.toLowerCase()) };
}

describeEachDb('identity: refresh token in an HttpOnly cookie (X-Nasd-Session: cookie)', (kind) => {
  let srv: TestServer;
  let dora: CreatedUser;

  before(async function () {
    srv = await startTestServer(this, kind, { http: { corsOrigins: ['https://ui.example'] } });
    const admin = await loginAdmin(srv);
    dora = await createUser(srv, admin.accessToken, { username: 'dora' });
  });
  after(async () => srv?.close());

  async function cookieLogin(): Promise<{ cookie: string; accessToken: string }> {
    const res = await api(srv.baseUrl, 'POST', '/api/auth/login', { headers: COOKIE_MODE, body: { username: 'dora', password: dora.password } });
    expect(res.status).to.equal(200);
    const cookie = refreshCookie(res.headers);
    if (!cookie) throw new Error('login set no nasd_refresh cookie');
    return { cookie: cookie.value, accessToken: res.body.accessToken };
  }

  const refresh = (cookie: string | undefined, headers: Record<string, string> = COOKIE_MODE) =>
    api(srv.baseUrl, 'POST', '/api/auth/refresh', { headers: { ...headers, ...(cookie ? { Cookie: `nasd_refresh=${cookie}` } : {}) }, body: {} });

  it('login with the header sets an HttpOnly, SameSite=Strict cookie on /api/auth/ and leaves the token out of the body', async () => {
    const res = await api(srv.baseUrl, 'POST', '/api/auth/login', { headers: COOKIE_MODE, body: { username: 'dora', password: dora.password } });
    expect(res.status).to.equal(200);
    expect(res.body).to.have.keys('accessToken', 'expiresIn', 'user');
    expect(JSON.stringify(res.body)).to.not.contain(refreshCookie(res.headers)!.value);
    const cookie = refreshCookie(res.headers)!;
    expect(cookie.value).to.match(/^[A-Za-z0-9_-]{40,}$/);
    expect(cookie.attributes).to.include.members(['path=/api/auth/', 'httponly', 'samesite=strict']);
    expect(cookie.attributes).to.not.include('secure'); // plain http on loopback
    expect((await api(srv.baseUrl, 'GET', '/api/me', { token: res.body.accessToken })).body.username).to.equal('dora');
  });

  it('marks the cookie Secure behind a trusted TLS proxy only', async function () {
    const proxied = await startTestServer(this, kind, { trustProxy: true });
    try {
      const login = (headers: Record<string, string>) =>
        api(proxied.baseUrl, 'POST', '/api/auth/login', { headers: { ...COOKIE_MODE, ...headers }, body: { username: 'admin', password: 'admin-test-password-1' } });
      const tls = await login({ 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'nas.example' });
      expect(tls.status).to.equal(200);
      expect(refreshCookie(tls.headers)!.attributes).to.include('secure');
      expect(refreshCookie((await login({})).headers)!.attributes).to.not.include('secure');
    } finally {
      await proxied.close();
    }
    // Without NASD_TRUST_PROXY the forwarded scheme is ignored.
    const untrusted = await api(srv.baseUrl, 'POST', '/api/auth/login', { headers: { ...COOKIE_MODE, 'X-Forwarded-Proto': 'https' }, body: { username: 'dora', password: dora.password } });
    expect(refreshCookie(untrusted.headers)!.attributes).to.not.include('secure');
  });

  it('without the header, login and refresh keep the token in the JSON body and set no cookie', async () => {
    const res = await api(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'dora', password: dora.password } });
    expect(res.body.refreshToken).to.be.a('string');
    expect(refreshCookie(res.headers)).to.equal(undefined);
    const next = await api(srv.baseUrl, 'POST', '/api/auth/refresh', { body: { refreshToken: res.body.refreshToken } });
    expect(next.status).to.equal(200);
    expect(next.body.refreshToken).to.be.a('string');
    expect(refreshCookie(next.headers)).to.equal(undefined);
  });

  it('refuses a cookie refresh without the header (403), and leaves the session usable', async () => {
    const { cookie } = await cookieLogin();
    const res = await refresh(cookie, {});
    expect(res.status).to.equal(403);
    expect(res.body.error).to.deep.include({ code: 'FORBIDDEN', details: { reason: 'SESSION_HEADER_REQUIRED' } });
    expect(res.body.error.message).to.contain('X-Nasd-Session: cookie');
    expect((await refresh(cookie)).status).to.equal(200);
  });

  it('refuses a cookie refresh from a foreign Origin (403) and accepts its own and a configured one', async () => {
    const { cookie } = await cookieLogin();
    for (const origin of ['http://evil.example', 'null', `${srv.baseUrl}.evil.example`]) {
      const res = await refresh(cookie, { ...COOKIE_MODE, Origin: origin });
      expect(res.status, origin).to.equal(403);
      expect(res.body.error.details, origin).to.deep.equal({ reason: 'ORIGIN_NOT_ALLOWED' });
    }
    const own = await refresh(cookie, { ...COOKIE_MODE, Origin: srv.baseUrl });
    expect(own.status).to.equal(200);
    const configured = await refresh(refreshCookie(own.headers)!.value, { ...COOKIE_MODE, Origin: 'https://ui.example' });
    expect(configured.status).to.equal(200);
  });

  it('rotates the cookie on refresh and answers without a body token', async () => {
    const { cookie } = await cookieLogin();
    const res = await refresh(cookie);
    expect(res.status).to.equal(200);
    expect(res.body).to.have.keys('accessToken', 'expiresIn', 'user');
    const next = refreshCookie(res.headers)!;
    expect(next.value).to.not.equal(cookie);
    expect(next.attributes).to.include.members(['path=/api/auth/', 'httponly', 'samesite=strict']);
    expect((await api(srv.baseUrl, 'GET', '/api/me', { token: res.body.accessToken })).status).to.equal(200);
    expect((await refresh(next.value)).status).to.equal(200);
  });

  it('reuse of a rotated cookie ends the whole session and clears the cookie', async () => {
    const { cookie, accessToken } = await cookieLogin();
    const rotated = await refresh(cookie);
    const newest = refreshCookie(rotated.headers)!.value;
    const reuse = await refresh(cookie);
    expect(reuse.status).to.equal(401);
    expect(reuse.body.error.message).to.contain('already used');
    expect(refreshCookie(reuse.headers)!.value).to.equal('');
    expect((await refresh(newest)).status).to.equal(401);
    expect((await api(srv.baseUrl, 'GET', '/api/me', { token: accessToken })).status).to.equal(401);
    expect((await api(srv.baseUrl, 'GET', '/api/me', { token: rotated.body.accessToken })).status).to.equal(401);
  });

  it('a cookie refresh with no cookie is 401', async () => {
    const res = await refresh(undefined);
    expect(res.status).to.equal(401);
    expect(res.body.error.code).to.equal('UNAUTHENTICATED');
  });

  it('logout with the header revokes the cookie\'s session and clears the cookie', async () => {
    const { cookie, accessToken } = await cookieLogin();
    const res = await api(srv.baseUrl, 'POST', '/api/auth/logout', { headers: { ...COOKIE_MODE, Cookie: `nasd_refresh=${cookie}` }, body: {} });
    expect(res.status).to.equal(204);
    const cleared = refreshCookie(res.headers)!;
    expect(cleared.value).to.equal('');
    expect(cleared.attributes).to.include('path=/api/auth/');
    expect(cleared.attributes.some((a) => a.startsWith('expires=thu, 01 jan 1970'))).to.equal(true);
    expect((await refresh(cookie)).status).to.equal(401);
    expect((await api(srv.baseUrl, 'GET', '/api/me', { token: accessToken })).status).to.equal(401);
  });

  it('logout with the cookie from a foreign Origin is refused and changes nothing', async () => {
    const { cookie } = await cookieLogin();
    const res = await api(srv.baseUrl, 'POST', '/api/auth/logout', { headers: { ...COOKIE_MODE, Origin: 'http://evil.example', Cookie: `nasd_refresh=${cookie}` }, body: {} });
    expect(res.status).to.equal(403);
    expect((await refresh(cookie)).status).to.equal(200);
  });

  it('the second step of a 2FA login sets the cookie the same way', async () => {
    const enrol = await api(srv.baseUrl, 'POST', '/api/me/totp', { token: dora.token });
    expect(enrol.status).to.equal(201);
    const code = await generate({ secret: enrol.body.secret });
    const confirm = await api(srv.baseUrl, 'POST', '/api/me/totp/confirm', { token: dora.token, body: { code } });
    expect(confirm.status).to.equal(200);
    const first = await api(srv.baseUrl, 'POST', '/api/auth/login', { headers: COOKIE_MODE, body: { username: 'dora', password: dora.password } });
    expect(first.status).to.equal(401);
    expect(refreshCookie(first.headers)).to.equal(undefined);
    const second = await api(srv.baseUrl, 'POST', '/api/auth/login', { headers: COOKIE_MODE, body: { username: 'dora', password: dora.password, totp: confirm.body.recoveryCodes[0] } });
    expect(second.status).to.equal(200);
    expect(second.body).to.not.have.property('refreshToken');
    expect(refreshCookie(second.headers)!.attributes).to.include('httponly');
  });

  it('documents refreshToken as optional in the OpenAPI bodies and answers', async () => {
    const doc = (await api(srv.baseUrl, 'GET', '/api/openapi.json')).body;
    for (const route of ['/api/auth/login', '/api/auth/refresh']) {
      const answer = doc.paths[route].post.responses['200'].content['application/json'].schema;
      expect(answer.properties, route).to.have.property('refreshToken');
      expect(answer.required, route).to.include('accessToken').and.not.include('refreshToken');
    }
    const body = doc.paths['/api/auth/refresh'].post.requestBody.content['application/json'].schema;
    expect(body.properties).to.have.property('refreshToken');
    expect(body.required ?? []).to.not.include('refreshToken');
  });
});
