import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { generate } from 'otplib';
import { createUser, login, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { isRoot, requireSambaTool } from '../helpers/samba.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { startPrivateSmbd, writePrivateSmbConf, type PrivateSmbd } from '../helpers/smbd.js';
import { makeTmpDir } from '../helpers/tmp.js';
import { basic } from '../helpers/webdav.js';

const QUOTA = 1024 * 1024;

/** Waits (bounded) until `check` holds; the SMB catch-up runs every second here. */
async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting until ${what}`);
}

function sh(file: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync(file, args, { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describeEachDb('SMB through a private smbd', (kind) => {
  let tmp: ReturnType<typeof makeTmpDir>;
  let srv: TestServer;
  let smbd: PrivateSmbd;
  let adminToken: string;
  let previousUmask: number;
  const tag = crypto.randomBytes(3).toString('hex');
  const names: Record<string, string> = { alice: `a${tag}`, bob: `b${tag}`, carol: `c${tag}`, dave: `d${tag}`, erin: `e${tag}`, fred: `f${tag}` };
  const users: Record<string, CreatedUser> = {};
  let shareId: number;
  let storage: string;

  const as = (u: CreatedUser, password = u.password) => ({ user: u.username, password });
  const share = (u: CreatedUser, cmd: string, password?: string) => smbd.client(['//127.0.0.1/media', '-c', cmd], as(u, password));
  const home = (u: CreatedUser, cmd: string, password?: string) => smbd.client(['//127.0.0.1/home', '-c', cmd], as(u, password));
  const dav = (u: CreatedUser, method: string, p: string, body?: Buffer) =>
    fetch(`${srv.baseUrl}/dav${p}`, { method, headers: { Authorization: basic(u.username, u.password) }, body: body as BodyInit | undefined });

  before(async function () {
    this.timeout(120_000);
    for (const tool of ['smbd', 'smbclient', 'testparm'] as const) if (!requireSambaTool(this, tool)) return;
    if (!isRoot()) {
      if (process.env.CI) throw new Error('the SMB tests create Unix accounts and must run as root under CI');
      console.log('    skipped: the SMB tests create Unix accounts (run as root)');
      this.skip();
    }
    // Group-writable folders and files, as the systemd drop-in's UMask=0007 gives the service.
    previousUmask = process.umask(0o007);
    tmp = makeTmpDir('nasd-smb-');
    fs.chmodSync(tmp.dir, 0o755); // every directory above a share must be traversable by the accounts
    if (sh('getent', ['group', 'nasd']).status !== 0) sh('groupadd', ['--system', 'nasd']);
    storage = path.join(tmp.dir, 'storage');
    fs.mkdirSync(storage);
    sh('chgrp', ['nasd', storage]);
    fs.chmodSync(storage, 0o2770);
    const include = path.join(tmp.dir, 'samba', 'nasd.conf');
    const { conf, port } = await writePrivateSmbConf(tmp.dir, include);
    srv = await startTestServer(this, kind, { storageRoot: storage, smb: { mode: 'on', conf, include, intervalSeconds: 1, avahi: 'off' } });
    smbd = await startPrivateSmbd(conf, port);
    adminToken = (await loginAdmin(srv)).accessToken;
    users.alice = await createUser(srv, adminToken, { username: names.alice, quotaBytes: QUOTA });
    users.bob = await createUser(srv, adminToken, { username: names.bob });
    users.carol = await createUser(srv, adminToken, { username: names.carol });
    users.dave = await createUser(srv, adminToken, { username: names.dave });
    users.erin = await createUser(srv, adminToken, { username: names.erin });
    const created = await api(srv.baseUrl, 'POST', '/api/shares', { token: adminToken, body: { name: 'media', description: 'Films\n[evil]\npath = /', recycleBin: true } });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    shareId = created.body.id;
    const acl = await api(srv.baseUrl, 'PUT', `/api/shares/${shareId}/acl`, {
      token: adminToken,
      body: { entries: [{ userId: users.alice.id, access: 'write' }, { userId: users.bob.id, access: 'read' }, { userId: users.carol.id, access: 'none' }] },
    });
    expect(acl.status, JSON.stringify(acl.body)).to.equal(200);
    await srv.nasd.smb.regenerate();
    // Samba starts its RPC helpers (samba-dcerpcd) on the first share listing; the first one may time out.
    await eventually('smbd lists shares', () => /IPC\$/.test(smbd.client(['-L', '//127.0.0.1'], as(users.alice)).out), 60_000);
    const status = await api(srv.baseUrl, 'GET', '/api/smb', { token: adminToken });
    expect(status.body.lastResult, JSON.stringify(status.body)).to.include({ installed: true, reloaded: true });
  });

  after(async function () {
    this.timeout(60_000);
    await smbd?.stop();
    for (const u of Object.values(users)) {
      if (u) await api(srv.baseUrl, 'DELETE', `/api/users/${u.id}`, { token: adminToken }).catch(() => undefined);
    }
    await srv?.close();
    // Backstop: no Unix account of this run may survive it.
    for (const n of Object.values(names)) if (sh('id', ['-u', `nasd-${n}`]).status === 0) sh('userdel', [`nasd-${n}`]);
    tmp?.remove();
    if (previousUmask !== undefined) process.umask(previousUmask);
  });

  it('lists the shares a user may read: home and media for readers, only home for a user with none', () => {
    const alice = smbd.client(['-L', '//127.0.0.1'], as(users.alice));
    expect(alice.out, alice.out).to.match(/^\s+home\s+Disk/m);
    expect(alice.out).to.match(/^\s+media\s+Disk/m);
    expect(alice.out, 'the comment stays one plain line').to.match(/^\s+media\s+Disk\s+Films evil path \/$/m);
    const carol = smbd.client(['-L', '//127.0.0.1'], as(users.carol));
    expect(carol.out).to.match(/^\s+home\s+Disk/m);
    expect(carol.out).not.to.match(/^\s+media\s+Disk/m);
  });

  it('a new user\u2019s home exists as soon as the API has created them, so their first SMB connection works', async () => {
    const fresh = await createUser(srv, adminToken, { username: names.fred! });
    users.fred = fresh;
    expect(fs.statSync(path.join(storage, 'homes', names.fred!)).isDirectory()).to.equal(true);
    const ls = home(fresh, 'ls');
    expect(ls.status, ls.out).to.equal(0);
  });

  it('puts and gets in the home and a share; WebDAV reads the same bytes; owner and usage catch up', async () => {
    const bytes = crypto.randomBytes(70_000);
    const local = path.join(tmp.dir, 'up.bin');
    fs.writeFileSync(local, bytes);
    const before = (await srv.nasd.vfs.usageReport(users.alice.id))!.usedBytes;
    const put = home(users.alice, `put ${local} h.bin`);
    expect(put.status, put.out).to.equal(0);
    expect(share(users.alice, `put ${local} s.bin`).status).to.equal(0);
    const back = path.join(tmp.dir, 'back.bin');
    expect(share(users.alice, `get s.bin ${back}`).status).to.equal(0);
    expect(fs.readFileSync(back).equals(bytes)).to.equal(true);
    for (const p of ['/home/h.bin', '/media/s.bin']) {
      const res = await dav(users.alice, 'GET', p);
      expect(res.status, p).to.equal(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes), p).to.equal(true);
    }
    const onDisk = fs.statSync(path.join(storage, 'shares/media/s.bin'));
    expect(sh('id', ['-un', String(onDisk.uid)]).out.trim()).to.equal(`nasd-${names.alice}`);
    const actor = { principal: { userId: users.alice.id, username: names.alice, isAdmin: false }, protocol: 'system' as const };
    await eventually('the share file is owned by alice and her usage moved', async () => {
      const st = await srv.nasd.vfs.stat(actor, '/media/s.bin').catch(() => undefined);
      const used = (await srv.nasd.vfs.usageReport(users.alice.id))!.usedBytes;
      return st?.ownerId === users.alice.id && used >= before + 2 * bytes.length;
    });
    await eventually('the SMB writes are in the audit log, attributed to alice', async () => {
      const res = await api(srv.baseUrl, 'GET', `/api/audit?action=file.write&actor=${names.alice}&limit=100`, { token: adminToken });
      const smbTargets = res.body.items.filter((e: { protocol: string }) => e.protocol === 'smb').map((e: { target: string }) => e.target);
      return smbTargets.includes('/media/s.bin') && smbTargets.includes(`/homes/${names.alice}/h.bin`);
    });
  });

  it('audits an SMB mkdir, rename (one event) and delete, attributed to the user', async () => {
    const local = path.join(tmp.dir, 'gone.txt');
    fs.writeFileSync(local, 'gone');
    const dir = `/homes/${names.alice}`;
    expect(home(users.alice, `put ${local} gone.txt; mkdir sub; rename gone.txt sub/moved.txt`).status).to.equal(0);
    expect(share(users.alice, `put ${local} m.txt; del m.txt`).status).to.equal(0);
    expect(home(users.alice, 'del sub/moved.txt').status).to.equal(0);
    type Entry = { protocol: string; target: string; actorName: string | null; details: Record<string, unknown> | null };
    const smbEntries = async (action: string): Promise<Entry[]> =>
      (await api(srv.baseUrl, 'GET', `/api/audit?action=${action}&limit=200`, { token: adminToken })).body.items.filter((e: Entry) => e.protocol === 'smb');
    await eventually('the delete in the home is audited', async () => (await smbEntries('file.delete')).some((e) => e.target === `${dir}/sub/moved.txt`));
    const deletes = (await smbEntries('file.delete')).filter((e) => e.target === `${dir}/sub/moved.txt` || e.target === '/media/m.txt');
    expect(deletes.map((e) => [e.target, e.actorName]).sort()).to.deep.equal([['/media/m.txt', names.alice], [`${dir}/sub/moved.txt`, names.alice]].sort());
    const moves = (await smbEntries('file.move')).filter((e) => e.target === `${dir}/gone.txt`);
    expect(moves, JSON.stringify(moves)).to.have.length(1);
    expect(moves[0]).to.deep.include({ actorName: names.alice, details: { to: `${dir}/sub/moved.txt` } });
    const mkdirs = (await smbEntries('file.mkdir')).filter((e) => e.target === `${dir}/sub`);
    expect(mkdirs.map((e) => e.actorName)).to.deep.equal([names.alice]);
    // The rename is not also a delete of the old name and a creation of the new one.
    expect((await smbEntries('file.delete')).filter((e) => e.target === `${dir}/gone.txt`)).to.have.length(0);
    const writes = await smbEntries('file.write');
    expect(writes.filter((e) => e.target === `${dir}/sub/moved.txt`)).to.have.length(0);
    expect(writes.filter((e) => e.target === `${dir}/gone.txt`).map((e) => e.actorName)).to.deep.equal([names.alice]);
    // Deleting into the recycle folder is the user's delete, not a move.
    expect((await smbEntries('file.move')).filter((e) => e.target === '/media/m.txt')).to.have.length(0);
  });

  it('refuses a sign-in with the Unix account name (its %U would be another home path)', () => {
    const r = smbd.client(['//127.0.0.1/home', '-c', 'ls'], { user: `nasd-${names.bob}`, password: users.bob.password });
    expect(r.status).not.to.equal(0);
    expect(r.out).to.match(/NT_STATUS_LOGON_FAILURE/);
  });

  it('refuses writes to a read user and connections to a user with none', () => {
    const local = path.join(tmp.dir, 'small.txt');
    fs.writeFileSync(local, 'x');
    const bob = share(users.bob, `put ${local} bob.txt`);
    expect(bob.out).to.match(/NT_STATUS_ACCESS_DENIED/);
    expect(fs.existsSync(path.join(storage, 'shares/media/bob.txt'))).to.equal(false);
    expect(share(users.bob, 'ls').status).to.equal(0);
    const carol = share(users.carol, 'ls');
    expect(carol.status).not.to.equal(0);
    expect(carol.out).to.match(/NT_STATUS_ACCESS_DENIED|NT_STATUS_BAD_NETWORK_NAME/);
  });

  it('a disabled user cannot log in, and can again once enabled', async () => {
    expect(home(users.dave, 'ls').status).to.equal(0);
    expect((await api(srv.baseUrl, 'PATCH', `/api/users/${users.dave.id}`, { token: adminToken, body: { disabled: true } })).status).to.equal(200);
    const refused = home(users.dave, 'ls');
    expect(refused.status).not.to.equal(0);
    expect(refused.out).to.match(/NT_STATUS_ACCOUNT_DISABLED|NT_STATUS_LOGON_FAILURE|NT_STATUS_ACCESS_DENIED/);
    expect((await api(srv.baseUrl, 'PATCH', `/api/users/${users.dave.id}`, { token: adminToken, body: { disabled: false } })).status).to.equal(200);
    expect(home(users.dave, 'ls').status).to.equal(0);
    // Disabling ended dave's API sessions.
    users.dave = { ...users.dave, token: (await login(srv.baseUrl, users.dave.username, users.dave.password)).accessToken };
  });

  it('a changed password works at once and the old one does not', async () => {
    const old = users.dave.password;
    const fresh = `changed-${crypto.randomBytes(6).toString('hex')}`;
    const res = await api(srv.baseUrl, 'POST', '/api/me/password', { token: users.dave.token, body: { currentPassword: old, newPassword: fresh } });
    expect(res.status, JSON.stringify(res.body)).to.equal(204);
    expect(home(users.dave, 'ls', fresh).status).to.equal(0);
    expect(home(users.dave, 'ls', old).out).to.match(/NT_STATUS_LOGON_FAILURE/);
    users.dave = { ...users.dave, password: fresh };
  });

  it('an admin reset replaces the SMB password too', async () => {
    const fresh = `reset-${crypto.randomBytes(6).toString('hex')}`;
    expect((await api(srv.baseUrl, 'POST', `/api/users/${users.bob.id}/password`, { token: adminToken, body: { password: fresh } })).status).to.equal(204);
    expect(home(users.bob, 'ls', fresh).status).to.equal(0);
    expect(home(users.bob, 'ls').out).to.match(/NT_STATUS_LOGON_FAILURE/);
    users.bob = { ...users.bob, password: fresh };
  });

  it('a 2FA user gets in with an SMB app password only', async () => {
    const erin = users.erin;
    const enrol = await api(srv.baseUrl, 'POST', '/api/me/totp', { token: erin.token });
    const code = await generate({ secret: enrol.body.secret, epoch: Math.floor(Date.now() / 1000) });
    expect((await api(srv.baseUrl, 'POST', '/api/me/totp/confirm', { token: erin.token, body: { code, password: erin.password } })).status).to.equal(200);
    expect(home(erin, 'ls').out, 'the account password no longer opens SMB').to.match(/NT_STATUS_LOGON_FAILURE/);
    const plain = await api(srv.baseUrl, 'POST', '/api/me/app-passwords', { token: erin.token, body: { name: 'webdav laptop', password: erin.password } });
    expect(plain.status).to.equal(201);
    expect(plain.body.smb).to.equal(false);
    expect(home(erin, 'ls', plain.body.password).out, 'an app password not marked for SMB').to.match(/NT_STATUS_LOGON_FAILURE/);
    const forSmb = await api(srv.baseUrl, 'POST', '/api/me/app-passwords', { token: erin.token, body: { name: 'mac finder', smb: true, password: erin.password } });
    expect(forSmb.status).to.equal(201);
    expect(forSmb.body.smb).to.equal(true);
    expect(home(erin, 'ls', forSmb.body.password).status).to.equal(0);
    expect((await api(srv.baseUrl, 'DELETE', `/api/me/app-passwords/${forSmb.body.id}`, { token: erin.token })).status).to.equal(204);
    expect(home(erin, 'ls', forSmb.body.password).out, 'revoked').to.match(/NT_STATUS_LOGON_FAILURE/);
  });

  it('dfree: `du` reports the user quota, not the disk', () => {
    const du = home(users.alice, 'du');
    const m = du.out.match(/(\d+) blocks of size (\d+)\. (\d+) blocks available/);
    expect(m, du.out).to.not.equal(null);
    expect(Number(m![1]) * Number(m![2])).to.equal(QUOTA);
    expect(Number(m![3]) * Number(m![2])).to.be.below(QUOTA);
    const bob = home(users.bob, 'du').out.match(/(\d+) blocks of size (\d+)\./);
    expect(Number(bob![1]) * Number(bob![2]), 'without a quota: the disk').to.be.above(QUOTA);
  });

  it('recycle: a deleted file lands in the user recycle folder and the cleanup job removes old entries', async () => {
    const local = path.join(tmp.dir, 'doomed.txt');
    fs.writeFileSync(local, 'doomed');
    expect(share(users.alice, `put ${local} doomed.txt`).status).to.equal(0);
    expect(share(users.alice, 'del doomed.txt').status).to.equal(0);
    const recycled = path.join(storage, 'shares/media/.recycle', names.alice, 'doomed.txt');
    expect(fs.readFileSync(recycled, 'utf8')).to.equal('doomed');
    const fresh = path.join(storage, 'shares/media/.recycle', names.alice, 'fresh.txt');
    fs.writeFileSync(fresh, 'fresh');
    const old = Date.now() / 1000 - 40 * 86_400;
    fs.utimesSync(recycled, old, old);
    const run = await api(srv.baseUrl, 'POST', '/api/jobs/smb.recycle-cleanup/run', { token: adminToken });
    expect(run.status, JSON.stringify(run.body)).to.equal(202);
    await eventually('the cleanup job finished', async () => {
      const ex = await api(srv.baseUrl, 'GET', `/api/jobs/executions/${run.body.executionId}`, { token: adminToken });
      return ex.body.status === 'ok';
    }, 30_000);
    expect(fs.existsSync(recycled)).to.equal(false);
    expect(fs.existsSync(fresh)).to.equal(true);
  });

  it('over quota through SMB: SMB writes are refused, and WebDAV refuses too', async () => {
    const big = path.join(tmp.dir, 'big.bin');
    fs.writeFileSync(big, crypto.randomBytes(QUOTA));
    // Samba itself does not know nasd's quota: this write goes through and takes alice over it.
    expect(home(users.alice, `put ${big} big.bin`).status).to.equal(0);
    await eventually('alice is read-only over SMB', async () => {
      const st = await api(srv.baseUrl, 'GET', '/api/smb', { token: adminToken });
      return st.body.users.find((u: { username: string }) => u.username === names.alice)?.readOnly === true;
    });
    const small = path.join(tmp.dir, 'one.txt');
    fs.writeFileSync(small, '1');
    await eventually('SMB refuses her writes', () => /NT_STATUS_ACCESS_DENIED|NT_STATUS_MEDIA_WRITE_PROTECTED/.test(home(users.alice, `put ${small} one.txt`).out));
    expect(share(users.alice, `put ${small} one.txt`).out).to.match(/NT_STATUS_ACCESS_DENIED|NT_STATUS_MEDIA_WRITE_PROTECTED/);
    expect((await dav(users.alice, 'PUT', '/home/webdav.txt', Buffer.from('1'))).status).to.equal(507);
    // Deleting through WebDAV brings her under the quota and SMB writes back.
    expect((await dav(users.alice, 'DELETE', '/home/big.bin')).status).to.equal(204);
    await eventually('SMB accepts her writes again', () => home(users.alice, `put ${small} one.txt`).status === 0);
  });

  it('a deleted user is gone from the passdb and the Unix accounts', async () => {
    const pdb = () => sh('pdbedit', ['-s', smbd.conf, '-L']).out;
    expect(pdb()).to.include(`nasd-${names.carol}:`);
    expect((await api(srv.baseUrl, 'DELETE', `/api/users/${users.carol.id}`, { token: adminToken })).status).to.equal(204);
    expect(pdb()).not.to.include(`nasd-${names.carol}:`);
    expect(sh('id', ['-u', `nasd-${names.carol}`]).status).not.to.equal(0);
    expect(smbd.client(['-L', '//127.0.0.1'], as(users.carol)).out).to.match(/NT_STATUS_LOGON_FAILURE/);
    delete users.carol;
  });
});
