import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { POSIX_NAMES } from '../fixtures/posix-names.js';
import { describeEachDb } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { addLoggedInUser, type StorageTestUser } from '../helpers/storage.js';
import { tusUpload } from '../helpers/tus.js';
import { dav, encodePath, hrefsOf } from '../helpers/webdav.js';

/** Names tus must refuse, with the rule each breaks as the answer's message says it. */
const REFUSED_NAMES: Array<[string, string]> = [
  ['a/b.txt', 'must not contain "/"'],
  ['..', '".." segments are not allowed'],
  ['a\u0000b.txt', 'control characters (including NUL) are not allowed'],
  ['a'.repeat(256), 'at most 255 bytes'],
  ['é'.repeat(128), 'at most 255 bytes'],
];

/** A name quoted for a test title, with control characters (DEL, NEL) spelled as escapes so every title differs. */
const printable = (name: string) => JSON.stringify(name).replace(/\p{Cc}/gu, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);

describeEachDb('tus upload names', (kind) => {
  let srv: TestServer;
  let user: StorageTestUser;

  before(async function () {
    srv = await startTestServer(this, kind);
    user = await addLoggedInUser(srv.nasd, srv.baseUrl, 'nina');
  });
  after(async () => srv?.close());

  const endpoint = () => `${srv.baseUrl}/api/uploads/`;
  const homeDir = () => path.join(srv.nasd.config.storageRoot, 'homes', user.username);

  // Every name a POSIX file system stores (`._.`, `name.`, `name `, `50%.txt`, `a%2e.txt`…) and the longest allowed.
  for (const name of [...POSIX_NAMES, `${'n'.repeat(251)}.txt`]) {
    const label = name.length > 40 ? `the ${Buffer.byteLength(name)}-byte name` : `the name ${printable(name)}`;
    it(`stores ${label} uploaded over tus exactly, on disk and over WebDAV PROPFIND and GET`, async () => {
      const data = Buffer.from(`tus content of ${name}`);
      const up = await tusUpload(endpoint(), user.token, data, { filename: name });
      expect(up.stopped).to.equal(false);
      expect(fs.readdirSync(homeDir())).to.include(name);
      expect(fs.readFileSync(path.join(homeDir(), name)).equals(data)).to.equal(true);
      const auth: [string, string] = [user.username, user.password];
      const list = await dav(srv.baseUrl, 'PROPFIND', '/dav/home/', { auth, headers: { Depth: '1' } });
      expect(list.status).to.equal(207);
      expect(hrefsOf(list.text).map((h) => decodeURIComponent(h))).to.include(`/dav/home/${name}`);
      const get = await dav(srv.baseUrl, 'GET', `/dav/home/${encodePath(name)}`, { auth });
      expect(get.status).to.equal(200);
      expect(get.body.equals(data)).to.equal(true);
    });
  }

  it('refuses a name with "/", "..", NUL or over 255 bytes with 400 naming the rule, and creates nothing', async () => {
    const homeBefore = fs.existsSync(homeDir()) ? fs.readdirSync(homeDir()).sort() : [];
    for (const [name, rule] of REFUSED_NAMES) {
      const res = await fetch(endpoint(), {
        method: 'POST',
        headers: {
          'Tus-Resumable': '1.0.0',
          Authorization: `Bearer ${user.token}`,
          'Upload-Length': '1',
          'Upload-Metadata': `filename ${Buffer.from(name).toString('base64')}`,
        },
      });
      expect(res.status, JSON.stringify(name)).to.equal(400);
      expect(await res.text(), JSON.stringify(name)).to.contain(rule);
    }
    expect((await srv.nasd.vfs.userUsage(user.id)).reservedBytes).to.equal(0);
    expect(fs.readdirSync(path.join(srv.nasd.config.storageRoot, '.nasd/uploads'))).to.deep.equal([]);
    expect(fs.existsSync(homeDir()) ? fs.readdirSync(homeDir()).sort() : []).to.deep.equal(homeBefore);
  });
});
