import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseDisposition } from 'content-disposition';
import { expect } from 'chai';
import { createUser, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { actorOf, getBytes, q, seed } from '../helpers/files.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { makeTmpDir } from '../helpers/tmp.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
const hasUnzip = (() => {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describeEachDb('file API', (kind) => {
  let srv: TestServer;
  let alice: CreatedUser;
  let admin: string;
  const tmp = makeTmpDir('nasd-files-');

  before(async function () {
    srv = await startTestServer(this, kind);
    admin = (await loginAdmin(srv)).accessToken;
    alice = await createUser(srv, admin, { username: 'alice', quotaBytes: 100_000 });
  });
  after(async () => {
    await srv?.close();
    tmp.remove();
  });

  const call = (method: string, p: string, body?: unknown) => api(srv.baseUrl, method, p, { token: alice.token, body });
  const get = (p: string, headers: Record<string, string> = {}) => getBytes(srv.baseUrl, p, alice.token, headers);
  const names = (res: { body: { items: Array<{ name: string }> } }) => res.body.items.map((e) => e.name);

  it('lists folders first, sorted and paginated, with owners', async () => {
    const made = await call('POST', '/api/files/mkdir', { path: '/home/list' });
    expect(made.status).to.equal(201);
    expect(made.body).to.include({ name: 'list', path: '/home/list', type: 'directory', owner: 'alice', virtual: false });
    await seed(srv.nasd, actorOf(alice), { '/home/list/b.txt': 'bbb', '/home/list/a10.txt': '0123456789', '/home/list/a9.txt': '9', '/home/list/z-dir/': '', '/home/list/c-dir/': '' });
    const mtimes: Record<string, number> = { 'a10.txt': 1000e3, 'a9.txt': 2000e3, 'b.txt': 3000e3, 'z-dir': 4000e3, 'c-dir': 5000e3 };
    for (const [n, t] of Object.entries(mtimes)) await srv.nasd.vfs.setMtime(actorOf(alice), `/home/list/${n}`, t);

    const byName = await call('GET', `/api/files/list?path=${q('/home/list')}`);
    expect(byName.status).to.equal(200);
    expect(byName.body).to.include({ path: '/home/list', total: 5, hiddenMacMetadata: 0, offset: 0, limit: 100 });
    expect(names(byName)).to.deep.equal(['c-dir', 'z-dir', 'a9.txt', 'a10.txt', 'b.txt']);
    expect(byName.body.items[3]).to.include({ path: '/home/list/a10.txt', type: 'file', size: 10, mtimeMs: 1000e3, owner: 'alice', ownerId: alice.id });
    expect(names(await call('GET', '/api/files/list?path=/home/list&order=desc'))).to.deep.equal(['z-dir', 'c-dir', 'b.txt', 'a10.txt', 'a9.txt']);
    expect(names(await call('GET', '/api/files/list?path=/home/list&sort=size'))).to.deep.equal(['c-dir', 'z-dir', 'a9.txt', 'b.txt', 'a10.txt']);
    expect(names(await call('GET', '/api/files/list?path=/home/list&sort=size&order=desc'))).to.deep.equal(['z-dir', 'c-dir', 'a10.txt', 'b.txt', 'a9.txt']);
    expect(names(await call('GET', '/api/files/list?path=/home/list&sort=mtime'))).to.deep.equal(['z-dir', 'c-dir', 'a10.txt', 'a9.txt', 'b.txt']);
    const page = await call('GET', '/api/files/list?path=/home/list&limit=2&offset=1');
    expect(page.body).to.include({ total: 5, offset: 1, limit: 2 });
    expect(names(page)).to.deep.equal(['z-dir', 'a9.txt']);
    expect(names(await call('GET', '/api/files/list?path=/'))).to.deep.equal(['home']);
    for (const bad of ['limit=0', 'limit=1001', 'offset=-1', 'sort=owner', 'order=up', 'extra=1', 'limit=x']) {
      expect((await call('GET', `/api/files/list?path=/home&${bad}`)).status, bad).to.equal(400);
    }
    expect((await call('GET', '/api/files/list?path=/home/list/b.txt')).status).to.equal(409);
    expect((await call('GET', '/api/files/list?path=/home/missing')).status).to.equal(404);
  });

  it('leaves macOS metadata files out of a listing and its count unless asked, and stores them like any file', async () => {
    await seed(srv.nasd, actorOf(alice), { '/home/mac/': '', '/home/mac/photo.jpg': 'jpeg', '/home/mac/._photo.jpg': 'appledouble', '/home/mac/.DS_Store': 'finder', '/home/mac/._/': '', '/home/mac/.hidden': 'dotfile' });
    const listed = await call('GET', '/api/files/list?path=/home/mac');
    expect(listed.body).to.include({ total: 3, hiddenMacMetadata: 2 });
    expect(names(listed)).to.deep.equal(['._', '.hidden', 'photo.jpg']);
    const all = await call('GET', '/api/files/list?path=/home/mac&macMetadata=show');
    expect(all.body).to.include({ total: 5, hiddenMacMetadata: 0 });
    expect(names(all)).to.have.members(['._', '._photo.jpg', '.DS_Store', '.hidden', 'photo.jpg']);
    expect((await get('/api/files/download?path=/home/mac/._photo.jpg')).body.toString()).to.equal('appledouble');
    expect((await call('GET', '/api/files/list?path=/home/mac&macMetadata=yes')).status).to.equal(400);
  });

  it('stats files and folders', async () => {
    expect((await call('POST', '/api/files/mkdir', { path: '/home/stat' })).status).to.equal(201);
    await seed(srv.nasd, actorOf(alice), { '/home/stat/b.txt': 'abc' });
    const file = await call('GET', '/api/files/stat?path=/home/stat/b.txt');
    expect(file.status).to.equal(200);
    expect(file.body).to.include({ name: 'b.txt', type: 'file', size: 3, owner: 'alice', virtual: false });
    expect(file.body.etag).to.match(/^".+"$/);
    expect((await call('GET', '/api/files/stat?path=/home')).body).to.include({ path: '/home', type: 'directory', virtual: true });
    expect((await call('GET', '/api/files/stat?path=/home/nope')).status).to.equal(404);
    expect((await call('GET', '/api/files/stat')).status).to.equal(400);
  });

  it('creates, moves, copies and deletes with usage kept right', async () => {
    expect((await call('POST', '/api/files/mkdir', { path: '/home/work' })).status).to.equal(201);
    expect((await call('POST', '/api/files/mkdir', { path: '/home/work' })).status).to.equal(409);
    expect((await call('POST', '/api/files/mkdir', { path: '/home/nope/deeper' })).status).to.equal(409);
    await seed(srv.nasd, actorOf(alice), { '/home/work/a.txt': 'alpha', '/home/work/other.txt': 'o' });
    const usage = async () => (await call('GET', '/api/usage')).body.usedBytes as number;
    const start = await usage();

    expect((await call('POST', '/api/files/move', { from: '/home/work/a.txt', to: '/home/work/b.txt' })).body).to.deep.equal({ created: true });
    expect((await call('GET', '/api/files/stat?path=/home/work/a.txt')).status).to.equal(404);
    expect((await call('POST', '/api/files/move', { from: '/home/work/b.txt', to: '/home/work/other.txt' })).status).to.equal(409);
    expect((await call('POST', '/api/files/copy', { from: '/home/work/b.txt', to: '/home/work/c.txt' })).body).to.deep.equal({ created: true });
    expect((await call('POST', '/api/files/copy', { from: '/home/work/b.txt', to: '/home/work/c.txt' })).status).to.equal(409);
    expect((await call('POST', '/api/files/copy', { from: '/home/work/other.txt', to: '/home/work/c.txt', overwrite: true })).body).to.deep.equal({ created: false });
    expect((await get('/api/files/download?path=/home/work/c.txt')).body.toString()).to.equal('o');
    expect(await usage()).to.equal(start + 1);

    expect((await call('POST', '/api/files/copy', { from: '/home/work', to: '/home/work2' })).status).to.equal(200);
    expect(names(await call('GET', '/api/files/list?path=/home/work2'))).to.deep.equal(['b.txt', 'c.txt', 'other.txt']);
    expect(await usage()).to.equal(start + 1 + 7);
    const del = await call('DELETE', `/api/files?path=${q('/home/work2')}`);
    expect(del.status).to.equal(204);
    expect((await call('GET', '/api/files/stat?path=/home/work2')).status).to.equal(404);
    expect(await usage()).to.equal(start + 1);
    expect((await call('DELETE', '/api/files?path=/home')).status).to.equal(403);
    expect((await call('POST', '/api/files/copy', { from: '/home/work', to: '/home/work/inside' })).status).to.equal(409);
  });

  it('refuses a copy over quota with 507 and leaves nothing behind', async () => {
    await seed(srv.nasd, actorOf(alice), { '/home/big.bin': Buffer.alloc(60_000) });
    const res = await call('POST', '/api/files/copy', { from: '/home/big.bin', to: '/home/big2.bin' });
    expect(res.status).to.equal(507);
    expect(res.body.error.code).to.equal('QUOTA_EXCEEDED');
    expect((await call('GET', '/api/files/stat?path=/home/big2.bin')).status).to.equal(404);
    expect(fs.readdirSync(path.join(srv.nasd.config.storageRoot, '.nasd/tmp'))).to.deep.equal([]);
    expect((await call('GET', '/api/usage')).body.reservedBytes).to.equal(0);
    await call('DELETE', '/api/files?path=/home/big.bin');
  });

  it('downloads with validators, nosniff and single byte ranges', async () => {
    await seed(srv.nasd, actorOf(alice), { '/home/digits.txt': '0123456789' });
    const full = await get('/api/files/download?path=/home/digits.txt');
    expect(full.status).to.equal(200);
    expect(full.body.toString()).to.equal('0123456789');
    expect(full.headers.get('content-type')).to.equal('application/octet-stream');
    expect(full.headers.get('content-length')).to.equal('10');
    expect(full.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(full.headers.get('accept-ranges')).to.equal('bytes');
    expect(full.headers.get('content-disposition')).to.equal('attachment; filename=digits.txt');
    const etag = full.headers.get('etag') as string;
    expect(etag).to.match(/^".+"$/);
    expect(new Date(full.headers.get('last-modified') as string).getTime()).to.be.greaterThan(0);

    const first = await get('/api/files/download?path=/home/digits.txt', { Range: 'bytes=0-3' });
    expect([first.status, first.body.toString(), first.headers.get('content-range'), first.headers.get('content-length')]).to.deep.equal([206, '0123', 'bytes 0-3/10', '4']);
    const suffix = await get('/api/files/download?path=/home/digits.txt', { Range: 'bytes=-3' });
    expect([suffix.status, suffix.body.toString(), suffix.headers.get('content-range')]).to.deep.equal([206, '789', 'bytes 7-9/10']);
    const open = await get('/api/files/download?path=/home/digits.txt', { Range: 'bytes=8-' });
    expect([open.status, open.body.toString()]).to.deep.equal([206, '89']);
    const clamped = await get('/api/files/download?path=/home/digits.txt', { Range: 'bytes=5-999' });
    expect([clamped.status, clamped.headers.get('content-range')]).to.deep.equal([206, 'bytes 5-9/10']);
    const out = await get('/api/files/download?path=/home/digits.txt', { Range: 'bytes=10-20' });
    expect([out.status, out.headers.get('content-range')]).to.deep.equal([416, 'bytes */10']);
    expect((await get('/api/files/download?path=/home/digits.txt', { Range: 'bytes=-0' })).status).to.equal(416);
    expect((await get('/api/files/download?path=/home/digits.txt', { Range: 'bytes=0-1,4-5' })).status).to.equal(200);
    expect((await get('/api/files/download?path=/home/digits.txt', { Range: 'pages=1' })).status).to.equal(200);
    expect((await get('/api/files/download?path=/home/digits.txt', { Range: 'bytes=2-3', 'If-Range': etag })).status).to.equal(206);
    expect((await get('/api/files/download?path=/home/digits.txt', { Range: 'bytes=2-3', 'If-Range': '"stale"' })).status).to.equal(200);
    expect((await call('POST', '/api/files/mkdir', { path: '/home/a-folder' })).status).to.equal(201);
    expect((await get('/api/files/download?path=/home/a-folder')).status).to.equal(409);
  });

  it('builds a safe Content-Disposition for hostile file names', async () => {
    const hostile = ['quote"d.txt', "it's; name=evil.txt", 'comma, semi;colon.txt', 'emoji 😀.txt', '中文 名字.txt', 'caf\u00e9 ünï.txt', 'pct%41.txt', 'star*?<>|.txt'];
    for (const name of hostile) {
      await seed(srv.nasd, actorOf(alice), { [`/home/${name}`]: name });
      const res = await get(`/api/files/download?path=${q(`/home/${name}`)}`);
      expect(res.status, name).to.equal(200);
      expect(res.body.toString(), name).to.equal(name);
      const header = res.headers.get('content-disposition') as string;
      expect(header, name).to.match(/^[\x20-\x7e]+$/);
      const parsed = parseDisposition(header);
      expect(parsed.type, name).to.equal('attachment');
      expect(parsed.parameters.filename, name).to.equal(name);
    }
  });

  it('streams a folder as a zip that unzip reads back', async function () {
    if (!hasUnzip) {
      if (process.env.CI) throw new Error('the Debian `unzip` tool is required under CI');
      console.log('      (skipped: the Debian `unzip` tool is not installed)');
      this.skip();
    }
    await seed(srv.nasd, actorOf(alice), {
      '/home/album/': '',
      '/home/album/one.txt': 'first file',
      '/home/album/sub/': '',
      '/home/album/sub/two 😀.txt': 'second file',
      '/home/album/empty/': '',
    });
    const res = await get('/api/files/zip?path=/home/album');
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('application/zip');
    expect(parseDisposition(res.headers.get('content-disposition') as string).parameters.filename).to.equal('album.zip');
    const file = path.join(tmp.dir, 'album.zip');
    fs.writeFileSync(file, res.body);
    const listed = execFileSync('unzip', ['-Z1', file]).toString().trim().split('\n').sort();
    expect(listed).to.deep.equal(['empty/', 'one.txt', 'sub/', 'sub/two 😀.txt']);
    expect(execFileSync('unzip', ['-p', file, 'one.txt']).toString()).to.equal('first file');
    expect(execFileSync('unzip', ['-p', file, 'sub/two 😀.txt']).toString()).to.equal('second file');
    execFileSync('unzip', ['-tq', file]);
    expect((await get('/api/files/zip?path=/home/album/one.txt')).status).to.equal(409);
    expect((await get('/api/files/zip?path=/')).status).to.equal(400);
  });

  it('survives a client that abandons a zip download half way', async () => {
    const root = actorOf({ id: 1, username: 'admin' }, true);
    await seed(srv.nasd, root, { '/home/large/': '', '/home/large/a.bin': Buffer.alloc(8 << 20, 1), '/home/large/b.bin': Buffer.alloc(8 << 20, 2) });
    const controller = new AbortController();
    const res = await fetch(`${srv.baseUrl}/api/files/zip?path=/home/large`, { headers: { Authorization: `Bearer ${admin}` }, signal: controller.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    expect((await reader.read()).done).to.equal(false);
    controller.abort();
    await reader.read().catch(() => undefined);
    const again = await getBytes(srv.baseUrl, '/api/files/download?path=/home/large/b.bin', admin, { Range: 'bytes=-4' });
    expect([again.status, [...again.body]]).to.deep.equal([206, [2, 2, 2, 2]]);
    await api(srv.baseUrl, 'DELETE', '/api/files?path=/home/large', { token: admin });
  });

  it('previews images and plain text inline, SVG only as an attachment, anything else 415', async () => {
    await seed(srv.nasd, actorOf(alice), {
      '/home/pic.png': PNG,
      '/home/notes.txt': 'plain text ✓',
      '/home/draw.svg': '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
      '/home/page.html': '<script>alert(1)</script>',
      '/home/app.js': 'alert(1)',
      '/home/noext': 'x',
    });
    const png = await get('/api/files/preview?path=/home/pic.png');
    expect([png.status, png.headers.get('content-type')]).to.deep.equal([200, 'image/png']);
    expect(png.body.equals(PNG)).to.equal(true);
    expect(png.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(png.headers.get('content-security-policy')).to.equal("sandbox; default-src 'none'");
    expect(parseDisposition(png.headers.get('content-disposition') as string).type).to.equal('inline');
    const text = await get('/api/files/preview?path=/home/notes.txt');
    expect([text.status, text.headers.get('content-type'), text.body.toString()]).to.deep.equal([200, 'text/plain; charset=utf-8', 'plain text ✓']);
    const svg = await get('/api/files/preview?path=/home/draw.svg');
    expect(svg.status).to.equal(200);
    expect(parseDisposition(svg.headers.get('content-disposition') as string).type).to.equal('attachment');
    expect(svg.headers.get('content-security-policy')).to.equal("sandbox; default-src 'none'");
    for (const p of ['/home/page.html', '/home/app.js', '/home/noext']) {
      const res = await call('GET', `/api/files/preview?path=${q(p)}`);
      expect([res.status, res.body.error.code], p).to.deep.equal([415, 'UNSUPPORTED_MEDIA_TYPE']);
      expect(res.body.error.message, p).to.match(/no preview/);
    }
    expect((await call('POST', '/api/files/mkdir', { path: '/home/preview-folder' })).status).to.equal(201);
    expect((await call('GET', '/api/files/preview?path=/home/preview-folder')).status).to.equal(409);
  });
});
