import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { createUser, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeTmpDir } from '../helpers/tmp.js';
import { dav } from '../helpers/webdav.js';

const MiB = 1024 * 1024;

/** Mounts a 40 MiB tmpfs at `dir` (root only); returns the reason when it cannot. */
function mountTmpfs(dir: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=40m,mode=0750', 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `cannot mount a tmpfs here (${String((err as Error).message).split('\n')[0]})`;
  }
}

async function tus(baseUrl: string, token: string, method: string, url: string, headers: Record<string, string> = {}, body?: Buffer) {
  const res = await fetch(url.startsWith('http') ? url : `${baseUrl}${url}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Tus-Resumable': '1.0.0', ...headers },
    body: body as BodyInit | undefined,
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describeEachDb('disk full (real 40 MiB tmpfs)', (kind) => {
  const mountDir = makeTmpDir('nasd-tmpfs-');
  let mounted = false;
  let srv: TestServer;
  let user: CreatedUser;
  const storage = () => path.join(mountDir.dir, 'storage');
  const filler = () => path.join(mountDir.dir, 'filler.bin');
  const nasdDir = (sub: 'tmp' | 'uploads') => path.join(storage(), '.nasd', sub);

  before(async function () {
    const reason = mountTmpfs(mountDir.dir);
    if (reason) {
      if (process.env.CI === 'true') throw new Error(reason);
      console.log(`      skipped: ${reason}`);
      this.skip();
    }
    mounted = true;
    srv = await startTestServer(this, kind, { storageRoot: storage() });
    user = await createUser(srv, (await loginAdmin(srv)).accessToken, { username: 'filler' });
  });
  after(async () => {
    await srv?.close();
    try {
      if (mounted) execFileSync('umount', [mountDir.dir], { stdio: 'pipe' });
    } finally {
      mountDir.remove();
    }
  });
  afterEach(() => fs.rmSync(filler(), { force: true }));

  it('answers a tus PATCH that meets a full disk with 413, keeps the accepted offset and resumes', async () => {
    const created = await tus(srv.baseUrl, user.token, 'POST', '/api/uploads/', {
      'Upload-Length': String(30 * MiB),
      'Upload-Metadata': `filename ${Buffer.from('full.bin').toString('base64')}`,
    });
    expect(created.status, created.text).to.equal(201);
    const url = new URL(created.headers.get('location') as string, srv.baseUrl).toString();
    const data = Buffer.alloc(30 * MiB, 5);
    const head = { 'Content-Type': 'application/offset+octet-stream' };
    const first = await tus(srv.baseUrl, user.token, 'PATCH', url, { ...head, 'Upload-Offset': '0' }, data.subarray(0, MiB));
    expect(first.status).to.equal(204);
    // Somebody else fills the filesystem behind nasd's back: the rest no longer fits.
    fs.writeFileSync(filler(), Buffer.alloc(25 * MiB));
    const full = await tus(srv.baseUrl, user.token, 'PATCH', url, { ...head, 'Upload-Offset': String(MiB) }, data.subarray(MiB));
    expect(full.status, full.text).to.equal(413);
    const offset = Number((await tus(srv.baseUrl, user.token, 'HEAD', url)).headers.get('upload-offset'));
    expect(offset).to.equal(MiB);
    expect(fs.readdirSync(nasdDir('uploads')).map((f) => fs.statSync(path.join(nasdDir('uploads'), f)).size)).to.deep.equal([MiB]);
    expect(fs.readdirSync(nasdDir('tmp'))).to.deep.equal([]);
    fs.rmSync(filler());
    const rest = await tus(srv.baseUrl, user.token, 'PATCH', url, { ...head, 'Upload-Offset': String(offset) }, data.subarray(offset));
    expect(rest.status, rest.text).to.equal(204);
    expect(fs.statSync(path.join(storage(), 'homes', 'filler', 'full.bin')).size).to.equal(30 * MiB);
    expect(fs.readdirSync(nasdDir('uploads'))).to.deep.equal([]);
    fs.rmSync(path.join(storage(), 'homes', 'filler', 'full.bin'));
    await srv.nasd.vfs.reconcile();
  });

  it('answers a WebDAV PUT that meets a full disk with 507 and leaves no temp file', async () => {
    const reservedBefore = (await srv.nasd.vfs.userUsage(user.id)).reservedBytes;
    // The announced 30 MiB fit when the PUT starts; after its first MiB the disk fills up.
    const body = new PassThrough();
    const sent = dav(srv.baseUrl, 'PUT', '/dav/home/big.bin', { auth: [user.username, user.password], headers: { 'Content-Length': String(30 * MiB) }, body });
    body.write(Buffer.alloc(MiB, 1));
    for (let i = 0; i < 100 && fs.readdirSync(nasdDir('tmp')).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    fs.writeFileSync(filler(), Buffer.alloc(25 * MiB));
    body.end(Buffer.alloc(29 * MiB, 2));
    const res = await sent;
    expect(res.status).to.equal(507);
    expect(fs.readdirSync(nasdDir('tmp'))).to.deep.equal([]);
    expect(fs.existsSync(path.join(storage(), 'homes', 'filler', 'big.bin'))).to.equal(false);
    expect((await srv.nasd.vfs.userUsage(user.id)).reservedBytes).to.equal(reservedBefore);
  });
});
