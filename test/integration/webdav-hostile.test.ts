import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { expect } from 'chai';
import { createUser, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { dav, lockBody, type DavRequestOptions } from '../helpers/webdav.js';

const LAUGHS =
  '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
  Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('') +
  ']><D:propfind xmlns:D="DAV:"><D:prop><x>&lol9;</x></D:prop></D:propfind>';
const EXTERNAL =
  '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
  '<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><x xmlns="urn:x">&xxe;</x></D:prop></D:set></D:propertyupdate>';

/** Sends raw bytes and returns the status line (or '' if the server closed without answering). */
function rawRequest(port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.end(payload));
    let data = '';
    sock.on('data', (d) => (data += d.toString('latin1')));
    sock.on('close', () => resolve(data.split('\r\n')[0]));
    sock.on('error', reject);
    sock.setTimeout(10_000, () => sock.destroy());
  });
}

describeEachDb('webdav hostile input', (kind) => {
  let srv: TestServer;
  let user: CreatedUser;
  const as = (method: string, path: string, o: DavRequestOptions = {}) => dav(srv.baseUrl, method, path, { ...o, auth: [user.username, user.password] });

  before(async function () {
    srv = await startTestServer(this, kind);
    const admin = await loginAdmin(srv);
    user = await createUser(srv, admin.accessToken, { username: 'mallory' });
    await as('PUT', '/dav/home/target.txt', { body: 'target' });
  });
  afterEach(async () => {
    const alive = await dav(srv.baseUrl, 'OPTIONS', '/dav/');
    expect(alive.status, 'server still answers').to.equal(200);
  });
  after(async () => srv?.close());

  it('answers 404 at once for a FIFO or a symlink placed in the home behind nasd\'s back', async () => {
    const home = path.join(srv.nasd.config.storageRoot, 'homes', user.username);
    execFileSync('mkfifo', [path.join(home, 'pipe')]);
    fs.symlinkSync('/etc/hostname', path.join(home, 'link'));
    for (const name of ['pipe', 'link']) {
      expect((await as('GET', `/dav/home/${name}`)).status, name).to.equal(404);
    }
    const list = await as('PROPFIND', '/dav/home/', { headers: { Depth: '1' } });
    expect(list.text).not.to.match(/pipe|link/);
  });

  it('refuses entity expansion (billion laughs) with 400', async () => {
    const res = await as('PROPFIND', '/dav/home/', { headers: { Depth: '0' }, body: LAUGHS });
    expect(res.status).to.equal(400);
  });

  it('refuses external entities with 400 and never reads them', async () => {
    const res = await as('PROPPATCH', '/dav/home/target.txt', { body: EXTERNAL });
    expect(res.status).to.equal(400);
    expect(res.text).not.to.contain('root:');
  });

  it('refuses a 20 MB property value with 413', async () => {
    const body = `<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><x xmlns="urn:x">${'A'.repeat(20 * 1024 * 1024)}</x></D:prop></D:set></D:propertyupdate>`;
    const res = await as('PROPPATCH', '/dav/home/target.txt', { body });
    expect(res.status).to.equal(413);
    const chunks = Readable.from(Array.from({ length: 20 }, () => Buffer.alloc(1024 * 1024, 0x41)));
    const chunked = await as('LOCK', '/dav/home/target.txt', { body: chunks });
    expect(chunked.status).to.equal(413);
  });

  it('answers an endless chunked XML body at its limit, having read only that much (memory stays bounded)', async () => {
    const MiB = 1024 * 1024;
    let produced = 0;
    // Up to 4 GiB, 1 MiB a chunk: a server that buffered the body before answering would never answer in time.
    const endless = new Readable({
      read() {
        produced += MiB;
        this.push(produced <= 4096 * MiB ? Buffer.alloc(MiB, 0x41) : null);
      },
    });
    const url = new URL(srv.baseUrl);
    const auth = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: url.hostname, port: url.port, method: 'PROPPATCH', path: '/dav/home/target.txt', headers: { Authorization: auth }, agent: false }, (res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
        endless.destroy();
        req.destroy();
      });
      req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
      endless.pipe(req);
    });
    expect(status).to.equal(413);
    // The limit is 1 MiB; what is beyond it sat in socket buffers when the answer came.
    expect(produced).to.be.below(64 * MiB);
  });

  it('refuses 100,000-deep nesting with 400', async () => {
    const body = `<D:propfind xmlns:D="DAV:"><D:prop>${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</D:prop></D:propfind>`;
    const res = await as('PROPFIND', '/dav/home/', { headers: { Depth: '0' }, body });
    expect(res.status).to.equal(400);
  });

  it('refuses malformed XML bodies with 400', async () => {
    for (const body of ['<D:propfind xmlns:D="DAV:">', 'not xml', '<a xmlns:b=""/>', '<x:y/>', '\u0000\u0001']) {
      expect((await as('PROPFIND', '/dav/home/', { headers: { Depth: '0' }, body })).status, body).to.equal(400);
    }
    expect((await as('LOCK', '/dav/home/target.txt', { body: '<D:lockinfo xmlns:D="DAV:"/>' })).status).to.equal(400);
    expect((await as('PROPPATCH', '/dav/home/target.txt', { body: '<D:propfind xmlns:D="DAV:"/>' })).status).to.equal(400);
  });

  it('refuses broken If headers with 400', async () => {
    for (const header of ['(', '<http://x/>', '(<urn:a>', '(Not)', '([unquoted])', 'garbage', '(<a b>)', `(${'<urn:x> '.repeat(5000)})`]) {
      const res = await as('PUT', '/dav/home/target.txt', { body: 'changed', headers: { If: header } });
      // Node itself answers 431 for a header past its 16 KiB limit.
      expect(res.status, header.slice(0, 30)).to.be.oneOf([400, 431]);
    }
    expect((await as('GET', '/dav/home/target.txt')).text).to.equal('target');
  });

  it('refuses unsupported or bogus Content-Encoding with 415', async () => {
    const bogus = Buffer.from('this is not gzip at all');
    for (const method of ['PUT', 'PROPFIND', 'PROPPATCH', 'LOCK']) {
      const res = await as(method, '/dav/home/enc.txt', { body: bogus, headers: { 'Content-Encoding': 'gzip', Depth: '0' } });
      expect(res.status, method).to.equal(415);
    }
    const real = zlib.gzipSync('<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>');
    expect((await as('PROPFIND', '/dav/home/', { body: real, headers: { 'Content-Encoding': 'gzip', Depth: '0' } })).status).to.equal(415);
    expect((await as('GET', '/dav/home/enc.txt')).status).to.equal(404);
  });

  it('refuses invalid percent-encoding and invalid UTF-8 in paths with 400', async () => {
    for (const path of ['/dav/home/%', '/dav/home/%zz', '/dav/home/%C3%28', '/dav/home/%FF']) {
      expect((await as('PUT', path, { body: 'x' })).status, path).to.equal(400);
    }
  });

  it('answers bad headers and unknown methods with a status', async () => {
    expect((await as('PROPFIND', '/dav/home/', { headers: { Depth: '2' } })).status).to.equal(400);
    expect((await as('COPY', '/dav/home/target.txt', { headers: { Destination: '/dav/home/c', Overwrite: 'maybe' } })).status).to.equal(400);
    expect((await as('LOCK', '/dav/home/target.txt', { body: lockBody(), headers: { Depth: '1' } })).status).to.equal(400);
    expect((await as('UNLOCK', '/dav/home/target.txt', { headers: { 'Lock-Token': 'nonsense' } })).status).to.equal(400);
    expect((await as('UNLOCK', '/dav/home/target.txt', { headers: { 'Lock-Token': '<urn:uuid:0>' } })).status).to.equal(409);
    expect((await as('PUT', '/dav/home/target.txt', { body: 'x', headers: { 'X-OC-Mtime': 'yesterday' } })).status).to.equal(400);
    expect((await as('PUT', '/dav/home/target.txt', { body: 'x', headers: { 'Content-Range': 'bytes 0-0/1' } })).status).to.equal(400);
    // Node's parser refuses methods it does not know (400) before the handler; known ones nasd lacks are 501.
    expect((await as('BREW', '/dav/home/')).status).to.be.oneOf([400, 501]);
    expect((await as('SEARCH', '/dav/home/')).status).to.equal(501);
    const garbageAuth = await dav(srv.baseUrl, 'PROPFIND', '/dav/', { headers: { Authorization: 'Basic !!!notbase64', Depth: '0' } });
    expect(garbageAuth.status).to.equal(401);
  });

  it('survives a client that announces a body and disconnects', async () => {
    const port = Number(new URL(srv.baseUrl).port);
    const auth = Buffer.from(`${user.username}:${user.password}`).toString('base64');
    const put = await rawRequest(port, `PUT /dav/home/cut.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${auth}\r\nContent-Length: 100000\r\n\r\npartial`);
    expect(put).to.match(/^(|HTTP\/1\.1 4\d\d .*)$/);
    const prop = await rawRequest(port, `PROPFIND /dav/home/ HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${auth}\r\nDepth: 0\r\nContent-Length: 5000\r\n\r\n<D:propfind`);
    expect(prop).to.match(/^(|HTTP\/1\.1 4\d\d .*)$/);
    expect((await as('GET', '/dav/home/cut.bin')).status).to.equal(404);
  });
});
