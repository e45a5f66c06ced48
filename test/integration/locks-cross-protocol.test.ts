import crypto from 'node:crypto';
import { expect } from 'chai';
import { Upload } from 'tus-js-client';
import { createUser, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { ADMIN_PASSWORD, api, startTestServer, type TestServer } from '../helpers/server.js';
import { dav, lockBody, type DavRequestOptions } from '../helpers/webdav.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/**
 * WebDAV locks as every protocol sees them: who may lock what, the lifetime cap, the file API
 * and tus refusing to change locked resources, and locks going with their resource and owner.
 * Share `team` (owner: admin): alice has write, bob full.
 */
describeEachDb('webdav locks across protocols', (kind) => {
  let srv: TestServer;
  let adminToken: string;
  let alice: CreatedUser;
  let bob: CreatedUser;
  let teamId: number;
  const as = (u: CreatedUser, method: string, path: string, o: DavRequestOptions = {}) => dav(srv.baseUrl, method, path, { ...o, auth: [u.username, u.password] });
  const asAdmin = (method: string, path: string, o: DavRequestOptions = {}) => dav(srv.baseUrl, method, path, { ...o, auth: ['admin', ADMIN_PASSWORD] });
  const files = (method: string, path: string, body?: unknown, token = adminToken) => api(srv.baseUrl, method, `/api/files${path}`, { token, body });

  /** LOCKs a resource as `u` and returns the token (asserting the lock was granted). */
  async function lock(u: CreatedUser, path: string, headers: Record<string, string> = {}): Promise<string> {
    const res = await as(u, 'LOCK', path, { body: lockBody(), headers });
    expect(res.status, res.text).to.be.oneOf([200, 201]);
    const token = /^<(urn:uuid:[0-9a-f-]+)>$/.exec(String(res.headers['lock-token'] ?? ''))?.[1];
    expect(token).to.be.a('string');
    return token as string;
  }

  async function put(u: CreatedUser, path: string, body: string): Promise<void> {
    const res = await as(u, 'PUT', path, { body });
    expect(res.status, res.text).to.be.oneOf([201, 204]);
  }

  /** The 423 answer of the file API for a resource alice locked. */
  function expectLockedByAlice(res: { status: number; body: any }, path: string): void {
    expect(res.status, JSON.stringify(res.body)).to.equal(423);
    expect(res.body.error.code).to.equal('LOCKED');
    expect(res.body.error.message).to.match(new RegExp(`^${path} is locked over WebDAV by alice until \\d{4}-\\d\\d-\\d\\dT`));
    expect(res.body.error.details.locks[0]).to.include({ path, lockedBy: 'alice' });
  }

  /** A tus upload with tus-js-client as `token`; resolves with the status of a failure (0 when it succeeded). */
  function tusUpload(token: string, folder: string, filename: string, data: Buffer): Promise<{ status: number; body: string }> {
    return new Promise((resolve) => {
      const up = new Upload(data, {
        endpoint: `${srv.baseUrl}/api/uploads/`,
        retryDelays: [],
        headers: { Authorization: `Bearer ${token}` },
        metadata: { filename, folder },
        onSuccess: () => resolve({ status: 0, body: '' }),
        onError: (err) => {
          const res = (err as { originalResponse?: { getStatus(): number; getBody(): string } | null }).originalResponse;
          resolve({ status: res?.getStatus() ?? -1, body: res?.getBody() ?? String(err) });
        },
      });
      up.start();
    });
  }

  before(async function () {
    srv = await startTestServer(this, kind);
    adminToken = (await loginAdmin(srv)).accessToken;
    alice = await createUser(srv, adminToken, { username: 'alice' });
    bob = await createUser(srv, adminToken, { username: 'bob' });
    const share = await api(srv.baseUrl, 'POST', '/api/shares', { token: adminToken, body: { name: 'team' } });
    expect(share.status).to.equal(201);
    teamId = share.body.id;
    const acl = await api(srv.baseUrl, 'PUT', `/api/shares/${share.body.id}/acl`, {
      token: adminToken,
      body: { entries: [{ userId: alice.id, access: 'write' }, { userId: bob.id, access: 'full' }] },
    });
    expect(acl.status).to.equal(200);
  });
  after(async () => srv?.close());

  describe('who may lock what', () => {
    it('refuses a write user a lock on the share root, with depth infinity or 0, and grants full users and the admin', async () => {
      for (const depth of ['infinity', '0']) {
        const res = await as(alice, 'LOCK', '/dav/team/', { body: lockBody(), headers: { Depth: depth, Timeout: 'Infinite' } });
        expect(res.status, `Depth ${depth}`).to.equal(403);
        expect(res.text).to.contain("only the share's owner, an administrator or a user with full access may lock the share root /team");
      }
      const bobs = await lock(bob, '/dav/team/', { Depth: 'infinity' });
      expect((await as(bob, 'UNLOCK', '/dav/team/', { headers: { 'Lock-Token': `<${bobs}>` } })).status).to.equal(204);
      const admins = await lock({ username: 'admin', password: ADMIN_PASSWORD } as CreatedUser, '/dav/team/', { Depth: 'infinity' });
      expect((await asAdmin('UNLOCK', '/dav/team/', { headers: { 'Lock-Token': `<${admins}>` } })).status).to.equal(204);
      expect((await as(bob, 'PUT', '/dav/team/after-root-locks.txt', { body: 'x' })).status).to.equal(201);
    });

    it('re-checks the right to lock on refresh: a user whose access was lowered cannot keep a share-root lock', async () => {
      const dave = await createUser(srv, adminToken, { username: `dave-${kind}` });
      const acl = (access: string) =>
        api(srv.baseUrl, 'PUT', `/api/shares/${teamId}/acl`, {
          token: adminToken,
          body: { entries: [{ userId: alice.id, access: 'write' }, { userId: bob.id, access: 'full' }, { userId: dave.id, access }] },
        });
      expect((await acl('full')).status).to.equal(200);
      const token = await lock(dave, '/dav/team/', { Depth: 'infinity' });
      expect((await as(dave, 'LOCK', '/dav/team/', { headers: { If: `(<${token}>)` } })).status).to.equal(200);
      expect((await acl('write')).status).to.equal(200);
      const refresh = await as(dave, 'LOCK', '/dav/team/', { headers: { If: `(<${token}>)` } });
      expect(refresh.status).to.equal(403);
      expect((await as(dave, 'UNLOCK', '/dav/team/', { headers: { 'Lock-Token': `<${token}>` } })).status).to.equal(204);
      expect((await acl('none')).status).to.equal(200);
    });

    it('lets a write user lock their own file and folder below the root, not a folder holding other users\u2019 files', async () => {
      await put(alice, '/dav/team/alice-own.txt', 'a');
      const fileToken = await lock(alice, '/dav/team/alice-own.txt');
      expect((await as(alice, 'MKCOL', '/dav/team/alice-dir/')).status).to.equal(201);
      const dirToken = await lock(alice, '/dav/team/alice-dir/', { Depth: 'infinity' });
      expect((await as(alice, 'UNLOCK', '/dav/team/alice-dir/', { headers: { 'Lock-Token': `<${dirToken}>` } })).status).to.equal(204);
      await put(bob, '/dav/team/alice-dir/bobs.txt', 'b');
      const mixed = await as(alice, 'LOCK', '/dav/team/alice-dir/', { body: lockBody(), headers: { Depth: 'infinity' } });
      expect(mixed.status).to.equal(403);
      const shallow = await lock(alice, '/dav/team/alice-dir/', { Depth: '0' });
      expect((await as(alice, 'UNLOCK', '/dav/team/alice-dir/', { headers: { 'Lock-Token': `<${shallow}>` } })).status).to.equal(204);
      await put(bob, '/dav/team/bob-only.txt', 'b');
      expect((await as(alice, 'LOCK', '/dav/team/bob-only.txt', { body: lockBody() })).status).to.equal(403);
      expect((await as(alice, 'UNLOCK', '/dav/team/alice-own.txt', { headers: { 'Lock-Token': `<${fileToken}>` } })).status).to.equal(204);
    });

    it('lets only the home\u2019s user lock a home root; the admin may lock inside it', async () => {
      const res = await asAdmin('LOCK', '/dav/homes/bob/', { body: lockBody(), headers: { Depth: 'infinity' } });
      expect(res.status).to.equal(403);
      expect(res.text).to.contain("only the home's user may lock the whole home /homes/bob");
      const own = await lock(bob, '/dav/home/', { Depth: 'infinity' });
      expect((await as(bob, 'UNLOCK', '/dav/home/', { headers: { 'Lock-Token': `<${own}>` } })).status).to.equal(204);
      await put(bob, '/dav/home/for-admin.txt', 'x');
      const inside = await lock({ username: 'admin', password: ADMIN_PASSWORD } as CreatedUser, '/dav/homes/bob/for-admin.txt');
      expect((await asAdmin('UNLOCK', '/dav/homes/bob/for-admin.txt', { headers: { 'Lock-Token': `<${inside}>` } })).status).to.equal(204);
    });

    it('caps lock lifetimes at one hour: Infinite and longer requests get the cap, shorter ones what they asked', async () => {
      await put(alice, '/dav/home/cap.txt', 'c');
      for (const [asked, granted] of [['Infinite', 'Second-3600'], ['Second-604800', 'Second-3600'], ['Infinite, Second-4100000000', 'Second-3600'], ['Second-600', 'Second-600']]) {
        const res = await as(alice, 'LOCK', '/dav/home/cap.txt', { body: lockBody(), headers: { Timeout: asked } });
        expect(res.status, asked).to.equal(200);
        expect(res.text).to.contain(`<D:timeout>${granted}</D:timeout>`);
        const token = /<(urn:uuid:[^>]+)>/.exec(String(res.headers['lock-token']))?.[1];
        const row = await srv.nasd.db.knex('webdav_locks').where({ token }).first();
        expect(Number(row.expires_at) - Number(row.created_at)).to.be.at.most(3600_000);
        const refreshed = await as(alice, 'LOCK', '/dav/home/cap.txt', { headers: { If: `(<${token}>)`, Timeout: 'Infinite' } });
        expect(refreshed.text).to.contain('<D:timeout>Second-3600</D:timeout>');
        expect((await as(alice, 'UNLOCK', '/dav/home/cap.txt', { headers: { 'Lock-Token': `<${token}>` } })).status).to.equal(204);
      }
    });
  });

  describe('the file API honours locks', () => {
    it('refuses the admin deleting, overwriting, moving and renaming a WebDAV-locked file (423 LOCKED, who and until when)', async () => {
      await put(alice, '/dav/team/locked-api.txt', 'original');
      await put(alice, '/dav/team/other-api.txt', 'other');
      const token = await lock(alice, '/dav/team/locked-api.txt');
      expectLockedByAlice(await files('DELETE', `/?path=${encodeURIComponent('/team/locked-api.txt')}`), '/team/locked-api.txt');
      expectLockedByAlice(await files('POST', '/copy', { from: '/team/other-api.txt', to: '/team/locked-api.txt', overwrite: true }), '/team/locked-api.txt');
      expectLockedByAlice(await files('POST', '/move', { from: '/team/other-api.txt', to: '/team/locked-api.txt', overwrite: true }), '/team/locked-api.txt');
      expectLockedByAlice(await files('POST', '/move', { from: '/team/locked-api.txt', to: '/team/renamed-api.txt' }), '/team/locked-api.txt');
      // Nothing changed, and the lock holder still writes with her token.
      expect((await as(bob, 'GET', '/dav/team/locked-api.txt')).text).to.equal('original');
      expect((await as(bob, 'GET', '/dav/team/other-api.txt')).text).to.equal('other');
      expect((await as(alice, 'PUT', '/dav/team/locked-api.txt', { body: 'v2', headers: { If: `(<${token}>)` } })).status).to.equal(204);
      expect((await as(alice, 'UNLOCK', '/dav/team/locked-api.txt', { headers: { 'Lock-Token': `<${token}>` } })).status).to.equal(204);
      expect((await files('DELETE', `/?path=${encodeURIComponent('/team/locked-api.txt')}`)).status).to.equal(204);
    });

    it('refuses creating or moving things into a depth-infinity-locked folder, and a folder mkdir inside it', async () => {
      expect((await as(bob, 'MKCOL', '/dav/team/frozen/')).status).to.equal(201);
      await put(bob, '/dav/team/loose.txt', 'l');
      const bobToken = await lock(bob, '/dav/team/frozen/', { Depth: 'infinity' });
      const mkdir = await files('POST', '/mkdir', { path: '/team/frozen/sub' });
      expect(mkdir.status).to.equal(423);
      expect(mkdir.body.error.message).to.match(/^\/team\/frozen is locked over WebDAV by bob until /);
      expect((await files('POST', '/move', { from: '/team/loose.txt', to: '/team/frozen/loose.txt' })).status).to.equal(423);
      expect((await files('POST', '/copy', { from: '/team/loose.txt', to: '/team/frozen/loose.txt' })).status).to.equal(423);
      expect((await as(bob, 'PROPFIND', '/dav/team/frozen/', { headers: { Depth: '1' } })).text).to.not.contain('loose.txt');
      expect((await as(bob, 'UNLOCK', '/dav/team/frozen/', { headers: { 'Lock-Token': `<${bobToken}>` } })).status).to.equal(204);
      expect((await files('POST', '/mkdir', { path: '/team/frozen/sub' })).status).to.equal(201);
    });

    it('refuses the lock holder too over the API, which cannot carry a lock token', async () => {
      await put(alice, '/dav/home/own-locked.txt', 'mine');
      const token = await lock(alice, '/dav/home/own-locked.txt');
      expectLockedByAlice(await files('DELETE', `/?path=${encodeURIComponent('/home/own-locked.txt')}`, undefined, alice.token), '/home/own-locked.txt');
      expect((await as(alice, 'UNLOCK', '/dav/home/own-locked.txt', { headers: { 'Lock-Token': `<${token}>` } })).status).to.equal(204);
      expect((await files('DELETE', `/?path=${encodeURIComponent('/home/own-locked.txt')}`, undefined, alice.token)).status).to.equal(204);
    });

    it('takes the locks with the file when it is deleted or moved through the file API: a new file at that path is not locked', async () => {
      await put(alice, '/dav/team/lapsed-del.txt', 'old');
      await put(alice, '/dav/team/lapsed-move.txt', 'old');
      const tokens = [await lock(alice, '/dav/team/lapsed-del.txt'), await lock(alice, '/dav/team/lapsed-move.txt')];
      // While the locks hold, the admin is refused; once they lapse (the client went away) the admin may go ahead.
      expect((await files('DELETE', `/?path=${encodeURIComponent('/team/lapsed-del.txt')}`)).status).to.equal(423);
      await srv.nasd.db.knex('webdav_locks').whereIn('token', tokens).update({ expires_at: Date.now() - 1000 });
      expect((await files('DELETE', `/?path=${encodeURIComponent('/team/lapsed-del.txt')}`)).status).to.equal(204);
      expect((await files('POST', '/move', { from: '/team/lapsed-move.txt', to: '/team/moved-away.txt' })).status).to.equal(200);
      expect(await srv.nasd.db.knex('webdav_locks').whereIn('token', tokens)).to.deep.equal([]);
      for (const path of ['/dav/team/lapsed-del.txt', '/dav/team/lapsed-move.txt']) {
        await put(bob, path, 'new');
        const bobs = await lock(bob, path);
        expect((await as(bob, 'UNLOCK', path, { headers: { 'Lock-Token': `<${bobs}>` } })).status).to.equal(204);
      }
    });
  });

  describe('tus honours locks', () => {
    it('refuses creating an upload onto a locked file or into a depth-infinity-locked folder (423)', async () => {
      await put(alice, '/dav/team/tus-locked.txt', 'original');
      expect((await as(alice, 'MKCOL', '/dav/team/tus-frozen/')).status).to.equal(201);
      const fileToken = await lock(alice, '/dav/team/tus-locked.txt');
      const dirToken = await lock(alice, '/dav/team/tus-frozen/', { Depth: 'infinity' });
      const onto = await tusUpload(adminToken, '/team', 'tus-locked.txt', Buffer.from('replaced'));
      expect(onto.status).to.equal(423);
      expect(onto.body).to.match(/^\/team\/tus-locked\.txt is locked over WebDAV by alice until /);
      const into = await tusUpload(bob.token, '/team/tus-frozen', 'new.bin', crypto.randomBytes(1000));
      expect(into.status).to.equal(423);
      expect(into.body).to.match(/^\/team\/tus-frozen is locked over WebDAV by alice until /);
      expect((await as(bob, 'GET', '/dav/team/tus-locked.txt')).text).to.equal('original');
      expect((await as(bob, 'GET', '/dav/team/tus-frozen/new.bin')).status).to.equal(404);
      expect(await srv.nasd.db.knex('tus_uploads').whereIn('target_path', ['/team/tus-locked.txt', '/team/tus-frozen/new.bin'])).to.deep.equal([]);
      for (const [path, token] of [['/dav/team/tus-locked.txt', fileToken], ['/dav/team/tus-frozen/', dirToken]]) {
        expect((await as(alice, 'UNLOCK', path, { headers: { 'Lock-Token': `<${token}>` } })).status).to.equal(204);
      }
      expect((await tusUpload(adminToken, '/team', 'tus-locked.txt', Buffer.from('replaced'))).status).to.equal(0);
      expect((await as(bob, 'GET', '/dav/team/tus-locked.txt')).text).to.equal('replaced');
    });

    it('refuses the commit of an upload begun before the file was locked, and commits once it is unlocked', async () => {
      await put(alice, '/dav/team/tus-late.txt', 'original');
      const tus = { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${bob.token}` };
      const created = await fetch(`${srv.baseUrl}/api/uploads/`, {
        method: 'POST',
        headers: { ...tus, 'Upload-Length': '7', 'Upload-Metadata': `filename ${b64('tus-late.txt')},folder ${b64('/team')}` },
      });
      expect(created.status).to.equal(201);
      const url = new URL(created.headers.get('location') as string, srv.baseUrl).toString();
      const patch = (body: string, offset: number) =>
        fetch(url, { method: 'PATCH', headers: { ...tus, 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' }, body });
      expect((await patch('new', 0)).status).to.equal(204);
      const token = await lock(alice, '/dav/team/tus-late.txt');
      const last = await patch('data', 3);
      expect(last.status).to.equal(423);
      expect(await last.text()).to.match(/^\/team\/tus-late\.txt is locked over WebDAV by alice until /);
      expect((await as(bob, 'GET', '/dav/team/tus-late.txt')).text).to.equal('original');
      expect((await as(alice, 'UNLOCK', '/dav/team/tus-late.txt', { headers: { 'Lock-Token': `<${token}>` } })).status).to.equal(204);
      // The bytes stay staged: once the lock is gone, an empty PATCH at the end commits them.
      const head = await fetch(url, { method: 'HEAD', headers: tus });
      expect(head.headers.get('upload-offset')).to.equal('7');
      const retry = await patch('', 7);
      expect(retry.status, await retry.text()).to.equal(204);
      expect((await as(bob, 'GET', '/dav/team/tus-late.txt')).text).to.equal('newdata');
    });
  });

  describe('locks go with their owner', () => {
    it("drops a deleted user's locks on share paths, so they no longer block others", async () => {
      const carol = await createUser(srv, adminToken, { username: 'carol' });
      const entries = [{ userId: alice.id, access: 'write' }, { userId: bob.id, access: 'full' }, { userId: carol.id, access: 'full' }];
      expect((await api(srv.baseUrl, 'PUT', `/api/shares/${teamId}/acl`, { token: adminToken, body: { entries } })).status).to.equal(200);
      expect((await as(carol, 'MKCOL', '/dav/team/carols/')).status).to.equal(201);
      await put(carol, '/dav/team/carols/a.txt', 'a');
      await lock(carol, '/dav/team/carols/', { Depth: 'infinity', Timeout: 'Infinite' });
      await lock(carol, '/dav/team/carol-new.txt');
      expect((await as(bob, 'PUT', '/dav/team/carols/a.txt', { body: 'bob' })).status).to.equal(423);
      expect((await api(srv.baseUrl, 'DELETE', `/api/users/${carol.id}`, { token: adminToken })).status).to.equal(204);
      expect(await srv.nasd.db.knex('webdav_locks').where('principal_id', carol.id)).to.deep.equal([]);
      expect((await as(bob, 'PUT', '/dav/team/carols/a.txt', { body: 'bob' })).status).to.equal(204);
      expect((await as(bob, 'DELETE', '/dav/team/carol-new.txt')).status).to.equal(204);
      expect((await files('DELETE', `/?path=${encodeURIComponent('/team/carols')}`)).status).to.equal(204);
    });
  });
});
