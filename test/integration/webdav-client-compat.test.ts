import net from 'node:net';
import { expect } from 'chai';
import { createUser, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { dav, hrefsOf } from '../helpers/webdav.js';

/** Sends one raw request line (e.g. `OPTIONS *`, which no URL-based client can express) and returns the answer's head. */
function rawRequest(port: number, requestLine: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`${requestLine}\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    });
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('end', () => resolve(data.split('\r\n\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

function expectDavDiscovery(res: { status: number; headers: Record<string, string | string[] | undefined> }): void {
  expect(res.status).to.equal(200);
  expect(res.headers.dav).to.equal('1, 2');
  expect(res.headers['ms-author-via']).to.equal('DAV');
  expect(String(res.headers.allow)).to.contain('PROPFIND');
}

describeEachDb('webdav client compatibility (Windows discovery, POSIX names)', (kind) => {
  let srv: TestServer;
  let carol: CreatedUser;

  before(async function () {
    srv = await startTestServer(this, kind);
    const admin = await loginAdmin(srv);
    carol = await createUser(srv, admin.accessToken, { username: 'carol' });
  });
  after(async () => srv?.close());

  it('answers OPTIONS on the server root and on a parent of /dav without credentials, with the DAV headers', async () => {
    for (const path of ['/', '/some/parent/']) expectDavDiscovery(await dav(srv.baseUrl, 'OPTIONS', path));
  });

  it('answers the request line "OPTIONS *" with the DAV headers', async () => {
    const head = await rawRequest(Number(new URL(srv.baseUrl).port), 'OPTIONS * HTTP/1.1');
    expect(head.split('\r\n')[0]).to.match(/^HTTP\/1\.1 200/);
    expect(head).to.match(/\r\ndav: 1, 2/i);
    expect(head).to.match(/\r\nms-author-via: DAV/i);
  });

  it('leaves OPTIONS under /api/ to the API (no DAV headers there)', async () => {
    const res = await dav(srv.baseUrl, 'OPTIONS', '/api/health');
    expect(res.headers.dav).to.equal(undefined);
  });

  // Each entry: the name as stored, and how a client writes it in a request path.
  const names: Array<[string, string]> = [
    ['._.', '._.'],
    ['name.', 'name.'],
    ['name ', 'name%20'],
    ['50%.txt', '50%25.txt'],
    ['a%2e.txt', 'a%252e.txt'],
  ];
  for (const [stored, wire] of names) {
    it(`round-trips the name ${JSON.stringify(stored)} over WebDAV: PUT, PROPFIND, GET, MOVE, DELETE`, async () => {
      const auth: [string, string] = [carol.username, carol.password];
      const body = `content of ${stored}`;
      const put = await dav(srv.baseUrl, 'PUT', `/dav/home/${wire}`, { auth, body });
      expect(put.status, put.text).to.equal(201);
      const list = await dav(srv.baseUrl, 'PROPFIND', '/dav/home/', { auth, headers: { Depth: '1' } });
      expect(list.status).to.equal(207);
      const decoded = hrefsOf(list.text).map((h) => decodeURIComponent(h));
      expect(decoded).to.include(`/dav/home/${stored}`);
      const get = await dav(srv.baseUrl, 'GET', `/dav/home/${wire}`, { auth });
      expect(get.status).to.equal(200);
      expect(get.text).to.equal(body);
      const move = await dav(srv.baseUrl, 'MOVE', `/dav/home/${wire}`, {
        auth,
        headers: { Destination: `${srv.baseUrl}/dav/home/moved-${wire}` },
      });
      expect(move.status, move.text).to.equal(201);
      expect((await dav(srv.baseUrl, 'GET', `/dav/home/moved-${wire}`, { auth })).text).to.equal(body);
      expect((await dav(srv.baseUrl, 'DELETE', `/dav/home/moved-${wire}`, { auth })).status).to.equal(204);
      expect((await dav(srv.baseUrl, 'GET', `/dav/home/moved-${wire}`, { auth })).status).to.equal(404);
    });
  }

  it('refuses an encoded slash inside a name with 400 instead of reading it as a separator', async () => {
    const auth: [string, string] = [carol.username, carol.password];
    for (const wire of ['a%2Fb.txt', '..%2f..%2fetc%2fpasswd']) {
      const res = await dav(srv.baseUrl, 'PUT', `/dav/home/${wire}`, { auth, body: 'x' });
      expect(res.status, wire).to.equal(400);
    }
  });
});
