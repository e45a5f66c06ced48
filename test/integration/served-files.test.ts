import { parse as parseDisposition } from 'content-disposition';
import { expect } from 'chai';
import { createUser, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { dav } from '../helpers/webdav.js';

const CSP = "sandbox; default-src 'none'";
const SCRIPT = '<script>fetch("/api/users")</script>';
const ACTIVE: Record<string, string> = {
  'evil.html': `<!doctype html>${SCRIPT}`,
  'evil.htm': SCRIPT,
  'evil.xhtml': `<html xmlns="http://www.w3.org/1999/xhtml">${SCRIPT}</html>`,
  'evil.svg': `<svg xmlns="http://www.w3.org/2000/svg">${SCRIPT}</svg>`,
  'evil.xml': `<?xml version="1.0"?><x xmlns:h="http://www.w3.org/1999/xhtml"><h:script>fetch("/api/users")</h:script></x>`,
  'evil.js': 'fetch("/api/users")',
  'evil.pdf': '%PDF-1.4',
  'evil': SCRIPT,
};
const PASSIVE: Record<string, string> = { 'notes.txt': 'hello', 'pic.png': '\x89PNG\r\n\x1a\n', 'clip.mp4': 'mp4' };

describeEachDb('served files: sandboxing headers on WebDAV GET/HEAD and the file API', (kind) => {
  let srv: TestServer;
  let alice: CreatedUser;
  const asAlice = (method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
    dav(srv.baseUrl, method, path, { auth: [alice.username, alice.password], headers, body });

  before(async function () {
    srv = await startTestServer(this, kind);
    const admin = await loginAdmin(srv);
    alice = await createUser(srv, admin.accessToken, { username: 'alice' });
    for (const [name, body] of Object.entries({ ...ACTIVE, ...PASSIVE })) {
      expect((await asAlice('PUT', `/dav/home/${name}`, {}, body)).status, name).to.equal(201);
    }
  });
  after(async () => srv?.close());

  function expectSandboxed(headers: Record<string, unknown>, what: string): void {
    expect(headers['content-security-policy'], what).to.equal(CSP);
    expect(headers['x-content-type-options'], what).to.equal('nosniff');
    expect(headers['cross-origin-resource-policy'], what).to.equal('same-origin');
  }

  it('sends every active type (HTML, XHTML, SVG, XML, JS, PDF, unknown) as a sandboxed attachment, on GET, HEAD, ranges and 304', async () => {
    for (const name of Object.keys(ACTIVE)) {
      const get = await asAlice('GET', `/dav/home/${name}`);
      expect(get.status, name).to.equal(200);
      expect(get.text, name).to.equal(ACTIVE[name]);
      expectSandboxed(get.headers, `GET ${name}`);
      const disposition = parseDisposition(get.headers['content-disposition'] as string);
      expect([disposition.type, disposition.parameters.filename], name).to.deep.equal(['attachment', name]);
      for (const [method, headers] of [['HEAD', {}], ['GET', { Range: 'bytes=0-1' }]] as const) {
        const res = await asAlice(method, `/dav/home/${name}`, headers);
        expect(res.status, `${method} ${name}`).to.be.oneOf([200, 206]);
        expectSandboxed(res.headers, `${method} ${name}`);
        expect(parseDisposition(res.headers['content-disposition'] as string).type, `${method} ${name}`).to.equal('attachment');
      }
      const notModified = await asAlice('GET', `/dav/home/${name}`, { 'If-None-Match': get.headers.etag as string });
      expect(notModified.status, name).to.equal(304);
      expectSandboxed(notModified.headers, `304 ${name}`);
    }
  });

  it('lets passive types (text, raster images, media) render inline, still sandboxed and unsniffed', async () => {
    for (const name of Object.keys(PASSIVE)) {
      const res = await asAlice('GET', `/dav/home/${name}`);
      expect(res.status, name).to.equal(200);
      expectSandboxed(res.headers, name);
      expect(res.headers['content-disposition'], name).to.equal(undefined);
    }
  });

  it('sandboxes the folder listing and error answers too', async () => {
    const listing = await asAlice('GET', '/dav/home/');
    expect(listing.status).to.equal(200);
    expect(listing.headers['content-type']).to.match(/^text\/html/);
    expectSandboxed(listing.headers, 'listing');
    const missing = await asAlice('GET', '/dav/home/missing.html');
    expect(missing.status).to.equal(404);
    expectSandboxed(missing.headers, '404');
    const anonymous = await dav(srv.baseUrl, 'GET', '/dav/home/evil.html');
    expect(anonymous.status).to.equal(401);
    expectSandboxed(anonymous.headers, '401');
  });

  it('file API: download and preview carry the same served-file headers; HTML has no preview', async () => {
    const auth = { Authorization: `Bearer ${alice.token}` };
    for (const name of ['evil.html', 'evil.svg', 'notes.txt']) {
      const res = await fetch(`${srv.baseUrl}/api/files/download?path=${encodeURIComponent(`/home/${name}`)}`, { headers: auth });
      expect(res.status, name).to.equal(200);
      expectSandboxed(Object.fromEntries(res.headers), `download ${name}`);
      expect(res.headers.get('content-type'), name).to.equal('application/octet-stream');
      expect(parseDisposition(res.headers.get('content-disposition') as string).type, name).to.equal('attachment');
    }
    const svg = await fetch(`${srv.baseUrl}/api/files/preview?path=/home/evil.svg`, { headers: auth });
    expect(svg.status).to.equal(200);
    expectSandboxed(Object.fromEntries(svg.headers), 'preview svg');
    expect(parseDisposition(svg.headers.get('content-disposition') as string).type).to.equal('attachment');
    const html = await api(srv.baseUrl, 'GET', '/api/files/preview?path=/home/evil.html', { token: alice.token });
    expect(html.status).to.equal(415);
  });
});
