import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { QuotaLedger } from '../../src/vfs/quota.js';
import { createUser, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { dav, type DavRequestOptions } from '../helpers/webdav.js';

const MiB = 1024 * 1024;

/** One raw tus request (fetch), with the bearer token and the protocol header. */
async function tus(baseUrl: string, token: string, method: string, url: string, headers: Record<string, string> = {}, body?: Buffer) {
  const res = await fetch(url.startsWith('http') ? url : `${baseUrl}${url}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Tus-Resumable': '1.0.0', ...headers },
    body: body as BodyInit | undefined,
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Creates a tus upload of `filename` in /home; `length` undefined defers it. Returns its URL. */
async function createUpload(baseUrl: string, token: string, filename: string, length?: number): Promise<string> {
  const headers: Record<string, string> = { 'Upload-Metadata': `filename ${b64(filename)}` };
  if (length === undefined) headers['Upload-Defer-Length'] = '1';
  else headers['Upload-Length'] = String(length);
  const res = await tus(baseUrl, token, 'POST', '/api/uploads/', headers);
  expect(res.status, res.text).to.equal(201);
  return new URL(res.headers.get('location') as string, baseUrl).toString();
}

function patch(baseUrl: string, token: string, url: string, offset: number, body: Buffer) {
  return tus(baseUrl, token, 'PATCH', url, { 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(offset) }, body);
}

function dirBytes(dir: string): number {
  return fs.readdirSync(dir).reduce((n, name) => n + fs.statSync(path.join(dir, name)).size, 0);
}

describeEachDb('quota hardening', (kind) => {
  let srv: TestServer;
  let adminToken: string;
  let five: CreatedUser;
  let one: CreatedUser;
  let over: CreatedUser;
  const as = (u: CreatedUser, method: string, p: string, o: DavRequestOptions = {}) => dav(srv.baseUrl, method, p, { ...o, auth: [u.username, u.password] });
  const root = () => srv.nasd.config.storageRoot;

  before(async function () {
    srv = await startTestServer(this, kind);
    adminToken = (await loginAdmin(srv)).accessToken;
    five = await createUser(srv, adminToken, { username: 'five', quotaBytes: 5 * MiB });
    one = await createUser(srv, adminToken, { username: 'one', quotaBytes: MiB });
    over = await createUser(srv, adminToken, { username: 'over', quotaBytes: 10 * MiB });
    const share = await api(srv.baseUrl, 'POST', '/api/shares', { token: adminToken, body: { name: 'big' } });
    expect(share.status).to.equal(201);
    const acl = await api(srv.baseUrl, 'PUT', `/api/shares/${share.body.id}/acl`, { token: adminToken, body: { entries: [{ userId: one.id, access: 'read' }] } });
    expect(acl.status).to.equal(200);
  });
  after(async () => srv?.close());

  it('counts every staged byte of deferred-length tus uploads against the quota', async () => {
    const urls: string[] = [];
    for (let i = 0; i < 4; i++) urls.push(await createUpload(srv.baseUrl, five.token, `deferred-${i}.bin`));
    const results = [];
    for (const url of urls) results.push(await patch(srv.baseUrl, five.token, url, 0, Buffer.alloc(3 * MiB, 7)));
    const offsets = await Promise.all(urls.map(async (u) => Number((await tus(srv.baseUrl, five.token, 'HEAD', u)).headers.get('upload-offset'))));
    const staged = offsets.reduce((a, b) => a + b, 0);
    expect(staged).to.be.at.most(5 * MiB);
    expect(dirBytes(path.join(root(), '.nasd', 'uploads'))).to.be.at.most(5 * MiB);
    expect(results.filter((r) => r.status === 413)).to.have.length.greaterThan(0);
    const usage = await srv.nasd.vfs.userUsage(five.id);
    expect(usage.bytes + usage.reservedBytes).to.be.at.most(5 * MiB);
    for (const url of urls) expect((await tus(srv.baseUrl, five.token, 'DELETE', url)).status).to.equal(204);
    expect((await srv.nasd.vfs.userUsage(five.id)).reservedBytes).to.equal(0);
  });

  it('refuses a COPY that does not fit before writing any byte (WebDAV and file API, in parallel)', async () => {
    const huge = path.join(root(), 'shares', 'big', 'huge.bin');
    fs.mkdirSync(path.dirname(huge), { recursive: true });
    fs.writeFileSync(huge, '');
    fs.truncateSync(huge, 200 * MiB);
    const tmpDir = path.join(root(), '.nasd', 'tmp');
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, fs.readdirSync(tmpDir).length);
        await new Promise((r) => setImmediate(r));
      }
    })();
    const copies = [
      ...Array.from({ length: 4 }, (_, i) =>
        as(one, 'COPY', '/dav/big/huge.bin', { headers: { Destination: `${srv.baseUrl}/dav/home/huge-${i}.bin` } }).then((r) => r.status),
      ),
      api(srv.baseUrl, 'POST', '/api/files/copy', { token: one.token, body: { from: '/big/huge.bin', to: '/home/huge-api.bin' } }).then((r) => r.status),
    ];
    const statuses = await Promise.all(copies);
    sampling = false;
    await sampler;
    expect(statuses).to.deep.equal([507, 507, 507, 507, 507]);
    expect(peak, 'temp files seen while the copies ran').to.equal(0);
    expect(fs.readdirSync(tmpDir)).to.deep.equal([]);
    expect(fs.existsSync(path.join(root(), 'homes', 'one', 'huge-0.bin'))).to.equal(false);
    expect((await srv.nasd.vfs.userUsage(one.id)).reservedBytes).to.equal(0);
    fs.rmSync(huge);
  });

  it('lets six concurrent overwrites of one file succeed when each fits alone', async () => {
    expect((await as(over, 'PUT', '/dav/home/same.bin', { body: Buffer.alloc(3 * MiB, 1) })).status).to.equal(201);
    // Alone: 10 MiB quota, 3 MiB used, a 6 MiB overwrite needs 3 MiB more.
    const statuses = await Promise.all(
      Array.from({ length: 6 }, (_, i) => as(over, 'PUT', '/dav/home/same.bin', { body: Buffer.alloc(6 * MiB, i) }).then((r) => r.status)),
    );
    expect(statuses).to.deep.equal([204, 204, 204, 204, 204, 204]);
    const usage = await srv.nasd.vfs.userUsage(over.id);
    expect(usage.bytes).to.equal(6 * MiB);
    expect(usage.reservedBytes).to.equal(0);
  });

  it('shares one reservation among at most 8 concurrent writers of one key', async () => {
    const ledger = new QuotaLedger(srv.nasd.db.knex, async () => Number.MAX_SAFE_INTEGER, srv.nasd.vfs.instance.id);
    const subject = { userId: over.id, shareId: null };
    const free = 10 * MiB - (await srv.nasd.vfs.userUsage(over.id)).bytes;
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push(await ledger.reserve(subject, free, { kind: 'write', targetKey: 'homes/over/pile.bin' }));
    let ninth: unknown;
    await ledger.reserve(subject, free, { kind: 'write', targetKey: 'homes/over/pile.bin' }).then((id) => ids.push(id), (err: unknown) => (ninth = err));
    expect((ninth as { code?: string } | undefined)?.code).to.equal('QUOTA_EXCEEDED');
    for (const id of ids) await ledger.release(id);
  });

  const proppatchBody = (props: Array<[string, string]>) =>
    `<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop>${props.map(([n, v]) => `<p:${n} xmlns:p="urn:q">${v}</p:${n}>`).join('')}</D:prop></D:set></D:propertyupdate>`;
  /** The status of the propstat that holds `prop` in a multistatus. */
  const statusOf = (text: string, prop: string) => text.split('<D:propstat>').find((p) => p.includes(`<${prop} `))?.match(/HTTP\/1\.1 (\d+)/)?.[1];

  it('refuses an oversized dead property, and a resource past its total, with 507 in the multistatus', async () => {
    expect((await as(over, 'PUT', '/dav/home/props.txt', { body: 'x' })).status).to.equal(201);
    const big = await as(over, 'PROPPATCH', '/dav/home/props.txt', { body: proppatchBody([['big', 'a'.repeat(100 * 1024)], ['small', 'b']]) });
    expect(big.status).to.equal(207);
    expect(statusOf(big.text, 'big')).to.equal('507');
    expect(statusOf(big.text, 'small')).to.equal('424');
    const many = await as(over, 'PROPPATCH', '/dav/home/props.txt', { body: proppatchBody(['a', 'b', 'c', 'd', 'e'].map((n) => [n, 'v'.repeat(60 * 1024)])) });
    expect(many.status).to.equal(207);
    expect(statusOf(many.text, 'a')).to.equal('507');
    const stored = await srv.nasd.db.knex('dead_properties').where('key', 'homes/over/props.txt');
    expect(stored).to.deep.equal([]);
    expect((await as(over, 'DELETE', '/dav/home/props.txt')).status).to.equal(204);
  });

  it('charges dead properties to the owner: 20 PROPPATCHes of ~240 KB by a 1 MiB user stop at the quota', async () => {
    const statuses: string[] = [];
    for (let i = 0; i < 20; i++) {
      expect((await as(one, 'PUT', `/dav/home/p${i}.txt`, { body: '' })).status).to.equal(201);
      const res = await as(one, 'PROPPATCH', `/dav/home/p${i}.txt`, { body: proppatchBody(['a', 'b', 'c', 'd'].map((n) => [n, 'v'.repeat(60 * 1024)])) });
      expect(res.status).to.equal(207);
      statuses.push(statusOf(res.text, 'a') as string);
    }
    expect(statuses.slice(0, 4)).to.deep.equal(['200', '200', '200', '200']);
    expect(statuses.slice(4)).to.deep.equal(Array(16).fill('507'));
    const stored = (await srv.nasd.db.knex('dead_properties').where('area', 'homes/one').sum({ n: 'bytes' }).first()) as { n: number | string };
    const usage = await srv.nasd.vfs.userUsage(one.id);
    expect(usage.bytes).to.equal(Number(stored.n));
    expect(usage.bytes).to.be.at.most(MiB);
    for (let i = 0; i < 20; i++) expect((await as(one, 'DELETE', `/dav/home/p${i}.txt`)).status).to.equal(204);
    expect((await srv.nasd.vfs.userUsage(one.id)).bytes).to.equal(0);
  });

  it('charges the properties a COPY duplicates; move, delete and reconcile keep usage right', async () => {
    const base = (await srv.nasd.vfs.userUsage(over.id)).bytes;
    expect((await as(over, 'PUT', '/dav/home/tagged.txt', { body: '123456' })).status).to.equal(201);
    const set = await as(over, 'PROPPATCH', '/dav/home/tagged.txt', { body: proppatchBody([['a', 'v'.repeat(50 * 1024)], ['b', 'w'.repeat(50 * 1024)]]) });
    expect(statusOf(set.text, 'a')).to.equal('200');
    const withProps = (await srv.nasd.vfs.userUsage(over.id)).bytes - base;
    expect(withProps).to.be.greaterThan(100 * 1024);
    const copy = await as(over, 'COPY', '/dav/home/tagged.txt', { headers: { Destination: `${srv.baseUrl}/dav/home/tagged-copy.txt` } });
    expect(copy.status).to.equal(201);
    expect((await srv.nasd.vfs.userUsage(over.id)).bytes - base).to.equal(2 * withProps);
    expect((await as(over, 'MOVE', '/dav/home/tagged-copy.txt', { headers: { Destination: `${srv.baseUrl}/dav/home/moved.txt` } })).status).to.equal(201);
    expect((await srv.nasd.vfs.userUsage(over.id)).bytes - base).to.equal(2 * withProps);
    const report = await srv.nasd.vfs.reconcile();
    expect(report.usage.filter((u) => u.scope === 'user' && u.subjectId === over.id)).to.deep.equal([]);
    expect((await as(over, 'DELETE', '/dav/home/moved.txt')).status).to.equal(204);
    expect((await srv.nasd.vfs.userUsage(over.id)).bytes - base).to.equal(withProps);
    // Reconcile counts property bytes too: a counter zeroed behind nasd's back comes back whole.
    await srv.nasd.db.knex('storage_usage').where({ scope: 'user', subject_id: over.id }).update({ bytes: 0 });
    await srv.nasd.vfs.reconcile();
    expect((await srv.nasd.vfs.userUsage(over.id)).bytes - base).to.equal(withProps);
    expect((await as(over, 'DELETE', '/dav/home/tagged.txt')).status).to.equal(204);
    expect((await srv.nasd.vfs.userUsage(over.id)).bytes).to.equal(base);
  });

  it('hands the property bytes of a deleted user\'s share files to the share owner', async () => {
    const owner = await createUser(srv, adminToken, { username: 'sowner' });
    const leaver = await createUser(srv, adminToken, { username: 'leaver' });
    const share = await api(srv.baseUrl, 'POST', '/api/shares', { token: adminToken, body: { name: 'kept', ownerId: owner.id } });
    expect(share.status, JSON.stringify(share.body)).to.equal(201);
    expect((await api(srv.baseUrl, 'PUT', `/api/shares/${share.body.id}/acl`, { token: adminToken, body: { entries: [{ userId: leaver.id, access: 'write' }] } })).status).to.equal(200);
    expect((await as(leaver, 'PUT', '/dav/kept/left.txt', { body: 'abc' })).status).to.equal(201);
    const set = await as(leaver, 'PROPPATCH', '/dav/kept/left.txt', { body: proppatchBody([['a', 'v'.repeat(1000)]]) });
    expect(statusOf(set.text, 'a')).to.equal('200');
    const charged = (await srv.nasd.vfs.userUsage(leaver.id)).bytes;
    expect(charged).to.be.greaterThan(1000);
    const ownerBefore = (await srv.nasd.vfs.userUsage(owner.id)).bytes;
    expect((await api(srv.baseUrl, 'DELETE', `/api/users/${leaver.id}`, { token: adminToken })).status).to.equal(204);
    expect((await srv.nasd.vfs.userUsage(owner.id)).bytes).to.equal(ownerBefore + charged);
    const report = await srv.nasd.vfs.reconcile();
    expect(report.usage.filter((u) => u.subjectId === owner.id)).to.deep.equal([]);
  });

  it('names paths in error messages as the client did, never by storage key', async () => {
    const missing = await as(five, 'PROPPATCH', '/dav/home/nope/x.txt', {
      body: '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><x xmlns="urn:t">1</x></D:prop></D:set></D:propertyupdate>',
    });
    expect(missing.status).to.equal(404);
    expect(missing.text).not.to.contain('homes/');
    fs.symlinkSync('/etc', path.join(root(), 'homes', 'five', 'link'));
    const viaDav = await as(five, 'GET', '/dav/home/link/passwd');
    expect(viaDav.status).to.equal(404);
    expect(viaDav.text).not.to.contain('homes/five');
    const viaApi = await api(srv.baseUrl, 'GET', '/api/files/stat?path=/home/link/passwd', { token: five.token });
    expect(viaApi.status).to.equal(404);
    expect(JSON.stringify(viaApi.body)).not.to.contain('homes/five');
    expect(JSON.stringify(viaApi.body)).to.contain('/home/link');
    const list = await api(srv.baseUrl, 'GET', '/api/files/list?path=/home/link', { token: five.token });
    expect(list.status).to.equal(404);
    expect(JSON.stringify(list.body)).not.to.contain('homes/five');
    const adminView = await api(srv.baseUrl, 'GET', '/api/files/list?path=/homes/five/link', { token: adminToken });
    expect(adminView.status).to.equal(404);
    expect(JSON.stringify(adminView.body)).to.contain('/homes/five/link');
    fs.rmSync(path.join(root(), 'homes', 'five', 'link'));
  });
});
