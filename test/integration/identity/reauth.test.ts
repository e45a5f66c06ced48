import { expect } from 'chai';
import { createUser, login, loginAdmin, type CreatedUser } from '../../helpers/auth.js';
import { describeEachDb } from '../../helpers/db.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { dav } from '../../helpers/webdav.js';

describeEachDb('identity: re-authentication and credential revocation', (kind) => {
  let srv: TestServer;
  let adminToken: string;

  before(async function () {
    srv = await startTestServer(this, kind, { auth: { basicCacheSeconds: 60 } });
    adminToken = (await loginAdmin(srv)).accessToken;
  });
  after(async () => srv?.close());

  const propfind = (user: string, password: string) => dav(srv.baseUrl, 'PROPFIND', '/dav/', { auth: [user, password], headers: { Depth: '0' } });
  const mint = (user: CreatedUser, body: Record<string, unknown>) => api(srv.baseUrl, 'POST', '/api/me/app-passwords', { token: user.token, body: { name: 'device', ...body } });

  it('needs the current password to create an app password (a token alone is not enough)', async () => {
    const ann = await createUser(srv, adminToken, { username: 'ann' });
    const none = await mint(ann, {});
    expect(none.status).to.equal(400);
    expect(none.body.error.code).to.equal('VALIDATION');
    const wrong = await mint(ann, { password: 'not-the-password' });
    expect(wrong.status).to.equal(403);
    expect(wrong.body.error.message).to.equal('the current password is wrong');
    const code = await mint(ann, { code: '123456' }); // 2FA is off: a code proves nothing
    expect(code.status).to.equal(403);
    expect((await api(srv.baseUrl, 'GET', '/api/me/app-passwords', { token: ann.token })).body.items).to.have.length(0);
    expect((await mint(ann, { password: ann.password })).status).to.equal(201);
  });

  it('needs the current password to turn 2FA on and to change the email, not the display name', async () => {
    const bea = await createUser(srv, adminToken, { username: 'bea' });
    await api(srv.baseUrl, 'POST', '/api/me/totp', { token: bea.token });
    const noPassword = await api(srv.baseUrl, 'POST', '/api/me/totp/confirm', { token: bea.token, body: { code: '123456' } });
    expect(noPassword.status).to.equal(400);
    const wrong = await api(srv.baseUrl, 'POST', '/api/me/totp/confirm', { token: bea.token, body: { code: '123456', password: 'not-the-password' } });
    expect(wrong.status).to.equal(403);
    expect((await api(srv.baseUrl, 'GET', '/api/me', { token: bea.token })).body.totpEnabled).to.equal(false);

    expect((await api(srv.baseUrl, 'PATCH', '/api/me', { token: bea.token, body: { displayName: 'Bea' } })).status).to.equal(200);
    const email = await api(srv.baseUrl, 'PATCH', '/api/me', { token: bea.token, body: { email: 'thief@example.org' } });
    expect(email.status).to.equal(400);
    expect(email.body.error.message).to.contain('current password');
    expect((await api(srv.baseUrl, 'PATCH', '/api/me', { token: bea.token, body: { email: 'thief@example.org', password: 'nope-nope' } })).status).to.equal(403);
    expect((await api(srv.baseUrl, 'GET', '/api/me', { token: bea.token })).body.email).to.equal('');
    const ok = await api(srv.baseUrl, 'PATCH', '/api/me', { token: bea.token, body: { email: 'bea@example.org', password: bea.password } });
    expect(ok.status).to.equal(200);
    expect(ok.body.email).to.equal('bea@example.org');
  });

  it('revokes app passwords and every session on an admin password reset, at once even when cached', async () => {
    const cy = await createUser(srv, adminToken, { username: 'cy' });
    const app = (await mint(cy, { password: cy.password })).body.password as string;
    expect((await propfind('cy', app)).status).to.equal(207);
    expect((await propfind('cy', app)).status).to.equal(207); // cached now
    expect((await api(srv.baseUrl, 'POST', `/api/users/${cy.id}/password`, { token: adminToken, body: { password: 'cy-new-password-1' } })).status).to.equal(204);
    expect((await propfind('cy', app)).status).to.equal(401);
    expect((await api(srv.baseUrl, 'GET', '/api/me', { token: cy.token })).status).to.equal(401);
    expect((await api(srv.baseUrl, 'POST', '/api/auth/refresh', { body: { refreshToken: cy.refreshToken } })).status).to.equal(401);
    const fresh = await login(srv.baseUrl, 'cy', 'cy-new-password-1');
    expect((await api(srv.baseUrl, 'GET', '/api/me/app-passwords', { token: fresh.accessToken })).body.items).to.have.length(0);
  });

  it('lets users choose what their own password change revokes (both by default)', async () => {
    const di = await createUser(srv, adminToken, { username: 'di' });
    const other = await login(srv.baseUrl, 'di', di.password);
    const app1 = (await mint(di, { password: di.password })).body.password as string;
    expect((await propfind('di', app1)).status).to.equal(207);
    const change = (current: string, next: string, flags: Record<string, boolean>) =>
      api(srv.baseUrl, 'POST', '/api/me/password', { token: di.token, body: { currentPassword: current, newPassword: next, ...flags } });

    expect((await change(di.password, 'di-password-two', { revokeOtherSessions: false, revokeAppPasswords: false })).status).to.equal(204);
    expect((await propfind('di', app1)).status).to.equal(207);
    expect((await api(srv.baseUrl, 'GET', '/api/me', { token: other.accessToken })).status).to.equal(200);

    expect((await change('di-password-two', 'di-password-three', {})).status).to.equal(204);
    expect((await propfind('di', app1)).status).to.equal(401);
    expect((await api(srv.baseUrl, 'GET', '/api/me', { token: other.accessToken })).status).to.equal(401);
    expect((await api(srv.baseUrl, 'GET', '/api/me', { token: di.token })).status).to.equal(200);
    expect((await change('di-password-three', 'di-password-four', { revokeAppPasswords: 'yes' as unknown as boolean })).status).to.equal(400);
  });
});
