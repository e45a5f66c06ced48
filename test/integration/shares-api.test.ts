import { expect } from 'chai';
import { loginAdmin } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { addLoggedInUser, type StorageTestUser } from '../helpers/storage.js';

describeEachDb('shares and usage API', (kind) => {
  let srv: TestServer;
  let admin: string;
  let alice: StorageTestUser;
  let bob: StorageTestUser;
  let shareId: number;

  before(async function () {
    srv = await startTestServer(this, kind);
    admin = (await loginAdmin(srv)).accessToken;
    alice = await addLoggedInUser(srv.nasd, srv.baseUrl, 'alice', 1000);
    bob = await addLoggedInUser(srv.nasd, srv.baseUrl, 'bob');
  });
  after(async () => srv?.close());

  it('lets an admin create a share with its folder, and validates names', async () => {
    const res = await api(srv.baseUrl, 'POST', '/api/shares', { token: admin, body: { name: 'media', description: 'films', sizeLimitBytes: 5000 } });
    expect(res.status).to.equal(201);
    expect(res.body).to.include({ name: 'media', sizeLimitBytes: 5000, usedBytes: 0, access: 'full', browseable: true });
    shareId = res.body.id;
    for (const name of ['Media', '../x', 'a/b', 'home', 'homes', '.hidden', 'con', '', 'x'.repeat(65)]) {
      const bad = await api(srv.baseUrl, 'POST', '/api/shares', { token: admin, body: { name } });
      expect(bad.status, name).to.equal(400);
    }
    expect((await api(srv.baseUrl, 'POST', '/api/shares', { token: admin, body: { name: 'media' } })).status).to.equal(409);
    expect((await api(srv.baseUrl, 'POST', '/api/shares', { token: admin, body: { name: 'x', extra: 1 } })).status).to.equal(400);
  });

  it('keeps writes admin-only and hides shares without rights', async () => {
    expect((await api(srv.baseUrl, 'POST', '/api/shares', { token: alice.token, body: { name: 'mine' } })).status).to.equal(403);
    expect((await api(srv.baseUrl, 'PATCH', `/api/shares/${shareId}`, { token: alice.token, body: { description: 'x' } })).status).to.equal(403);
    expect((await api(srv.baseUrl, 'DELETE', `/api/shares/${shareId}`, { token: alice.token })).status).to.equal(403);
    expect((await api(srv.baseUrl, 'PUT', `/api/shares/${shareId}/acl`, { token: alice.token, body: { entries: [] } })).status).to.equal(403);
    expect((await api(srv.baseUrl, 'GET', '/api/shares', { token: alice.token })).body.items).to.deep.equal([]);
    expect((await api(srv.baseUrl, 'GET', `/api/shares/${shareId}`, { token: alice.token })).status).to.equal(404);
    expect((await api(srv.baseUrl, 'GET', '/api/shares')).status).to.equal(401);
  });

  it('sets an ACL that the VFS enforces', async () => {
    const acl = await api(srv.baseUrl, 'PUT', `/api/shares/${shareId}/acl`, {
      token: admin,
      body: { entries: [{ userId: alice.id, access: 'write' }, { userId: bob.id, access: 'read' }] },
    });
    expect(acl.status).to.equal(200);
    expect(acl.body.items.map((e: { username: string; access: string }) => `${e.username}:${e.access}`)).to.deep.equal(['alice:write', 'bob:read']);
    expect((await api(srv.baseUrl, 'PUT', `/api/shares/${shareId}/acl`, { token: admin, body: { entries: [{ userId: 9999, access: 'read' }] } })).status).to.equal(400);
    expect((await api(srv.baseUrl, 'PUT', `/api/shares/${shareId}/acl`, { token: admin, body: { entries: [{ userId: bob.id, access: 'owner' }] } })).status).to.equal(400);
    const list = await api(srv.baseUrl, 'GET', '/api/shares', { token: bob.token });
    expect(list.body.items.map((s: { name: string; access: string }) => `${s.name}:${s.access}`)).to.deep.equal(['media:read']);
    const { Readable } = await import('node:stream');
    const actor = (u: StorageTestUser) => ({ principal: { userId: u.id, username: u.username, isAdmin: false }, protocol: 'api' as const });
    await srv.nasd.vfs.write(actor(alice), '/media/a.txt', Readable.from([Buffer.from('hello')]));
    await srv.nasd.vfs.write(actor(bob), '/media/b.txt', Readable.from([Buffer.from('x')])).then(
      () => expect.fail('bob may only read'),
      (err: { code: string }) => expect(err.code).to.equal('FORBIDDEN'),
    );
    const share = await api(srv.baseUrl, 'GET', `/api/shares/${shareId}`, { token: alice.token });
    expect(share.body).to.include({ usedBytes: 5, files: 1, access: 'write' });
  });

  it('reports usage per user', async () => {
    const mine = await api(srv.baseUrl, 'GET', '/api/usage', { token: alice.token });
    expect(mine.status).to.equal(200);
    expect(mine.body).to.include({ username: 'alice', usedBytes: 5, files: 1, quotaBytes: 1000, reservedBytes: 0 });
    expect((await api(srv.baseUrl, 'GET', '/api/usage/users', { token: alice.token })).status).to.equal(403);
    const all = await api(srv.baseUrl, 'GET', '/api/usage/users', { token: admin });
    expect(all.body.items.map((u: { username: string }) => u.username)).to.include.members(['admin', 'alice', 'bob']);
  });

  it('refuses to delete a share holding files unless asked to delete the data', async () => {
    expect((await api(srv.baseUrl, 'DELETE', `/api/shares/${shareId}`, { token: admin })).status).to.equal(409);
    expect((await api(srv.baseUrl, 'DELETE', `/api/shares/${shareId}?deleteData=true`, { token: admin })).status).to.equal(204);
    expect((await api(srv.baseUrl, 'GET', '/api/usage', { token: alice.token })).body.usedBytes).to.equal(0);
    expect((await api(srv.baseUrl, 'GET', `/api/shares/${shareId}`, { token: admin })).status).to.equal(404);
  });
});
