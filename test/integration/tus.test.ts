import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { Upload } from 'tus-js-client';
import { loadConfig } from '../../src/config/index.js';
import { createNasd, type Nasd } from '../../src/main.js';
import { TRAVERSAL_CORPUS } from '../fixtures/traversal-corpus.js';
import { createPgDatabase, describeEachDb } from '../helpers/db.js';
import { ADMIN_PASSWORD, api } from '../helpers/server.js';
import { addLoggedInUser, type StorageTestUser } from '../helpers/storage.js';
import { makeTmpDir } from '../helpers/tmp.js';

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
const b64 = (s: string) => Buffer.from(s).toString('base64');

interface Running {
  nasd: Nasd;
  baseUrl: string;
}

/** tus-js-client upload as a promise; `stopAfter` aborts once that many bytes were accepted. */
function tusUpload(baseUrl: string, token: string, data: Buffer, opts: { filename: string; folder?: string; uploadUrl?: string; stopAfter?: number; chunkSize?: number }): Promise<{ url: string; stopped: boolean }> {
  return new Promise((resolve, reject) => {
    const up: Upload = new Upload(data, {
      endpoint: `${baseUrl}/api/uploads/`,
      uploadUrl: opts.uploadUrl,
      chunkSize: opts.chunkSize ?? 256 * 1024,
      retryDelays: [],
      headers: { Authorization: `Bearer ${token}` },
      metadata: { filename: opts.filename, ...(opts.folder ? { folder: opts.folder } : {}) },
      onChunkComplete: (_size, accepted) => {
        if (opts.stopAfter !== undefined && accepted >= opts.stopAfter) {
          void up.abort().then(() => resolve({ url: up.url as string, stopped: true }));
        }
      },
      onSuccess: () => resolve({ url: up.url as string, stopped: false }),
      onError: reject,
    });
    up.start();
  });
}

describeEachDb('tus uploads', (kind) => {
  const tmp = makeTmpDir();
  let pg: { url: string; drop: () => Promise<void> } | undefined;
  let srv: Running;
  let alice: StorageTestUser;
  let bob: StorageTestUser;

  async function start(): Promise<Running> {
    const config = loadConfig({}, { host: '127.0.0.1', port: 0, dataDir: tmp.dir, databaseUrl: pg?.url, logLevel: 'silent', adminPassword: ADMIN_PASSWORD, auth: { bcryptCost: 4 }, hardware: { mode: 'simulated' }, smb: { mode: 'off' } });
    const nasd = await createNasd(config);
    const addr = await nasd.listen();
    return { nasd, baseUrl: `http://127.0.0.1:${addr.port}` };
  }

  before(async function () {
    if (kind === 'postgres') pg = await createPgDatabase(this);
    srv = await start();
    alice = await addLoggedInUser(srv.nasd, srv.baseUrl, 'alice', 3 * 1024 * 1024);
    bob = await addLoggedInUser(srv.nasd, srv.baseUrl, 'bob');
    const secret = await srv.nasd.shares.create({ principal: { userId: 1, username: 'admin', isAdmin: true }, protocol: 'api' }, { name: 'secret' });
    expect(secret.name).to.equal('secret');
  });
  after(async () => {
    await srv?.nasd.close();
    await pg?.drop();
    tmp.remove();
  });

  const homeFile = (user: string, name: string) => path.join(srv.nasd.config.storageRoot, 'homes', user, name);

  it('uploads with tus-js-client and records the sha256', async () => {
    const data = crypto.randomBytes(600 * 1024);
    await tusUpload(srv.baseUrl, alice.token, data, { filename: 'one.bin' });
    expect(sha256(fs.readFileSync(homeFile('alice', 'one.bin')))).to.equal(sha256(data));
    const row = await srv.nasd.db.knex('file_owners').where({ key: 'homes/alice/one.bin' }).first();
    expect(row.sha256).to.equal(sha256(data));
    expect((await srv.nasd.vfs.userUsage(alice.id)).reservedBytes).to.equal(0);
  });

  it('resumes after a dropped connection and after a restart, byte-identical', async () => {
    const data = crypto.randomBytes(1024 * 1024);
    const first = await tusUpload(srv.baseUrl, alice.token, data, { filename: 'resume.bin', folder: '/home', stopAfter: 256 * 1024 });
    expect(first.stopped).to.equal(true);
    const second = await tusUpload(srv.baseUrl, alice.token, data, { filename: 'resume.bin', uploadUrl: first.url, stopAfter: 512 * 1024 });
    expect(second.stopped).to.equal(true);
    await srv.nasd.close();
    srv = await start();
    const relocated = first.url.replace(/^http:\/\/[^/]+/, srv.baseUrl);
    const head = await fetch(relocated, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${alice.token}` } });
    expect(Number(head.headers.get('upload-offset'))).to.be.at.least(512 * 1024);
    await tusUpload(srv.baseUrl, alice.token, data, { filename: 'resume.bin', uploadUrl: relocated });
    expect(sha256(fs.readFileSync(homeFile('alice', 'resume.bin')))).to.equal(sha256(data));
  });

  async function create(token: string, headers: Record<string, string>) {
    return fetch(`${srv.baseUrl}/api/uploads/`, { method: 'POST', headers: { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${token}`, ...headers } });
  }

  it('checks Upload-Checksum (460 and the chunk is discarded)', async () => {
    const res = await create(alice.token, { 'Upload-Length': '10', 'Upload-Metadata': `filename ${b64('sum.txt')}` });
    expect(res.status).to.equal(201);
    const url = res.headers.get('location') as string;
    const patch = (body: string, sum: string) =>
      fetch(url, { method: 'PATCH', body, headers: { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${alice.token}`, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': '0', 'Upload-Checksum': sum } });
    const bad = await patch('0123456789', `sha1 ${crypto.createHash('sha1').update('nope').digest('base64')}`);
    expect(bad.status).to.equal(460);
    const head = await fetch(url, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${alice.token}` } });
    expect(head.headers.get('upload-offset')).to.equal('0');
    const good = await patch('0123456789', `sha256 ${crypto.createHash('sha256').update('0123456789').digest('base64')}`);
    expect(good.status).to.equal(204);
    expect(fs.readFileSync(homeFile('alice', 'sum.txt'), 'utf8')).to.equal('0123456789');
    const options = await fetch(`${srv.baseUrl}/api/uploads/`, { method: 'OPTIONS' });
    expect(options.headers.get('tus-extension')).to.contain('checksum');
    expect(options.headers.get('tus-checksum-algorithm')).to.equal('sha1,sha256');
  });

  it('refuses uploads over quota with 413 and reserves nothing', async () => {
    const res = await create(alice.token, { 'Upload-Length': String(10 * 1024 * 1024), 'Upload-Metadata': `filename ${b64('huge.bin')}` });
    expect(res.status).to.equal(413);
    expect((await srv.nasd.vfs.userUsage(alice.id)).reservedBytes).to.equal(0);
  });

  it('keeps uploads private, requires a token, terminates and releases quota', async () => {
    expect((await create('not-a-token', { 'Upload-Length': '5', 'Upload-Metadata': `filename ${b64('x')}` })).status).to.equal(401);
    const res = await create(alice.token, { 'Upload-Length': '5000', 'Upload-Metadata': `filename ${b64('private.bin')}` });
    const url = res.headers.get('location') as string;
    expect((await srv.nasd.vfs.userUsage(alice.id)).reservedBytes).to.equal(5000);
    const asBob = { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${bob.token}` };
    expect((await fetch(url, { method: 'HEAD', headers: asBob })).status).to.equal(404);
    expect((await fetch(url, { method: 'DELETE', headers: asBob })).status).to.equal(404);
    const bobPatch = await fetch(url, { method: 'PATCH', body: 'xxxxx', headers: { ...asBob, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': '0' } });
    expect(bobPatch.status).to.equal(404);
    const del = await fetch(url, { method: 'DELETE', headers: { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${alice.token}` } });
    expect(del.status).to.equal(204);
    expect((await srv.nasd.vfs.userUsage(alice.id)).reservedBytes).to.equal(0);
    expect(fs.readdirSync(path.join(srv.nasd.config.storageRoot, '.nasd/uploads'))).to.deep.equal([]);
  });

  it("refuses targets in other users' homes, unreadable shares and traversal", async () => {
    for (const folder of ['/homes/alice', '/secret', '/nope']) {
      const res = await create(bob.token, { 'Upload-Length': '1', 'Upload-Metadata': `filename ${b64('x')},folder ${b64(folder)}` });
      expect(res.status, folder).to.be.oneOf([403, 404]);
    }
    for (const raw of TRAVERSAL_CORPUS) {
      const res = await create(bob.token, { 'Upload-Length': '1', 'Upload-Metadata': `filename ${b64('x')},folder ${b64(raw)}` });
      expect(res.status, raw).to.equal(400);
    }
    const bad = await create(bob.token, { 'Upload-Length': '1', 'Upload-Metadata': `filename ${b64('../x')}` });
    expect(bad.status).to.equal(400);
    expect(fs.existsSync(homeFile('alice', 'x'))).to.equal(false);
  });
});
