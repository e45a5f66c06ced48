import { expect } from 'chai';
import { createUser, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { actorOf, getBytes, q, seed } from '../helpers/files.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

describeEachDb('file API: conditional GET and admin-access audit', (kind) => {
  let srv: TestServer;
  let admin: string;
  let alice: CreatedUser;
  let bob: CreatedUser;

  before(async function () {
    srv = await startTestServer(this, kind);
    admin = (await loginAdmin(srv)).accessToken;
    alice = await createUser(srv, admin, { username: 'alice' });
    bob = await createUser(srv, admin, { username: 'bob' });
    await seed(srv.nasd, actorOf(alice), { '/home/c.txt': 'hello world', '/home/p.png': PNG, '/home/data.bin': 'binary' });
  });
  after(async () => srv?.close());

  const get = (p: string, headers: Record<string, string> = {}, token = alice.token) => getBytes(srv.baseUrl, p, token, headers);
  const download = `/api/files/download?path=${q('/home/c.txt')}`;

  it('answers a download 304 with no body for a matching If-None-Match, before any Range', async () => {
    const first = await get(download);
    expect(first.status).to.equal(200);
    const etag = first.headers.get('etag') as string;
    const lastModified = first.headers.get('last-modified') as string;
    expect(etag).to.match(/^"[0-9a-f-]+"$/);

    for (const inm of [etag, `W/${etag}`, `"nope", ${etag}`, '*']) {
      const res = await get(download, { 'If-None-Match': inm });
      expect(res.status, inm).to.equal(304);
      expect(res.body.length, inm).to.equal(0);
      expect(res.headers.get('etag')).to.equal(etag);
      expect(res.headers.get('last-modified')).to.equal(lastModified);
      expect(res.headers.get('cache-control')).to.equal('private, no-cache');
    }
    const ranged = await get(download, { 'If-None-Match': etag, Range: 'bytes=0-1' });
    expect(ranged.status).to.equal(304);
    expect(ranged.body.length).to.equal(0);

    const miss = await get(download, { 'If-None-Match': '"nope"', 'If-Modified-Since': lastModified });
    expect(miss.status).to.equal(200);
    expect(miss.body.toString()).to.equal('hello world');
  });

  it('answers 304 for If-Modified-Since unless the file is newer', async () => {
    const { headers } = await get(download);
    const lastModified = headers.get('last-modified') as string;
    const res = await get(download, { 'If-Modified-Since': lastModified });
    expect(res.status).to.equal(304);
    expect(res.body.length).to.equal(0);
    const older = new Date(Date.parse(lastModified) - 1000).toUTCString();
    expect((await get(download, { 'If-Modified-Since': older })).status).to.equal(200);
    expect((await get(download, { 'If-Modified-Since': 'not a date' })).status).to.equal(200);
  });

  it('sends the new content once the file changed', async () => {
    const old = (await get(download)).headers.get('etag') as string;
    await seed(srv.nasd, actorOf(alice), { '/home/c.txt': 'changed!' });
    const res = await get(download, { 'If-None-Match': old });
    expect(res.status).to.equal(200);
    expect(res.body.toString()).to.equal('changed!');
    expect(res.headers.get('etag')).to.not.equal(old);
  });

  it('answers previews 304 too, but never for files it would refuse', async () => {
    const png = `/api/files/preview?path=${q('/home/p.png')}`;
    const first = await get(png);
    expect(first.status).to.equal(200);
    const etag = first.headers.get('etag') as string;
    const res = await get(png, { 'If-None-Match': etag });
    expect(res.status).to.equal(304);
    expect(res.body.length).to.equal(0);
    expect((await get(png, { 'If-Modified-Since': first.headers.get('last-modified') as string })).status).to.equal(304);

    const bin = `/api/files/preview?path=${q('/home/data.bin')}`;
    const binTag = (await get(`/api/files/download?path=${q('/home/data.bin')}`)).headers.get('etag') as string;
    expect((await get(bin, { 'If-None-Match': binTag })).status).to.equal(415);
    expect((await get(`/api/files/preview?path=${q('/home')}`, { 'If-None-Match': '*' })).status).to.equal(409);
  });

  it('checks access before validators: no 304 for somebody else or without a token', async () => {
    const etag = (await get(download)).headers.get('etag') as string;
    expect((await get(`/api/files/download?path=${q('/homes/alice/c.txt')}`, { 'If-None-Match': etag }, bob.token)).status).to.equal(404);
    const anonymous = await fetch(`${srv.baseUrl}${download}`, { headers: { 'If-None-Match': etag } });
    expect(anonymous.status).to.equal(401);
  });

  it("audits an admin's zip of a folder in another user's home once, not once per file", async () => {
    const files: Record<string, string> = { '/home/album/': '', '/home/album/inner/': '' };
    for (let i = 0; i < 20; i++) files[`/home/album/${i < 10 ? '' : 'inner/'}f${i}.txt`] = `file ${i}`;
    await seed(srv.nasd, actorOf(alice), files);
    const knex = srv.nasd.db.knex;
    const count = async () => Number((await knex('audit_log').where({ action: 'home.admin_access' }).count({ n: '*' }).first())?.n);
    const before = await count();

    const zip = await get(`/api/files/zip?path=${q('/homes/alice/album')}`, {}, admin);
    expect(zip.status).to.equal(200);
    expect(zip.body.includes(Buffer.from('inner/f19.txt'))).to.equal(true);
    expect(await count()).to.equal(before + 1);
    const [row] = await knex('audit_log').where({ action: 'home.admin_access' }).orderBy('id', 'desc').limit(1);
    expect(row).to.include({ actor_name: 'admin', target: '/homes/alice/album', protocol: 'api' });

    expect((await get(`/api/files/list?path=${q('/homes/alice/album')}`, {}, admin)).status).to.equal(200);
    expect(await count()).to.equal(before + 2);
    expect((await get(`/api/files/list?path=${q('/home/album')}`)).status).to.equal(200);
    expect(await count()).to.equal(before + 2);
  });
});
