import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { SignJWT } from 'jose';
import { createUser, login, loginAdmin, type CreatedUser } from '../../helpers/auth.js';
import { describeEachDb } from '../../helpers/db.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describeEachDb('identity: login, tokens, logout', (kind) => {
  let srv: TestServer;
  let admin: { accessToken: string; user: { id: number } };
  let bob: CreatedUser;
  let key: Uint8Array;

  before(async function () {
    srv = await startTestServer(this, kind);
    admin = await loginAdmin(srv);
    bob = await createUser(srv, admin.accessToken, { username: 'bob' });
    key = new TextEncoder().encode(fs.readFileSync(path.join(srv.dataDir, 'jwt-secret'), 'utf8').trim());
  });
  after(async () => srv?.close());

  const me = (token: string) => api(srv.baseUrl, 'GET', '/api/me', { token });

  it('logs in and serves /api/me without secrets', async () => {
    const session = await loginAdmin(srv);
    expect(session.user).to.include({ username: 'admin', role: 'admin', disabled: false, totpEnabled: false });
    const res = await me(session.accessToken);
    expect(res.status).to.equal(200);
    expect(res.body.username).to.equal('admin');
    expect(res.body).to.not.have.any.keys('passwordHash', 'totpSecret');
  });

  it('refuses a wrong password and an unknown user alike', async () => {
    const wrong = await api(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'bob', password: 'wrong-password' } });
    const unknown = await api(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'ghost', password: 'wrong-password' } });
    expect(wrong.status).to.equal(401);
    expect(unknown.status).to.equal(401);
    expect(wrong.body.error).to.deep.equal(unknown.body.error);
    expect(wrong.body.error.code).to.equal('UNAUTHENTICATED');
  });

  it('requires a bearer token on user routes', async () => {
    const res = await api(srv.baseUrl, 'GET', '/api/me');
    expect(res.status).to.equal(401);
    expect(res.headers.get('www-authenticate')).to.contain('Bearer');
  });

  describe('forged access tokens', () => {
    it('refuses alg none', async () => {
      const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: String(admin.user.id), iss: 'nasd', aud: 'nasd-api', iat: 1, exp: 9999999999 })}.`;
      expect((await me(token)).status).to.equal(401);
    });

    it('refuses a token signed with another key', async () => {
      const token = await new SignJWT({ sid: 'x' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(String(admin.user.id))
        .setIssuer('nasd')
        .setAudience('nasd-api')
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode('another-key-another-key-another-key!'));
      expect((await me(token)).status).to.equal(401);
    });

    it('refuses a tampered payload (bob claiming to be admin)', async () => {
      const [header, payload, signature] = bob.token.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      expect((await me(bob.token)).body.username).to.equal('bob');
      const forged = `${header}.${b64url({ ...claims, sub: String(admin.user.id) })}.${signature}`;
      const res = await me(forged);
      expect(res.status).to.equal(401);
      expect(res.body.error.code).to.equal('UNAUTHENTICATED');
    });

    it('refuses an expired token signed with the real key', async () => {
      const sid = JSON.parse(Buffer.from(bob.token.split('.')[1], 'base64url').toString()).sid;
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ sid })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(String(bob.id))
        .setIssuer('nasd')
        .setAudience('nasd-api')
        .setIssuedAt(now - 1000)
        .setExpirationTime(now - 100)
        .sign(key);
      const res = await me(token);
      expect(res.status).to.equal(401);
      expect(res.body.error.message).to.contain('expired');
    });

    it('refuses another HMAC algorithm even with the real key', async () => {
      const sid = JSON.parse(Buffer.from(bob.token.split('.')[1], 'base64url').toString()).sid;
      const token = await new SignJWT({ sid })
        .setProtectedHeader({ alg: 'HS512' })
        .setSubject(String(bob.id))
        .setIssuer('nasd')
        .setAudience('nasd-api')
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(key);
      expect((await me(token)).status).to.equal(401);
    });
  });

  it('rotates refresh tokens; a reused one revokes the whole family', async () => {
    const first = await login(srv.baseUrl, 'bob', bob.password);
    const r1 = await api(srv.baseUrl, 'POST', '/api/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(r1.status).to.equal(200);
    expect(r1.body.refreshToken).to.not.equal(first.refreshToken);
    expect((await me(r1.body.accessToken)).status).to.equal(200);
    const r2 = await api(srv.baseUrl, 'POST', '/api/auth/refresh', { body: { refreshToken: r1.body.refreshToken } });
    expect(r2.status).to.equal(200);

    const reuse = await api(srv.baseUrl, 'POST', '/api/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(reuse.status).to.equal(401);
    // the newest token of the family and its access token stop working too
    const newest = await api(srv.baseUrl, 'POST', '/api/auth/refresh', { body: { refreshToken: r2.body.refreshToken } });
    expect(newest.status).to.equal(401);
    expect((await me(r2.body.accessToken)).status).to.equal(401);
    // other sessions of the user are untouched
    expect((await me(bob.token)).status).to.equal(200);

    const audit = await api(srv.baseUrl, 'GET', '/api/audit?action=auth.refresh.reuse', { token: admin.accessToken });
    expect(audit.body.items.some((e: { target: string }) => e.target === 'bob')).to.equal(true);
  });

  it('refuses unknown refresh tokens', async () => {
    const res = await api(srv.baseUrl, 'POST', '/api/auth/refresh', { body: { refreshToken: 'not-a-token' } });
    expect(res.status).to.equal(401);
  });

  it('logout ends the current session (access and refresh token)', async () => {
    const session = await login(srv.baseUrl, 'bob', bob.password);
    const out = await api(srv.baseUrl, 'POST', '/api/auth/logout', { token: session.accessToken, body: {} });
    expect(out.status).to.equal(204);
    expect((await me(session.accessToken)).status).to.equal(401);
    const refresh = await api(srv.baseUrl, 'POST', '/api/auth/logout', { body: { refreshToken: session.refreshToken } });
    expect(refresh.status).to.equal(204);
    expect((await api(srv.baseUrl, 'POST', '/api/auth/refresh', { body: { refreshToken: session.refreshToken } })).status).to.equal(401);
  });

  it('logout with only a refresh token ends that session', async () => {
    const session = await login(srv.baseUrl, 'bob', bob.password);
    expect((await api(srv.baseUrl, 'POST', '/api/auth/logout', { body: { refreshToken: session.refreshToken } })).status).to.equal(204);
    expect((await me(session.accessToken)).status).to.equal(401);
    expect((await api(srv.baseUrl, 'POST', '/api/auth/logout', { body: {} })).status).to.equal(401);
  });

  it('lists and revokes own sessions, not other users\u2019', async () => {
    const a = await login(srv.baseUrl, 'bob', bob.password);
    const b = await login(srv.baseUrl, 'bob', bob.password);
    const list = await api(srv.baseUrl, 'GET', '/api/me/sessions', { token: a.accessToken });
    expect(list.status).to.equal(200);
    const current = list.body.items.filter((s: { current: boolean }) => s.current);
    expect(current).to.have.length(1);
    const sidOf = (t: string) => JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString()).sid as string;
    expect(current[0].id).to.equal(sidOf(a.accessToken));
    expect(list.body.items.map((s: { id: string }) => s.id)).to.include(sidOf(b.accessToken));

    const foreign = await api(srv.baseUrl, 'DELETE', `/api/me/sessions/${sidOf(b.accessToken)}`, { token: admin.accessToken });
    expect(foreign.status).to.equal(404);
    expect((await me(b.accessToken)).status).to.equal(200);
    const own = await api(srv.baseUrl, 'DELETE', `/api/me/sessions/${sidOf(b.accessToken)}`, { token: a.accessToken });
    expect(own.status).to.equal(204);
    expect((await me(b.accessToken)).status).to.equal(401);
    expect((await me(a.accessToken)).status).to.equal(200);
    expect((await api(srv.baseUrl, 'DELETE', '/api/me/sessions/not-a-uuid', { token: a.accessToken })).status).to.equal(400);
  });

  it('does not accept API login with the access token user\u2019s app password', async () => {
    const created = await api(srv.baseUrl, 'POST', '/api/me/app-passwords', { token: bob.token, body: { name: 'laptop', password: bob.password } });
    expect(created.status).to.equal(201);
    const res = await api(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'bob', password: created.body.password } });
    expect(res.status).to.equal(401);
  });

  describe('bad request bodies', () => {
    it('answers malformed JSON with 400 and the error shape', async () => {
      const res = await api(srv.baseUrl, 'POST', '/api/auth/login', { rawBody: '{"username": "admin",', headers: { 'Content-Type': 'application/json' } });
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('VALIDATION');
    });

    it('answers an oversized body with 413 and the error shape', async () => {
      const res = await api(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'admin', password: 'x'.repeat(1100 * 1024) } });
      expect(res.status).to.equal(413);
      expect(res.body.error.code).to.equal('PAYLOAD_TOO_LARGE');
    });

    it('rejects unknown fields', async () => {
      const res = await api(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'bob', password: bob.password, role: 'admin' } });
      expect(res.status).to.equal(400);
      expect(res.body.error.message).to.match(/role|unrecognized/i);
    });

    it('rejects a non-JSON body', async () => {
      const res = await api(srv.baseUrl, 'POST', '/api/auth/login', { rawBody: 'username=admin', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
      expect(res.status).to.equal(415);
    });
  });
});
