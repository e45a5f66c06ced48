import path from 'node:path';
import { expect } from 'chai';
import { TRAVERSAL_CORPUS } from '../fixtures/traversal-corpus.js';
import { createUser, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { actorOf, createShare, q, seed, snapshot } from '../helpers/files.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';

/** One request against the file API: method, path+query and an optional JSON body. */
type Req = [method: string, url: string, body?: unknown];

/** Every file API operation aimed at `target` (as source and as destination where both exist). */
function everyOperation(target: string, own: string): Req[] {
  return [
    ['GET', `/api/files/list?path=${q(target)}`],
    ['GET', `/api/files/stat?path=${q(target)}`],
    ['GET', `/api/files/download?path=${q(target)}`],
    ['GET', `/api/files/zip?path=${q(target)}`],
    ['POST', '/api/files/zip', { paths: [`${own}/mine.txt`, target] }],
    ['GET', `/api/files/preview?path=${q(target)}`],
    ['POST', '/api/files/mkdir', { path: `${target}/new-folder` }],
    ['POST', '/api/files/move', { from: target, to: `${own}/taken` }],
    ['POST', '/api/files/move', { from: `${own}/mine.txt`, to: `${target}/planted.txt` }],
    ['POST', '/api/files/move', { from: `${own}/mine.txt`, to: target, overwrite: true }],
    ['POST', '/api/files/copy', { from: target, to: `${own}/taken` }],
    ['POST', '/api/files/copy', { from: `${own}/mine.txt`, to: `${target}/planted.txt` }],
    ['POST', '/api/files/copy', { from: `${own}/mine.txt`, to: target, overwrite: true }],
    ['DELETE', `/api/files?path=${q(target)}`],
  ];
}

describeEachDb('file API security', (kind) => {
  let srv: TestServer;
  let admin: string;
  let alice: CreatedUser;
  let bob: CreatedUser;
  let storage: string;

  before(async function () {
    srv = await startTestServer(this, kind);
    storage = srv.nasd.config.storageRoot;
    admin = (await loginAdmin(srv)).accessToken;
    alice = await createUser(srv, admin, { username: 'alice' });
    bob = await createUser(srv, admin, { username: 'bob' });
    await createShare(srv, admin, 'private', [{ userId: bob.id, access: 'full' }]);
    await createShare(srv, admin, 'readonly', [{ userId: alice.id, access: 'read' }, { userId: bob.id, access: 'write' }]);
    await seed(srv.nasd, actorOf(bob), {
      '/home/secret.txt': 'bob only',
      '/home/dir/': '',
      '/home/dir/inner.txt': 'deeper',
      '/private/p.txt': 'private',
      '/private/pdir/': '',
      '/readonly/bobs.txt': 'written by bob',
      '/readonly/rdir/': '',
      '/readonly/rdir/r.txt': 'r',
    });
    await seed(srv.nasd, actorOf(alice), { '/home/mine.txt': 'alice', '/home/pic.png': 'x' });
  });
  after(async () => srv?.close());

  const as = (token: string | undefined, [method, url, body]: Req) => api(srv.baseUrl, method, url, { token, body });

  it("keeps alice out of bob's home and a share she has no rights on, for every operation", async () => {
    const before = { bob: snapshot(path.join(storage, 'homes/bob')), priv: snapshot(path.join(storage, 'shares/private')), alice: snapshot(path.join(storage, 'homes/alice')) };
    const targets = ['/homes/bob', '/homes/bob/secret.txt', '/homes/bob/dir', '/homes/bob/dir/inner.txt', '/private', '/private/p.txt', '/private/pdir'];
    let requests = 0;
    for (const target of targets) {
      for (const req of everyOperation(target, '/home')) {
        const res = await as(alice.token, req);
        expect(res.status, `${req[0]} ${req[1]} ${JSON.stringify(req[2] ?? '')}`).to.be.oneOf([403, 404]);
        requests++;
      }
    }
    expect(requests).to.equal(targets.length * 14);
    expect(snapshot(path.join(storage, 'homes/bob'))).to.deep.equal(before.bob);
    expect(snapshot(path.join(storage, 'shares/private'))).to.deep.equal(before.priv);
    expect(snapshot(path.join(storage, 'homes/alice'))).to.deep.equal(before.alice);
  });

  it('lets a read-only user read a share but change nothing in it', async () => {
    const before = snapshot(path.join(storage, 'shares/readonly'));
    expect((await as(alice.token, ['GET', '/api/files/list?path=/readonly'])).status).to.equal(200);
    expect((await as(alice.token, ['GET', '/api/files/download?path=/readonly/bobs.txt'])).body).to.equal('written by bob');
    const changes = everyOperation('/readonly/rdir', '/home').filter(([m, url]) => m !== 'GET' && url !== '/api/files/zip');
    changes.push(['DELETE', '/api/files?path=/readonly/bobs.txt'], ['POST', '/api/files/move', { from: '/readonly/bobs.txt', to: '/readonly/renamed.txt' }]);
    for (const req of changes) {
      const res = await as(alice.token, req);
      const copiesOut = req[1] === '/api/files/copy' && (req[2] as { from: string }).from.startsWith('/readonly');
      expect(res.status, `${req[0]} ${req[1]} ${JSON.stringify(req[2] ?? '')}`).to.equal(copiesOut ? 200 : 403);
    }
    expect(snapshot(path.join(storage, 'shares/readonly'))).to.deep.equal(before);
    await as(alice.token, ['DELETE', '/api/files?path=/home/taken']);
  });

  it('refuses every path of the traversal corpus at every entry point with 400', async () => {
    const before = snapshot(storage);
    for (const raw of TRAVERSAL_CORPUS) {
      for (const req of everyOperation(raw, '/home')) {
        const res = await as(alice.token, req);
        expect(res.status, `${req[0]} ${req[1].slice(0, 80)} ${JSON.stringify(req[2] ?? '').slice(0, 80)}`).to.equal(400);
      }
      const res = await as(alice.token, ['POST', '/api/files/mkdir', { path: raw }]);
      expect(res.status, raw).to.equal(400);
    }
    expect(snapshot(storage)).to.deep.equal(before);
  });

  it('requires a valid token (401) and an administrator where it says so (403)', async () => {
    for (const req of everyOperation('/home/mine.txt', '/home')) {
      expect((await as(undefined, req)).status, `${req[0]} ${req[1]}`).to.equal(401);
      expect((await as('not.a.token', req)).status, `${req[0]} ${req[1]}`).to.equal(401);
    }
    expect((await as(alice.token, ['GET', '/api/usage/users'])).status).to.equal(403);
    expect((await as(alice.token, ['POST', '/api/shares', { name: 'mine' }])).status).to.equal(403);
    expect((await as(alice.token, ['GET', '/api/files/list?path=/homes'])).status).to.equal(404);
    const adminView = await as(admin, ['GET', '/api/files/list?path=/homes/bob']);
    expect(adminView.status).to.equal(200);
    expect(adminView.body.items.map((e: { name: string; owner: string }) => `${e.name}:${e.owner}`)).to.deep.equal(['dir:bob', 'secret.txt:bob']);
    const audit = await srv.nasd.db.knex('audit_log').where({ action: 'home.admin_access' }).count({ n: '*' }).first();
    expect(Number(audit?.n)).to.be.greaterThan(0);
  });

  it('rejects malformed input with a clear 400 or 415', async () => {
    const bad: Req[] = [
      ['GET', '/api/files/stat?path='],
      ['GET', '/api/files/stat?path=/home&path=/home'],
      ['GET', '/api/files/stat?path=/home&x=1'],
      ['POST', '/api/files/mkdir', {}],
      ['POST', '/api/files/mkdir', { path: '/home/x', extra: true }],
      ['POST', '/api/files/mkdir', { path: 42 }],
      ['POST', '/api/files/move', { from: '/home/mine.txt' }],
      ['POST', '/api/files/copy', { from: '/home/mine.txt', to: '/home/c.txt', overwrite: 'yes' }],
      ['POST', '/api/files/mkdir', { path: `/home/${'x'.repeat(20_000)}` }],
    ];
    for (const req of bad) {
      const res = await as(alice.token, req);
      expect(res.status, `${req[0]} ${req[1]} ${JSON.stringify(req[2] ?? '').slice(0, 60)}`).to.equal(400);
      expect(res.body.error.message).to.be.a('string').and.not.equal('');
    }
    const notJson = await api(srv.baseUrl, 'POST', '/api/files/mkdir', { token: alice.token, rawBody: 'path=/home/x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(notJson.status).to.equal(415);
    const broken = await api(srv.baseUrl, 'POST', '/api/files/mkdir', { token: alice.token, rawBody: '{"path":', headers: { 'Content-Type': 'application/json' } });
    expect(broken.status).to.equal(400);
  });
});
