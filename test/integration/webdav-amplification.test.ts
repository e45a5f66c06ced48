import http from 'node:http';
import { expect } from 'chai';
import { createPgDatabase, describeEachDb } from '../helpers/db.js';
import { ADMIN_PASSWORD } from '../helpers/server.js';
import { spawnChildNasd, type ChildNasd } from '../helpers/spawn-nasd.js';
import { makeTmpDir } from '../helpers/tmp.js';
import { basic, dav } from '../helpers/webdav.js';

const ENTRIES = 300;
const AUTH: [string, string] = ['admin', ADMIN_PASSWORD];

/** A PROPFIND body naming `count` properties (displayname, then short names in a private default namespace). */
function propfindNaming(count: number): string {
  let props = '<D:displayname/>';
  for (let i = 1; i < count; i++) props += `<p${i.toString(36)}/>`;
  return `<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop xmlns="urn:example:amp">${props}</D:prop></D:propfind>`;
}

function proppatchSetting(count: number): string {
  let props = '';
  for (let i = 0; i < count; i++) props += `<x:p${i}>v</x:p${i}>`;
  return `<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:" xmlns:x="urn:example:amp"><D:set><D:prop>${props}</D:prop></D:set></D:propertyupdate>`;
}

describeEachDb('webdav PROPFIND/PROPPATCH amplification', (kind) => {
  const tmp = makeTmpDir();
  let pg: { url: string; drop: () => Promise<void> } | undefined;
  // A separate process, so the client reads the multistatus as fast as the server can write it.
  let nasd: ChildNasd;

  before(async function () {
    this.timeout(120_000);
    if (kind === 'postgres') pg = await createPgDatabase(this);
    nasd = await spawnChildNasd(tmp.dir, pg?.url);
    expect((await dav(nasd.baseUrl, 'MKCOL', '/dav/home/big/', { auth: AUTH })).status).to.equal(201);
    for (let i = 0; i < ENTRIES; i += 20) {
      await Promise.all(Array.from({ length: 20 }, (_, j) => dav(nasd.baseUrl, 'PUT', `/dav/home/big/file-${i + j}.txt`, { auth: AUTH, body: 'x' })));
    }
  });
  after(async () => {
    await nasd?.kill();
    await pg?.drop();
    tmp.remove();
  });

  it('refuses a PROPFIND naming 99,000 properties with 413 and says why', async () => {
    expect(Buffer.byteLength(propfindNaming(99_000)), 'under the 1 MiB XML body limit').to.be.below(1024 * 1024);
    const res = await dav(nasd.baseUrl, 'PROPFIND', '/dav/home/big/', { auth: AUTH, headers: { Depth: '1', 'Content-Type': 'application/xml' }, body: propfindNaming(99_000) });
    expect(res.status).to.equal(413);
    expect(res.text).to.match(/more than 1000 properties/);
  });

  it('allows exactly 1000 properties and refuses 1001', async () => {
    const ok = await dav(nasd.baseUrl, 'PROPFIND', '/dav/home/big/file-0.txt', { auth: AUTH, headers: { Depth: '0' }, body: propfindNaming(1000) });
    expect(ok.status).to.equal(207);
    const over = await dav(nasd.baseUrl, 'PROPFIND', '/dav/home/big/file-0.txt', { auth: AUTH, headers: { Depth: '0' }, body: propfindNaming(1001) });
    expect(over.status).to.equal(413);
  });

  it('refuses a PROPPATCH setting 1001 properties with 413 and stores none of them', async () => {
    const res = await dav(nasd.baseUrl, 'PROPPATCH', '/dav/home/big/file-1.txt', { auth: AUTH, body: proppatchSetting(1001) });
    expect(res.status).to.equal(413);
    expect(res.text).to.match(/more than 1000 properties/);
    const check = await dav(nasd.baseUrl, 'PROPFIND', '/dav/home/big/file-1.txt', { auth: AUTH, headers: { Depth: '0' }, body: propfindNaming(2) });
    expect(check.text).to.include('HTTP/1.1 404');
    expect(check.text).to.not.match(/>v</);
  });

  it('answers /api/health while a large allowed PROPFIND on a few-hundred-entry folder is still streaming', async function () {
    this.timeout(60_000);
    const events: string[] = [];
    const url = new URL(nasd.baseUrl);
    const body = propfindNaming(1000);
    const propfindDone = new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: url.hostname, port: url.port, method: 'PROPFIND', path: '/dav/home/big/', agent: false, headers: { Authorization: basic(...AUTH), Depth: '1', 'Content-Length': Buffer.byteLength(body) } },
        (res) => {
          let bytes = 0;
          let askedHealth = false;
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            if (!askedHealth) {
              askedHealth = true;
              events.push('propfind streaming');
              http
                .get(`${nasd.baseUrl}/api/health`, { agent: false }, (h) => {
                  h.resume();
                  h.on('end', () => events.push(`health ${h.statusCode}`));
                })
                .on('error', reject);
            }
          });
          res.on('end', () => {
            events.push('propfind end');
            resolve(bytes);
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    const bytes = await propfindDone;
    expect(bytes, 'the multistatus is large').to.be.greaterThan(5_000_000);
    expect(events).to.deep.equal(['propfind streaming', 'health 200', 'propfind end']);
  });
});
