import { expect } from 'chai';
import { createUser, loginAdmin, type CreatedUser } from '../../helpers/auth.js';
import { describeEachDb } from '../../helpers/db.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

describeEachDb('identity: app passwords and Basic auth', (kind) => {
  let srv: TestServer;
  let adminToken: string;
  let kim: CreatedUser;
  const meta = { principal: null, protocol: 'webdav' as const, address: '192.0.2.10' };

  before(async function () {
    srv = await startTestServer(this, kind, { auth: { basicCacheSeconds: 60 } });
    adminToken = (await loginAdmin(srv)).accessToken;
    kim = await createUser(srv, adminToken, { username: 'kim' });
  });
  after(async () => srv?.close());

  const verify = (user: string, password: string) => srv.nasd.identity.verifyBasic(user, password, meta);

  it('accepts the account password while 2FA is off', async () => {
    const principal = await verify('kim', kim.password);
    expect(principal).to.deep.equal({ userId: kim.id, username: 'kim', isAdmin: false });
    expect(await codeOf(verify('kim', 'wrong-password'))).to.equal('UNAUTHENTICATED');
    expect(await codeOf(verify('nobody-here', kim.password))).to.equal('UNAUTHENTICATED');
  });

  it('creates an app password shown once, lists it with its last use, and it works for Basic auth only', async () => {
    const created = await api(srv.baseUrl, 'POST', '/api/me/app-passwords', { token: kim.token, body: { name: 'Windows laptop', password: kim.password } });
    expect(created.status).to.equal(201);
    expect(created.body.password).to.match(/^[a-z1-9]{6}(-[a-z1-9]{6}){3}$/);
    expect(created.body).to.include({ name: 'Windows laptop', lastUsedAt: null });

    const listed = await api(srv.baseUrl, 'GET', '/api/me/app-passwords', { token: kim.token });
    expect(listed.body.items).to.have.length(1);
    expect(listed.body.items[0]).to.not.have.property('password');

    const principal = await verify('kim', created.body.password);
    expect(principal.userId).to.equal(kim.id);
    // typed without dashes and in capitals, as some clients do
    await verify('KIM', created.body.password.replace(/-/g, '').toUpperCase());

    const after = await api(srv.baseUrl, 'GET', '/api/me/app-passwords', { token: kim.token });
    expect(after.body.items[0].lastUsedAt).to.be.a('number');
    expect(after.body.items[0].lastUsedAddress).to.equal('192.0.2.10');

    const apiLogin = await api(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'kim', password: created.body.password } });
    expect(apiLogin.status).to.equal(401);
  });

  it('keeps app passwords private to their owner', async () => {
    const mine = await api(srv.baseUrl, 'GET', '/api/me/app-passwords', { token: kim.token });
    const id = mine.body.items[0].id;
    const adminList = await api(srv.baseUrl, 'GET', '/api/me/app-passwords', { token: adminToken });
    expect(adminList.body.items).to.have.length(0);
    const foreign = await api(srv.baseUrl, 'DELETE', `/api/me/app-passwords/${id}`, { token: adminToken });
    expect(foreign.status).to.equal(404);
    expect((await api(srv.baseUrl, 'GET', '/api/me/app-passwords', { token: kim.token })).body.items).to.have.length(1);
  });

  it('stops a revoked app password at once, even when cached', async () => {
    const created = await api(srv.baseUrl, 'POST', '/api/me/app-passwords', { token: kim.token, body: { name: 'phone', password: kim.password } });
    await verify('kim', created.body.password);
    await verify('kim', created.body.password); // now served from the cache
    expect((await api(srv.baseUrl, 'DELETE', `/api/me/app-passwords/${created.body.id}`, { token: kim.token })).status).to.equal(204);
    expect(await codeOf(verify('kim', created.body.password))).to.equal('UNAUTHENTICATED');
    expect((await api(srv.baseUrl, 'DELETE', `/api/me/app-passwords/${created.body.id}`, { token: kim.token })).status).to.equal(404);
    const names = (await api(srv.baseUrl, 'GET', '/api/me/app-passwords', { token: kim.token })).body.items.map((i: { name: string }) => i.name);
    expect(names).to.deep.equal(['Windows laptop']);
  });

  it('ends cached Basic verifications on a password change and on disable', async () => {
    const lee = await createUser(srv, adminToken, { username: 'lee', password: 'lee-password-1' });
    await verify('lee', 'lee-password-1');
    expect((await api(srv.baseUrl, 'POST', `/api/users/${lee.id}/password`, { token: adminToken, body: { password: 'lee-password-2' } })).status).to.equal(204);
    expect(await codeOf(verify('lee', 'lee-password-1'))).to.equal('UNAUTHENTICATED');
    await verify('lee', 'lee-password-2');
    expect((await api(srv.baseUrl, 'PATCH', `/api/users/${lee.id}`, { token: adminToken, body: { disabled: true } })).status).to.equal(200);
    expect(await codeOf(verify('lee', 'lee-password-2'))).to.equal('UNAUTHENTICATED');
  });

  it('validates app password names and ids', async () => {
    expect((await api(srv.baseUrl, 'POST', '/api/me/app-passwords', { token: kim.token, body: { name: '' } })).status).to.equal(400);
    expect((await api(srv.baseUrl, 'POST', '/api/me/app-passwords', { token: kim.token, body: { name: 'x'.repeat(65) } })).status).to.equal(400);
    expect((await api(srv.baseUrl, 'POST', '/api/me/app-passwords', { token: kim.token, body: { name: 'a', userId: 1 } })).status).to.equal(400);
    expect((await api(srv.baseUrl, 'DELETE', '/api/me/app-passwords/abc', { token: kim.token })).status).to.equal(400);
    expect((await api(srv.baseUrl, 'GET', '/api/me/app-passwords')).status).to.equal(401);
  });

  it('audits app password creation, revocation and Basic failures', async () => {
    const res = await api(srv.baseUrl, 'GET', '/api/audit?action=auth.', { token: adminToken });
    const actions = res.body.items.map((e: { action: string; outcome: string }) => `${e.action}:${e.outcome}`);
    expect(actions).to.include.members(['auth.app_password.create:success', 'auth.app_password.revoke:success', 'auth.basic:failure', 'auth.basic:success']);
    const failure = res.body.items.find((e: { action: string; outcome: string }) => e.action === 'auth.basic' && e.outcome === 'failure');
    expect(failure).to.include({ address: '192.0.2.10', protocol: 'webdav' });
  });
});
