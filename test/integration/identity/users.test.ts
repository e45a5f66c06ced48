import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { createNasd } from '../../../src/main.js';
import { BASIC_TRUST_MS } from '../../../src/services/identity/basic-auth.js';
import { rejection } from '../../helpers/rejection.js';
import { createUser, login, loginAdmin, type CreatedUser } from '../../helpers/auth.js';
import { describeEachDb } from '../../helpers/db.js';
import { ADMIN_PASSWORD, api, startTestServer, type TestServer } from '../../helpers/server.js';

describeEachDb('identity: users API', (kind) => {
  let srv: TestServer;
  let adminToken: string;
  let adminId: number;
  let carol: CreatedUser;

  before(async function () {
    srv = await startTestServer(this, kind);
    const admin = await loginAdmin(srv);
    adminToken = admin.accessToken;
    adminId = admin.user.id;
    carol = await createUser(srv, adminToken, { username: 'carol', quotaBytes: 5000 });
  });
  after(async () => srv?.close());

  const call = (method: string, p: string, token: string, body?: unknown) => api(srv.baseUrl, method, p, { token, ...(body === undefined ? {} : { body }) });

  it('wrote the first-run password file with mode 0600', () => {
    const file = path.join(srv.dataDir, 'initial-admin-password');
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    expect(fs.readFileSync(file, 'utf8').trim()).to.equal(ADMIN_PASSWORD);
    expect(srv.nasd.firstRun?.username).to.equal('admin');
  });

  it('does not create or announce an admin again on the next start', async () => {
    const second = await createNasd(srv.nasd.config);
    try {
      expect(second.firstRun).to.equal(undefined);
      expect((await second.identity.users.list()).filter((u) => u.username === 'admin')).to.have.length(1);
    } finally {
      await second.close();
    }
  });

  it('ends a cached Basic-auth credential at once in the instance that reset the password, and within the trust window in a second instance in the same process', async () => {
    const second = await createNasd(srv.nasd.config);
    try {
      const trudy = await createUser(srv, adminToken, { username: 'trudy', password: 'trudy-password-1' });
      const meta = { principal: null, protocol: 'webdav' as const, address: '192.0.2.7' };
      for (const nasd of [srv.nasd, second]) expect((await nasd.identity.verifyBasic('trudy', 'trudy-password-1', meta)).userId).to.equal(trudy.id);
      expect((await call('POST', `/api/users/${trudy.id}/password`, adminToken, { password: 'trudy-password-2' })).status).to.equal(204);
      expect((await rejection(srv.nasd.identity.verifyBasic('trudy', 'trudy-password-1', meta))).code).to.equal('UNAUTHENTICATED');
      await new Promise((r) => setTimeout(r, BASIC_TRUST_MS + 50));
      const refused = await rejection(second.identity.verifyBasic('trudy', 'trudy-password-1', meta));
      expect(refused.code, String(refused.message)).to.equal('UNAUTHENTICATED');
      expect((await second.identity.verifyBasic('trudy', 'trudy-password-2', meta)).userId).to.equal(trudy.id);
    } finally {
      await second.close();
    }
  });

  it('lets an admin list, get, update and delete users', async () => {
    const list = await call('GET', '/api/users', adminToken);
    expect(list.status).to.equal(200);
    expect(list.body.items.map((u: { username: string }) => u.username)).to.include.members(['admin', 'carol']);

    const created = await call('POST', '/api/users', adminToken, { username: 'dave', password: 'dave-password', role: 'user', quotaBytes: null, email: 'dave@example.org' });
    expect(created.status).to.equal(201);
    expect(created.body).to.include({ username: 'dave', role: 'user', quotaBytes: null, email: 'dave@example.org' });

    const patched = await call('PATCH', `/api/users/${created.body.id}`, adminToken, { quotaBytes: 1_000_000, displayName: 'Dave' });
    expect(patched.status).to.equal(200);
    expect(patched.body).to.include({ quotaBytes: 1_000_000, displayName: 'Dave' });
    expect((await call('GET', `/api/users/${created.body.id}`, adminToken)).body.quotaBytes).to.equal(1_000_000);

    const dave = await login(srv.baseUrl, 'dave', 'dave-password');
    expect((await call('DELETE', `/api/users/${created.body.id}`, adminToken)).status).to.equal(204);
    expect((await call('GET', `/api/users/${created.body.id}`, adminToken)).status).to.equal(404);
    // a deleted user's token stops working
    expect((await call('GET', '/api/me', dave.accessToken)).status).to.equal(401);
  });

  it('validates usernames, passwords and duplicates', async () => {
    for (const username of ['', 'Alice', '-x', '.x', 'a b', 'a/b', 'x'.repeat(33), 'root', 'homes']) {
      const res = await call('POST', '/api/users', adminToken, { username, password: 'long-enough' });
      expect(res.status, username).to.equal(400);
      expect(res.body.error.code).to.equal('VALIDATION');
    }
    expect((await call('POST', '/api/users', adminToken, { username: 'eve', password: 'short' })).status).to.equal(400);
    expect((await call('POST', '/api/users', adminToken, { username: 'carol', password: 'long-enough' })).status).to.equal(409);
    expect((await call('POST', '/api/users', adminToken, { username: 'eve', password: 'long-enough', quotaBytes: -1 })).status).to.equal(400);
    expect((await call('POST', '/api/users', adminToken, { username: 'eve', password: 'long-enough', role: 'root' })).status).to.equal(400);
    expect((await call('POST', '/api/users', adminToken, { username: 'eve', password: 'long-enough', passwordHash: 'x' })).status).to.equal(400);
    expect((await call('GET', '/api/users/abc', adminToken)).status).to.equal(400);
    expect((await call('GET', '/api/users/999999', adminToken)).status).to.equal(404);
  });

  it('forbids admin endpoints to a user', async () => {
    for (const [method, p, body] of [
      ['GET', '/api/users', undefined],
      ['POST', '/api/users', { username: 'mallory', password: 'long-enough' }],
      ['GET', `/api/users/${adminId}`, undefined],
      ['PATCH', `/api/users/${carol.id}`, { role: 'admin' }],
      ['DELETE', `/api/users/${adminId}`, undefined],
      ['POST', `/api/users/${adminId}/password`, { password: 'hijacked-pass' }],
      ['DELETE', `/api/users/${adminId}/totp`, undefined],
      ['GET', '/api/audit', undefined],
    ] as const) {
      const res = await call(method, p, carol.token, body);
      expect(res.status, `${method} ${p}`).to.equal(403);
      expect(res.body.error.code).to.equal('FORBIDDEN');
    }
    expect((await login(srv.baseUrl, 'admin', ADMIN_PASSWORD)).user.role).to.equal('admin');
  });

  it('lets users edit only their display name and email', async () => {
    const ok = await call('PATCH', '/api/me', carol.token, { displayName: 'Carol C', email: 'carol@example.org', password: carol.password });
    expect(ok.status).to.equal(200);
    expect(ok.body).to.include({ displayName: 'Carol C', email: 'carol@example.org', role: 'user', quotaBytes: 5000 });
    for (const body of [{ role: 'admin' }, { quotaBytes: null }, { disabled: false }, { username: 'root2' }, { displayName: 'x', role: 'admin' }]) {
      const res = await call('PATCH', '/api/me', carol.token, body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(res.body.error.code).to.equal('VALIDATION');
    }
    expect((await call('PATCH', '/api/me', carol.token, { email: 'not-an-email' })).status).to.equal(400);
    const after = await call('GET', '/api/me', carol.token);
    expect(after.body).to.include({ role: 'user', quotaBytes: 5000, disabled: false });
  });

  it('changes own password with the current one; other sessions end', async () => {
    const frank = await createUser(srv, adminToken, { username: 'frank', password: 'frank-password-1' });
    const other = await login(srv.baseUrl, 'frank', 'frank-password-1');
    const wrong = await call('POST', '/api/me/password', frank.token, { currentPassword: 'not-it-at-all', newPassword: 'frank-password-2' });
    expect(wrong.status).to.equal(403);
    const weak = await call('POST', '/api/me/password', frank.token, { currentPassword: 'frank-password-1', newPassword: 'short' });
    expect(weak.status).to.equal(400);
    const ok = await call('POST', '/api/me/password', frank.token, { currentPassword: 'frank-password-1', newPassword: 'frank-password-2' });
    expect(ok.status).to.equal(204);
    expect((await call('GET', '/api/me', frank.token)).status).to.equal(200);
    expect((await call('GET', '/api/me', other.accessToken)).status).to.equal(401);
    await login(srv.baseUrl, 'frank', 'frank-password-2');
    const old = await api(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'frank', password: 'frank-password-1' } });
    expect(old.status).to.equal(401);
  });

  it('lets an admin reset a password, which ends all sessions', async () => {
    const gina = await createUser(srv, adminToken, { username: 'gina' });
    expect((await call('POST', `/api/users/${gina.id}/password`, adminToken, { password: 'reset-password' })).status).to.equal(204);
    expect((await call('GET', '/api/me', gina.token)).status).to.equal(401);
    expect((await api(srv.baseUrl, 'POST', '/api/auth/refresh', { body: { refreshToken: gina.refreshToken } })).status).to.equal(401);
    await login(srv.baseUrl, 'gina', 'reset-password');
  });

  it('stops a disabled user at once and lets them back after re-enabling', async () => {
    const hank = await createUser(srv, adminToken, { username: 'hank' });
    expect((await call('PATCH', `/api/users/${hank.id}`, adminToken, { disabled: true })).status).to.equal(200);
    expect((await call('GET', '/api/me', hank.token)).status).to.equal(401);
    expect((await api(srv.baseUrl, 'POST', '/api/auth/refresh', { body: { refreshToken: hank.refreshToken } })).status).to.equal(401);
    const denied = await api(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'hank', password: hank.password } });
    expect(denied.status).to.equal(401);
    expect((await call('PATCH', `/api/users/${hank.id}`, adminToken, { disabled: false })).status).to.equal(200);
    await login(srv.baseUrl, 'hank', hank.password);
  });

  it('protects the last administrator', async () => {
    const self = await call('PATCH', `/api/users/${adminId}`, adminToken, { role: 'user' });
    expect(self.status).to.equal(409);
    expect(self.body.error.code).to.equal('CONFLICT');
    expect((await call('PATCH', `/api/users/${adminId}`, adminToken, { disabled: true })).status).to.equal(409);
    expect((await call('DELETE', `/api/users/${adminId}`, adminToken)).status).to.equal(409);

    const second = await createUser(srv, adminToken, { username: 'ivy', role: 'admin' });
    expect((await call('PATCH', `/api/users/${second.id}`, adminToken, { role: 'user' })).status).to.equal(200);
    expect((await call('PATCH', `/api/users/${second.id}`, adminToken, { role: 'admin' })).status).to.equal(200);
    // with two admins the first may be disabled by the second, then the second is the last one
    expect((await call('PATCH', `/api/users/${adminId}`, second.token, { disabled: true })).status).to.equal(200);
    expect((await call('DELETE', `/api/users/${second.id}`, second.token)).status).to.equal(409);
    expect((await call('PATCH', `/api/users/${adminId}`, second.token, { disabled: false })).status).to.equal(200);
    adminToken = (await loginAdmin(srv)).accessToken;
  });
});

describeEachDb('identity: first run without a configured password', (kind) => {
  let srv: TestServer;
  before(async function () {
    srv = await startTestServer(this, kind, { adminPassword: undefined });
  });
  after(async () => srv?.close());

  it('generates a strong password, writes it 0600 and it logs in', async () => {
    const file = path.join(srv.dataDir, 'initial-admin-password');
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    const password = fs.readFileSync(file, 'utf8').trim();
    expect(password).to.not.equal(ADMIN_PASSWORD);
    expect(password.length).to.be.at.least(20);
    expect(srv.nasd.firstRun).to.include({ username: 'admin', generated: true, passwordFile: file });
    const session = await login(srv.baseUrl, 'admin', password);
    expect(session.user.role).to.equal('admin');
  });

  it('keeps the JWT key in the data dir with mode 0600', () => {
    expect(fs.statSync(path.join(srv.dataDir, 'jwt-secret')).mode & 0o777).to.equal(0o600);
  });
});
