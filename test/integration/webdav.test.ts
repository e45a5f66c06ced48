import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { TRAVERSAL_CORPUS } from '../fixtures/traversal-corpus.js';
import { createUser, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { ADMIN_PASSWORD, api, startTestServer, type TestServer } from '../helpers/server.js';
import { dav, encodePath, hrefsOf, lockBody, propfindBody, type DavRequestOptions } from '../helpers/webdav.js';

const QUOTA = 2 * 1024 * 1024;

describeEachDb('webdav server', (kind) => {
  let srv: TestServer;
  let alice: CreatedUser;
  let bob: CreatedUser;
  const as = (u: CreatedUser, method: string, path: string, o: DavRequestOptions = {}) =>
    dav(srv.baseUrl, method, path, { ...o, auth: [u.username, u.password] });
  const asAdmin = (method: string, path: string, o: DavRequestOptions = {}) => dav(srv.baseUrl, method, path, { ...o, auth: ['admin', ADMIN_PASSWORD] });

  before(async function () {
    srv = await startTestServer(this, kind);
    const admin = await loginAdmin(srv);
    alice = await createUser(srv, admin.accessToken, { username: 'alice', quotaBytes: QUOTA });
    bob = await createUser(srv, admin.accessToken, { username: 'bob' });
    const share = await api(srv.baseUrl, 'POST', '/api/shares', { token: admin.accessToken, body: { name: 'team' } });
    expect(share.status).to.equal(201);
    const acl = await api(srv.baseUrl, 'PUT', `/api/shares/${share.body.id}/acl`, {
      token: admin.accessToken,
      body: { entries: [{ userId: alice.id, access: 'write' }, { userId: bob.id, access: 'full' }] },
    });
    expect(acl.status).to.equal(200);
  });
  after(async () => srv?.close());

  it('answers OPTIONS without credentials', async () => {
    const res = await dav(srv.baseUrl, 'OPTIONS', '/dav/');
    expect(res.status).to.equal(200);
    expect(res.headers.dav).to.equal('1, 2');
    expect(res.headers['ms-author-via']).to.equal('DAV');
    for (const m of ['PROPFIND', 'PROPPATCH', 'LOCK', 'UNLOCK', 'COPY', 'MOVE', 'MKCOL', 'PUT', 'DELETE']) expect(res.headers.allow).to.contain(m);
  });

  it('asks for Basic credentials and never sets a cookie', async () => {
    for (const auth of [undefined, ['alice', 'wrong'] as [string, string], ['nobody', 'x'] as [string, string]]) {
      const res = await dav(srv.baseUrl, 'PROPFIND', '/dav/', { auth, headers: { Depth: '0' } });
      expect(res.status).to.equal(401);
      expect(res.headers['www-authenticate']).to.equal('Basic realm="nasd"');
      expect(res.headers['set-cookie']).to.equal(undefined);
    }
    const bearer = await dav(srv.baseUrl, 'PROPFIND', '/dav/', { headers: { Depth: '0', Authorization: `Bearer ${alice.token}` } });
    expect(bearer.status).to.equal(401);
  });

  it('lists the namespace and reports the quota (RFC 4331) on PROPFIND', async () => {
    await as(alice, 'PUT', '/dav/home/quota-probe.bin', { body: Buffer.alloc(1000) });
    const root = await as(alice, 'PROPFIND', '/dav/', { headers: { Depth: '1' } });
    expect(root.status).to.equal(207);
    expect(hrefsOf(root.text)).to.include.members(['/dav/', '/dav/home/', '/dav/team/']);
    const res = await as(alice, 'PROPFIND', '/dav/home/', { headers: { Depth: '0' }, body: propfindBody('quota-available-bytes', 'quota-used-bytes', 'resourcetype') });
    expect(res.status).to.equal(207);
    const used = Number(/<D:quota-used-bytes>(\d+)</.exec(res.text)?.[1]);
    const avail = Number(/<D:quota-available-bytes>(\d+)</.exec(res.text)?.[1]);
    expect(used).to.be.at.least(1000);
    expect(used + avail).to.equal(QUOTA);
    expect(res.text).to.contain('<D:collection/>');
    const allprop = await as(alice, 'PROPFIND', '/dav/home/', { headers: { Depth: '0' } });
    expect(allprop.text).not.to.contain('quota-used-bytes');
    await as(alice, 'DELETE', '/dav/home/quota-probe.bin');
  });

  it('refuses PROPFIND Depth: infinity with propfind-finite-depth', async () => {
    for (const headers of [{ Depth: 'infinity' }, {} as Record<string, string>]) {
      const res = await as(alice, 'PROPFIND', '/dav/home/', { headers });
      expect(res.status).to.equal(403);
      expect(res.text).to.contain('propfind-finite-depth');
    }
  });

  it('encodes hrefs per segment and round-trips Unicode names', async () => {
    const name = 'Grüße & ünïcödé 日本 #1.txt';
    const put = await as(alice, 'PUT', `/dav/home/${encodePath(name)}`, { body: 'hi' });
    expect(put.status).to.equal(201);
    const list = await as(alice, 'PROPFIND', '/dav/home/', { headers: { Depth: '1' } });
    const href = hrefsOf(list.text).find((h) => decodeURIComponent(h) === `/dav/home/${name}`);
    expect(href, list.text).to.be.a('string');
    expect(href).not.to.match(/[ &#]/);
    const get = await as(alice, 'GET', href!);
    expect(get.text).to.equal('hi');
    await as(alice, 'DELETE', href!);
  });

  it('serves GET with ETag, ranges and conditional requests', async () => {
    const data = crypto.randomBytes(10_000);
    const put = await as(alice, 'PUT', '/dav/home/r.txt', { body: data });
    expect(put.status).to.equal(201);
    const get = await as(alice, 'GET', '/dav/home/r.txt');
    expect(get.status).to.equal(200);
    expect(get.headers['content-type']).to.match(/^text\/plain/);
    expect(Buffer.compare(get.body, data)).to.equal(0);
    const etag = get.headers.etag!;
    expect(etag).to.match(/^(W\/)?".+"$/);
    const part = await as(alice, 'GET', '/dav/home/r.txt', { headers: { Range: 'bytes=100-199' } });
    expect(part.status).to.equal(206);
    expect(part.headers['content-range']).to.equal('bytes 100-199/10000');
    expect(Buffer.compare(part.body, data.subarray(100, 200))).to.equal(0);
    const tail = await as(alice, 'GET', '/dav/home/r.txt', { headers: { Range: 'bytes=-10' } });
    expect(Buffer.compare(tail.body, data.subarray(9990))).to.equal(0);
    const bad = await as(alice, 'GET', '/dav/home/r.txt', { headers: { Range: 'bytes=20000-' } });
    expect(bad.status).to.equal(416);
    expect(bad.headers['content-range']).to.equal('bytes */10000');
    expect((await as(alice, 'GET', '/dav/home/r.txt', { headers: { 'If-None-Match': etag } })).status).to.equal(304);
    expect((await as(alice, 'GET', '/dav/home/r.txt', { headers: { 'If-Match': '"nope"' } })).status).to.equal(412);
    const lm = get.headers['last-modified']!;
    expect((await as(alice, 'GET', '/dav/home/r.txt', { headers: { 'If-Modified-Since': lm } })).status).to.equal(304);
    const head = await as(alice, 'HEAD', '/dav/home/r.txt');
    expect(head.headers['content-length']).to.equal('10000');
    expect(head.body.length).to.equal(0);
    expect((await as(alice, 'PUT', '/dav/home/r.txt', { body: 'x', headers: { 'If-Match': '"stale"' } })).status).to.equal(412);
  });

  it('evaluates the HTTP conditions as the file API does: weak If-None-Match, strict dates, strong If-Match', async () => {
    await as(alice, 'PUT', '/dav/home/c.txt', { body: 'conditional' });
    const { headers } = await as(alice, 'GET', '/dav/home/c.txt');
    const etag = headers.etag!.replace(/^W\//, '');
    const lm = headers['last-modified']!;
    const status = async (method: string, h: Record<string, string>) => (await as(alice, method, '/dav/home/c.txt', { headers: h, body: method === 'PUT' ? 'new' : undefined })).status;
    expect(await status('GET', { 'If-None-Match': `"a", W/${etag}` })).to.equal(304);
    expect(await status('HEAD', { 'If-None-Match': '*' })).to.equal(304);
    // If-None-Match present: If-Modified-Since is not looked at.
    expect(await status('GET', { 'If-None-Match': '"other"', 'If-Modified-Since': lm })).to.equal(200);
    expect(await status('GET', { 'If-Modified-Since': 'yesterday' })).to.equal(200);
    expect(await status('GET', { 'If-Modified-Since': 'Thu, 01 Jan 1970 00:00:00 GMT' })).to.equal(200);
    expect(await status('GET', { 'If-Match': `W/${etag}` })).to.equal(412);
    expect(await status('PUT', { 'If-None-Match': '*' })).to.equal(412);
    expect(await status('PUT', { 'If-Unmodified-Since': 'Thu, 01 Jan 1970 00:00:00 GMT' })).to.equal(412);
    expect((await as(alice, 'GET', '/dav/home/c.txt')).text).to.equal('conditional');
    expect(await status('PUT', { 'If-Match': etag, 'If-Unmodified-Since': lm })).to.equal(204);
  });

  it('applies X-OC-Mtime and Win32LastModifiedTime', async () => {
    const put = await as(alice, 'PUT', '/dav/home/m.txt', { body: 'm', headers: { 'X-OC-Mtime': '1500000000' } });
    expect(put.headers['x-oc-mtime']).to.equal('accepted');
    let pf = await as(alice, 'PROPFIND', '/dav/home/m.txt', { headers: { Depth: '0' }, body: propfindBody('getlastmodified') });
    expect(pf.text).to.contain(new Date(1500000000_000).toUTCString());
    const when = 'Wed, 01 Jan 2020 10:00:00 GMT';
    const patch = await as(alice, 'PROPPATCH', '/dav/home/m.txt', {
      body:
        '<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:schemas-microsoft-com:"><D:set><D:prop>' +
        `<Z:Win32CreationTime>${when}</Z:Win32CreationTime><Z:Win32LastAccessTime>${when}</Z:Win32LastAccessTime>` +
        `<Z:Win32LastModifiedTime>${when}</Z:Win32LastModifiedTime><Z:Win32FileAttributes>00000020</Z:Win32FileAttributes>` +
        '</D:prop></D:set></D:propertyupdate>',
    });
    expect(patch.status).to.equal(207);
    expect(patch.text).to.contain('HTTP/1.1 200 OK');
    expect(patch.text).not.to.match(/HTTP\/1.1 (4|5)\d\d/);
    pf = await as(alice, 'PROPFIND', '/dav/home/m.txt', { headers: { Depth: '0' }, body: propfindBody('getlastmodified') });
    expect(pf.text).to.contain(when);
  });

  it('fails a PROPPATCH atomically: 403 for live properties, 424 for the rest', async () => {
    await as(alice, 'PUT', '/dav/home/p.txt', { body: 'p' });
    const res = await as(alice, 'PROPPATCH', '/dav/home/p.txt', {
      body:
        '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:x="urn:x"><D:set><D:prop><x:color>red</x:color></D:prop></D:set>' +
        '<D:set><D:prop><D:getetag>"forged"</D:getetag></D:prop></D:set></D:propertyupdate>',
    });
    expect(res.status).to.equal(207);
    expect(res.text).to.contain('HTTP/1.1 403').and.to.contain('HTTP/1.1 424');
    const pf = await as(alice, 'PROPFIND', '/dav/home/p.txt', { headers: { Depth: '0' }, body: '<D:propfind xmlns:D="DAV:"><D:prop><x:color xmlns:x="urn:x"/></D:prop></D:propfind>' });
    expect(pf.text).to.contain('HTTP/1.1 404');
  });

  it('handles MKCOL: 201, 405 when it exists, 409 without parent, 415 with a body', async () => {
    expect((await as(alice, 'MKCOL', '/dav/home/dir')).status).to.equal(201);
    expect((await as(alice, 'MKCOL', '/dav/home/dir')).status).to.equal(405);
    expect((await as(alice, 'MKCOL', '/dav/home/none/dir')).status).to.equal(409);
    expect((await as(alice, 'MKCOL', '/dav/home/dir2', { body: '<x/>' })).status).to.equal(415);
    expect((await as(alice, 'PUT', '/dav/home/dir', { body: 'x' })).status).to.equal(405);
    expect((await as(alice, 'PUT', '/dav/home/none/f.txt', { body: 'x' })).status).to.equal(409);
  });

  it('checks COPY/MOVE destinations, Overwrite and depth', async () => {
    await as(alice, 'PUT', '/dav/home/src.txt', { body: 'source' });
    const host = new URL(srv.baseUrl).host;
    const foreign = await as(alice, 'COPY', '/dav/home/src.txt', { headers: { Destination: 'http://elsewhere.example/dav/home/x.txt' } });
    expect(foreign.status).to.equal(502);
    const outside = await as(alice, 'COPY', '/dav/home/src.txt', { headers: { Destination: `http://${host}/api/x` } });
    expect(outside.status).to.equal(502);
    expect((await as(alice, 'COPY', '/dav/home/src.txt')).status).to.equal(400);
    const copy = await as(alice, 'COPY', '/dav/home/src.txt', { headers: { Destination: `http://${host}/dav/home/c%20d.txt` } });
    expect(copy.status).to.equal(201);
    expect((await as(alice, 'GET', '/dav/home/c%20d.txt')).text).to.equal('source');
    const noOverwrite = await as(alice, 'COPY', '/dav/home/src.txt', { headers: { Destination: '/dav/home/c%20d.txt', Overwrite: 'F' } });
    expect(noOverwrite.status).to.equal(412);
    const move = await as(alice, 'MOVE', '/dav/home/src.txt', { headers: { Destination: '/dav/home/c%20d.txt' } });
    expect(move.status).to.equal(204);
    expect((await as(alice, 'GET', '/dav/home/src.txt')).status).to.equal(404);
    expect((await as(alice, 'MOVE', '/dav/home/c%20d.txt', { headers: { Destination: '/dav/home/x', Depth: '0' } })).status).to.equal(400);
  });

  it('supports the Windows create sequence: empty PUT, LOCK, PUT with the token', async () => {
    expect((await as(alice, 'PUT', '/dav/home/win.docx', { body: '' })).status).to.equal(201);
    const lock = await as(alice, 'LOCK', '/dav/home/win.docx', { body: lockBody(), headers: { Timeout: 'Second-3600' } });
    expect(lock.status).to.equal(200);
    const token = /^<(urn:uuid:[0-9a-f-]+)>$/.exec(String(lock.headers['lock-token'] ?? ''))?.[1];
    expect(token).to.be.a('string');
    expect(lock.text).to.contain('<D:timeout>Second-3600</D:timeout>');
    expect((await as(alice, 'PUT', '/dav/home/win.docx', { body: 'no token' })).status).to.equal(423);
    const put = await as(alice, 'PUT', '/dav/home/win.docx', { body: 'content', headers: { If: `(<${token}>)` } });
    expect(put.status).to.equal(204);
    expect((await as(alice, 'GET', '/dav/home/win.docx')).text).to.equal('content');
    expect((await as(alice, 'DELETE', '/dav/home/win.docx')).status).to.equal(423);
    expect((await as(alice, 'UNLOCK', '/dav/home/win.docx', { headers: { 'Lock-Token': `<${token}>` } })).status).to.equal(204);
    expect((await as(alice, 'DELETE', '/dav/home/win.docx')).status).to.equal(204);
  });

  it('creates an empty file when locking an unmapped URL', async () => {
    const lock = await as(alice, 'LOCK', '/dav/home/new-locked.txt', { body: lockBody() });
    expect(lock.status).to.equal(201);
    const get = await as(alice, 'GET', '/dav/home/new-locked.txt');
    expect(get.status).to.equal(200);
    expect(get.body.length).to.equal(0);
  });

  it('stores every byte of a chunked PUT', async () => {
    const parts = Array.from({ length: 40 }, () => crypto.randomBytes(16_384 + Math.floor(Math.random() * 1000)));
    const all = Buffer.concat(parts);
    const put = await as(alice, 'PUT', '/dav/home/chunked.bin', { body: Readable.from(parts) });
    expect(put.status).to.equal(201);
    const get = await as(alice, 'GET', '/dav/home/chunked.bin');
    expect(get.body.length).to.equal(all.length);
    expect(crypto.createHash('sha256').update(get.body).digest('hex')).to.equal(crypto.createHash('sha256').update(all).digest('hex'));
    await as(alice, 'DELETE', '/dav/home/chunked.bin');
  });

  it('stores every byte of a chunked PUT whose size hint was too small, and of small and empty PUTs', async () => {
    // A hint of at most 64 KiB makes nasd hold the body in memory; a longer one is streamed from there on.
    const parts = Array.from({ length: 12 }, () => crypto.randomBytes(10_000));
    const all = Buffer.concat(parts);
    const put = await as(alice, 'PUT', '/dav/home/hinted.bin', { body: Readable.from(parts), headers: { 'X-Expected-Entity-Length': '1000' } });
    expect(put.status).to.equal(201);
    expect((await as(alice, 'GET', '/dav/home/hinted.bin')).body.equals(all)).to.equal(true);
    for (const [name, bytes] of [['small.bin', crypto.randomBytes(65_536)], ['empty.bin', Buffer.alloc(0)]] as const) {
      expect((await as(alice, 'PUT', `/dav/home/${name}`, { body: bytes })).status, name).to.equal(201);
      expect((await as(alice, 'GET', `/dav/home/${name}`)).body.equals(bytes), name).to.equal(true);
      await as(alice, 'DELETE', `/dav/home/${name}`);
    }
    await as(alice, 'DELETE', '/dav/home/hinted.bin');
  });

  it('answers 507 past the quota and leaves nothing behind', async () => {
    const big = Buffer.alloc(QUOTA + 1);
    const declared = await as(alice, 'PUT', '/dav/home/too-big.bin', { body: big });
    expect(declared.status).to.equal(507);
    const streamed = await as(alice, 'PUT', '/dav/home/too-big2.bin', { body: Readable.from([big.subarray(0, QUOTA / 2), big.subarray(QUOTA / 2)]) });
    expect(streamed.status).to.equal(507);
    const hinted = await as(alice, 'PUT', '/dav/home/too-big3.bin', { body: Readable.from([Buffer.alloc(10)]), headers: { 'X-Expected-Entity-Length': String(QUOTA * 2) } });
    expect(hinted.status).to.equal(507);
    // ownCloud/Nextcloud clients announce a chunked upload's size this way.
    const ocHinted = await as(alice, 'PUT', '/dav/home/too-big4.bin', { body: Readable.from([Buffer.alloc(10)]), headers: { 'OC-Total-Length': String(QUOTA * 2) } });
    expect(ocHinted.status).to.equal(507);
    for (const name of ['too-big.bin', 'too-big2.bin', 'too-big3.bin', 'too-big4.bin']) {
      expect((await as(alice, 'GET', `/dav/home/${name}`)).status, name).to.equal(404);
    }
    const list = await as(alice, 'PROPFIND', '/dav/home/', { headers: { Depth: '1' } });
    expect(list.text).not.to.contain('too-big');
  });

  it('keeps users out of each other\u2019s homes', async () => {
    await as(bob, 'PUT', '/dav/home/secret.txt', { body: 'bob only' });
    for (const [method, o] of [
      ['GET', {}],
      ['PROPFIND', { headers: { Depth: '0' } }],
      ['PUT', { body: 'x' }],
      ['DELETE', {}],
      ['LOCK', { body: lockBody() }],
      ['MKCOL', {}],
      ['PROPPATCH', { body: '<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><x xmlns="urn:x">1</x></D:prop></D:set></D:propertyupdate>' }],
    ] as Array<[string, DavRequestOptions]>) {
      const res = await as(alice, method, '/dav/homes/bob/secret.txt', o);
      // /dav/homes does not exist for a non-admin: a write below it has no parent (409).
      expect(res.status, method).to.be.oneOf([403, 404, 409]);
    }
    const copy = await as(alice, 'COPY', '/dav/home/r.txt', { headers: { Destination: '/dav/homes/bob/stolen.txt' } });
    expect(copy.status).to.be.oneOf([403, 404, 409]);
    const admin = await asAdmin('GET', '/dav/homes/bob/secret.txt');
    expect(admin.text).to.equal('bob only');
    expect((await asAdmin('GET', '/dav/homes/bob/stolen.txt')).status).to.equal(404);
  });

  it('makes one user\u2019s lock on a share file block another user (full access), even with the token', async () => {
    expect((await as(alice, 'PUT', '/dav/team/shared.txt', { body: 'v1' })).status).to.equal(201);
    const lock = await as(alice, 'LOCK', '/dav/team/shared.txt', { body: lockBody() });
    const token = /<(urn:uuid:[^>]+)>/.exec(String(lock.headers['lock-token'] ?? ''))?.[1];
    expect(token).to.be.a('string');
    const blocked = await as(bob, 'PUT', '/dav/team/shared.txt', { body: 'v2' });
    expect(blocked.status).to.equal(423);
    expect(blocked.text).to.contain('lock-token-submitted');
    expect((await as(bob, 'PUT', '/dav/team/shared.txt', { body: 'v2', headers: { If: `(<${token}>)` } })).status).to.equal(423);
    expect((await as(bob, 'UNLOCK', '/dav/team/shared.txt', { headers: { 'Lock-Token': `<${token}>` } })).status).to.equal(403);
    expect((await as(bob, 'LOCK', '/dav/team/shared.txt', { body: lockBody() })).status).to.equal(423);
    const pf = await as(bob, 'PROPFIND', '/dav/team/shared.txt', { headers: { Depth: '0' }, body: propfindBody('lockdiscovery') });
    expect(pf.text).to.contain('<D:lockroot><D:href>/dav/team/shared.txt</D:href>');
    expect((await as(alice, 'PUT', '/dav/team/shared.txt', { body: 'v3', headers: { If: `(<${token}>)` } })).status).to.equal(204);
    expect((await as(alice, 'UNLOCK', '/dav/team/shared.txt', { headers: { 'Lock-Token': `<${token}>` } })).status).to.equal(204);
    expect((await as(bob, 'PUT', '/dav/team/shared.txt', { body: 'v4' })).status).to.equal(204);
  });

  it('refuses every path of the traversal corpus with 400 (PUT and GET)', async () => {
    const homes = async () => hrefsOf((await asAdmin('PROPFIND', '/dav/homes/', { headers: { Depth: '1' } })).text).sort();
    const bobsFiles = async () => hrefsOf((await as(bob, 'PROPFIND', '/dav/home/', { headers: { Depth: '1' } })).text).sort();
    const [homesBefore, bobBefore] = [await homes(), await bobsFiles()];
    expect(homesBefore).to.include.members(['/dav/homes/', '/dav/homes/bob/']);
    for (const raw of TRAVERSAL_CORPUS) {
      const wire = `/dav${encodePath(raw)}`;
      const put = await as(bob, 'PUT', wire, { body: 'x' });
      expect(put.status, `PUT ${raw}`).to.equal(400);
      const get = await as(bob, 'GET', wire);
      expect(get.status, `GET ${raw}`).to.equal(400);
    }
    // nothing was created anywhere: no new home, no new file in bob's
    expect(await homes()).to.deep.equal(homesBefore);
    expect(await bobsFiles()).to.deep.equal(bobBefore);
  });
});
