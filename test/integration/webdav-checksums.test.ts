import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { createUser, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { dav, type DavRequestOptions } from '../helpers/webdav.js';

/** The PROPFIND body rclone sends with `vendor = owncloud`. */
const RCLONE_PROPFIND = `<?xml version="1.0"?>
<d:propfind  xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns">
 <d:prop>
  <d:displayname />
  <d:getlastmodified />
  <d:getcontentlength />
  <d:resourcetype />
  <d:getcontenttype />
  <oc:checksums />
 </d:prop>
</d:propfind>
`;

const md5 = (b: Buffer | string) => crypto.createHash('md5').update(b).digest('hex');
const sha1 = (b: Buffer | string) => crypto.createHash('sha1').update(b).digest('hex');
const expected = (b: Buffer | string) => `SHA1:${sha1(b)} MD5:${md5(b)}`;

/** Each response's href and the text of its oc:checksum (null when it has none). */
function checksumsOf(xml: string): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const m of xml.matchAll(/<D:response><D:href>([^<]*)<\/D:href>(.*?)<\/D:response>/gs)) {
    out.set(m[1], /<checksums xmlns="http:\/\/owncloud.org\/ns"><checksum>([^<]*)<\/checksum><\/checksums>/.exec(m[2])?.[1] ?? null);
  }
  return out;
}

describeEachDb('webdav content checksums (oc:checksums)', (kind) => {
  let srv: TestServer;
  let alice: CreatedUser;
  let bob: CreatedUser;
  const as = (u: CreatedUser, method: string, p: string, o: DavRequestOptions = {}) => dav(srv.baseUrl, method, p, { ...o, auth: [u.username, u.password] });
  const checksums = async (u: CreatedUser, p: string, depth: '0' | '1') => {
    const res = await as(u, 'PROPFIND', p, { headers: { Depth: depth }, body: RCLONE_PROPFIND });
    expect(res.status, res.text).to.equal(207);
    return checksumsOf(res.text);
  };
  const ownerRow = (key: string) => srv.nasd.db.knex('file_owners').select('md5', 'sha1', 'hashed_etag').where('key', key).first();
  const put = async (p: string, body: string | Buffer, headers: Record<string, string> = {}) => {
    const res = await as(alice, 'PUT', p, { body, headers });
    expect(res.status, p).to.be.oneOf([201, 204]);
  };

  before(async function () {
    srv = await startTestServer(this, kind);
    const admin = await loginAdmin(srv);
    alice = await createUser(srv, admin.accessToken, { username: 'alice' });
    bob = await createUser(srv, admin.accessToken, { username: 'bob' });
  });
  after(async () => srv?.close());

  it('answers MD5 and SHA-1 of every file in a listing and of one file, none for a folder', async () => {
    const big = crypto.randomBytes(3 * 1024 * 1024 + 5);
    await as(alice, 'MKCOL', '/dav/home/sums');
    await as(alice, 'MKCOL', '/dav/home/sums/sub');
    await put('/dav/home/sums/a.txt', 'hello\n');
    await put('/dav/home/sums/empty', '');
    await put('/dav/home/sums/big.bin', big);
    const listed = await checksums(alice, '/dav/home/sums/', '1');
    expect(Object.fromEntries(listed)).to.deep.equal({
      '/dav/home/sums/': null,
      '/dav/home/sums/sub/': null,
      '/dav/home/sums/a.txt': expected('hello\n'),
      '/dav/home/sums/empty': expected(''),
      '/dav/home/sums/big.bin': expected(big),
    });
    expect(Object.fromEntries(await checksums(alice, '/dav/home/sums/a.txt', '0'))).to.deep.equal({ '/dav/home/sums/a.txt': expected('hello\n') });
    const folder = await as(alice, 'PROPFIND', '/dav/home/sums/sub/', { headers: { Depth: '0' }, body: RCLONE_PROPFIND });
    expect(folder.text).to.match(/<checksums xmlns="http:\/\/owncloud.org\/ns"\/><\/D:prop><D:status>HTTP\/1.1 404 Not Found</);
  });

  it('caches the hashes with the file they belong to, and a PUT, even of the same size and mtime, replaces them', async () => {
    await as(alice, 'MKCOL', '/dav/home/fresh');
    await put('/dav/home/fresh/f.txt', 'version one', { 'X-OC-Mtime': '1622548800' });
    expect(await ownerRow('homes/alice/fresh/f.txt')).to.deep.include({ md5: null, sha1: null });
    expect((await checksums(alice, '/dav/home/fresh/f.txt', '0')).get('/dav/home/fresh/f.txt')).to.equal(expected('version one'));
    expect(await ownerRow('homes/alice/fresh/f.txt')).to.deep.include({ md5: md5('version one'), sha1: sha1('version one') });
    // Answered from the cache, not read again: a value planted in it shows.
    await srv.nasd.db.knex('file_owners').where('key', 'homes/alice/fresh/f.txt').update({ md5: 'c'.repeat(32) });
    expect((await checksums(alice, '/dav/home/fresh/', '1')).get('/dav/home/fresh/f.txt')).to.equal(`SHA1:${sha1('version one')} MD5:${'c'.repeat(32)}`);

    await put('/dav/home/fresh/f.txt', 'version two', { 'X-OC-Mtime': '1622548800' });
    expect(await ownerRow('homes/alice/fresh/f.txt')).to.deep.include({ md5: null, sha1: null, hashed_etag: null });
    expect((await checksums(alice, '/dav/home/fresh/', '1')).get('/dav/home/fresh/f.txt')).to.equal(expected('version two'));
    expect((await checksums(alice, '/dav/home/fresh/f.txt', '0')).get('/dav/home/fresh/f.txt')).to.equal(expected('version two'));
  });

  it('hashes again a file changed on disk behind nasd (as Samba writes), never serving the old hashes', async () => {
    await as(alice, 'MKCOL', '/dav/home/behind');
    await put('/dav/home/behind/s.txt', 'written by webdav');
    expect((await checksums(alice, '/dav/home/behind/', '1')).get('/dav/home/behind/s.txt')).to.equal(expected('written by webdav'));
    fs.writeFileSync(path.join(srv.nasd.config.storageRoot!, 'homes/alice/behind/s.txt'), 'written by samba!');
    expect((await checksums(alice, '/dav/home/behind/', '1')).get('/dav/home/behind/s.txt')).to.equal(expected('written by samba!'));
    expect(await ownerRow('homes/alice/behind/s.txt')).to.deep.include({ md5: md5('written by samba!') });
  });

  it('keeps the hashes through a move and hashes a copy of its own', async () => {
    await as(alice, 'MKCOL', '/dav/home/mv');
    await put('/dav/home/mv/m.txt', 'moving');
    await checksums(alice, '/dav/home/mv/m.txt', '0');
    const base = `${srv.baseUrl}/dav/home/mv`;
    expect((await as(alice, 'MOVE', '/dav/home/mv/m.txt', { headers: { Destination: `${base}/moved.txt` } })).status).to.equal(201);
    expect(await ownerRow('homes/alice/mv/moved.txt')).to.deep.include({ md5: md5('moving'), sha1: sha1('moving') });
    expect((await as(alice, 'COPY', '/dav/home/mv/moved.txt', { headers: { Destination: `${base}/copy.txt` } })).status).to.equal(201);
    expect(await ownerRow('homes/alice/mv/copy.txt')).to.deep.include({ md5: null });
    const listed = await checksums(alice, '/dav/home/mv/', '1');
    expect(listed.get('/dav/home/mv/moved.txt')).to.equal(expected('moving'));
    expect(listed.get('/dav/home/mv/copy.txt')).to.equal(expected('moving'));
  });

  it('neither answers nor computes checksums for allprop, and a client-set oc:checksums never stands in for them', async () => {
    await as(alice, 'MKCOL', '/dav/home/all');
    await put('/dav/home/all/x.txt', 'allprop');
    const patch = `<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:oc="http://owncloud.org/ns"><D:set><D:prop><oc:checksums><oc:checksum>SHA1:0000 MD5:1111</oc:checksum></oc:checksums></D:prop></D:set></D:propertyupdate>`;
    expect((await as(alice, 'PROPPATCH', '/dav/home/all/x.txt', { body: patch })).status).to.equal(207);
    for (const depth of ['0', '1']) {
      const res = await as(alice, 'PROPFIND', depth === '0' ? '/dav/home/all/x.txt' : '/dav/home/all/', { headers: { Depth: depth } });
      expect(res.status).to.equal(207);
      expect(res.text).to.contain('x.txt');
      expect(res.text).not.to.contain('checksum');
    }
    expect(await ownerRow('homes/alice/all/x.txt')).to.deep.include({ md5: null, sha1: null });
    expect((await checksums(alice, '/dav/home/all/x.txt', '0')).get('/dav/home/all/x.txt')).to.equal(expected('allprop'));
  });

  it("does not reach another user's files", async () => {
    await as(alice, 'MKCOL', '/dav/home/private');
    await put('/dav/home/private/p.txt', 'private');
    for (const p of ['/dav/homes/alice/private/p.txt', '/dav/homes/alice/private/']) {
      const res = await as(bob, 'PROPFIND', p, { headers: { Depth: '1' }, body: RCLONE_PROPFIND });
      expect(res.status, p).to.equal(404);
      expect(res.text).not.to.contain(sha1('private'));
    }
    expect(await ownerRow('homes/alice/private/p.txt')).to.deep.include({ md5: null });
  });
});
