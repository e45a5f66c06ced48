import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { loadConfig } from '../../src/config/index.js';
import { openDatabase } from '../../src/db/index.js';
import { createNasd, type Nasd } from '../../src/main.js';
import { createPgDatabase, describeEachDb } from '../helpers/db.js';
import { ADMIN_PASSWORD, api } from '../helpers/server.js';
import { addLoggedInUser } from '../helpers/storage.js';
import { makeTmpDir } from '../helpers/tmp.js';

const CHILD = path.resolve('test/helpers/nasd-child.ts');
const BIG = 64 * 1024 * 1024;
const FED = 1024 * 1024;

/** Spawns a child nasd and resolves once it prints its port (rejects with its stderr if it dies first). */
function spawnNasd(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /NASD_PORT (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => reject(new Error(`child nasd exited (${code}) before listening: ${stderr}`)));
  });
}

/** Polls `check` until it holds (a wait for the child to reach a state, not a timing assertion). */
async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for: ${what}`);
}

/** Every file in the namespace (storage root minus .nasd) with its sha256. */
function namespaceFiles(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, d.name);
      if (abs === path.join(root, '.nasd')) continue;
      if (d.isDirectory()) walk(abs);
      else out[path.relative(root, abs)] = crypto.createHash('sha256').update(fs.readFileSync(abs)).digest('hex');
    }
  };
  walk(root);
  return out;
}

const fileSize = (p: string) => (fs.existsSync(p) ? fs.statSync(p).size : 0);

describeEachDb('crash recovery (nasd killed mid-upload)', (kind) => {
  const tmp = makeTmpDir();
  let pg: { url: string; drop: () => Promise<void> } | undefined;
  let nasd: Nasd | undefined;
  let child: ChildProcess | undefined;

  const config = () =>
    loadConfig({}, { host: '127.0.0.1', port: 0, dataDir: tmp.dir, databaseUrl: pg?.url, logLevel: 'silent', adminPassword: ADMIN_PASSWORD, auth: { bcryptCost: 4 }, hardware: { mode: 'simulated' }, smb: { mode: 'off' } });

  before(async function () {
    if (kind === 'postgres') pg = await createPgDatabase(this);
  });
  after(async () => {
    child?.kill('SIGKILL');
    await nasd?.close();
    await pg?.drop();
    tmp.remove();
  });

  it('leaves no partial file, no temp file, no write reservation and unchanged usage after kill -9 (VFS write, WebDAV PUT, tus PATCH)', async function () {
    this.timeout(60_000);
    nasd = await createNasd(config());
    const { port: setupPort } = await nasd.listen();
    const alice = await addLoggedInUser(nasd, `http://127.0.0.1:${setupPort}`, 'alice');
    const actor = { principal: { userId: alice.id, username: 'alice', isAdmin: false }, protocol: 'system' as const };
    await nasd.vfs.write(actor, '/home/keep.txt', Readable.from([Buffer.from('committed before the crash')]));
    await nasd.vfs.write(actor, '/home/put.bin', Readable.from([Buffer.from('old version')]));
    const before = namespaceFiles(nasd.config.storageRoot);
    const usageBefore = await nasd.vfs.userUsage(alice.id);
    const root = nasd.config.storageRoot;
    await nasd.close();
    nasd = undefined;

    const started = await spawnNasd([tmp.dir, pg?.url ?? '', '--stdin-write', 'alice', '/home/put.bin', String(BIG)]);
    child = started.child;
    const base = `http://127.0.0.1:${started.port}`;
    const created = await api(base, 'POST', '/api/uploads/', {
      token: alice.token,
      headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': String(BIG), 'Upload-Metadata': `filename ${Buffer.from('tus.bin').toString('base64')}` },
    });
    expect(created.status).to.equal(201);
    const uploadUrl = created.headers.get('location') as string;
    const patch = http.request(uploadUrl, {
      method: 'PATCH',
      headers: { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${alice.token}`, 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream', 'Content-Length': String(BIG) },
    });
    patch.on('error', () => undefined);
    patch.write(crypto.randomBytes(FED));
    const put = http.request(`${base}/dav/home/dav.bin`, {
      method: 'PUT',
      headers: { Authorization: `Basic ${Buffer.from(`alice:${alice.password}`).toString('base64')}`, 'Content-Length': String(BIG) },
    });
    put.on('error', () => undefined);
    put.write(crypto.randomBytes(FED));
    child.stdin?.on('error', () => undefined);
    child.stdin?.write(crypto.randomBytes(FED));

    const tempDir = path.join(root, '.nasd', 'tmp');
    const part = path.join(root, '.nasd', 'uploads', path.basename(uploadUrl));
    await until('all three writes to have bytes on disk', () => fileSize(part) >= FED && fs.readdirSync(tempDir).filter((n) => fileSize(path.join(tempDir, n)) >= FED).length === 2);
    const probe = await openDatabase(pg?.url, tmp.dir);
    const inFlight = await probe.knex('quota_reservations').select('kind', 'bytes').orderBy('kind');
    await probe.close();
    expect(inFlight.map((r) => `${r.kind}:${r.bytes}`).sort()).to.deep.equal([`tus:${BIG}`, `write:${BIG - 'old version'.length}`, `write:${BIG}`].sort());
    const exited = new Promise((r) => child?.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    patch.destroy();
    put.destroy();
    child = undefined;

    nasd = await createNasd(config());
    const { port } = await nasd.listen();
    expect(namespaceFiles(root)).to.deep.equal(before);
    expect(fs.readdirSync(tempDir)).to.deep.equal([]);
    expect(await nasd.db.knex('quota_reservations').where({ kind: 'write' })).to.deep.equal([]);
    const usageAfter = await nasd.vfs.userUsage(alice.id);
    expect({ bytes: usageAfter.bytes, files: usageAfter.files }).to.deep.equal({ bytes: usageBefore.bytes, files: usageBefore.files });
    expect(await nasd.db.knex('nasd_instances').count({ n: '*' }).first()).to.deep.include({ n: 1 });

    // The tus upload is resumable by design: its reservation stays until it finishes, expires or is terminated.
    const relocated = uploadUrl.replace(/^http:\/\/[^/]+/, `http://127.0.0.1:${port}`);
    const head = await fetch(relocated, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${alice.token}` } });
    expect(Number(head.headers.get('upload-offset'))).to.be.within(1, FED);
    const del = await fetch(relocated, { method: 'DELETE', headers: { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${alice.token}` } });
    expect(del.status).to.equal(204);
    expect((await nasd.vfs.userUsage(alice.id)).reservedBytes).to.equal(0);
  });
});
