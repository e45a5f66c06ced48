import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createSmbBackend } from '../../protocols/smb/index.js';
import { runCommand } from '../../src/lib/exec.js';
import { createLogger } from '../../src/lib/log.js';
import { knexSmbSwitchStore, loadSmbModel, SmbSync } from '../../src/services/smb/index.js';
import { createUser, loginAdmin } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { requireSambaTool } from '../helpers/samba.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { makeTmpDir } from '../helpers/tmp.js';

describeEachDb('SMB admin API', (kind) => {
  describe('with Samba absent', () => {
    let srv: TestServer;
    let savedPath: string | undefined;

    before(async function () {
      // A PATH without smbd: nasd must start and say that Samba is not installed.
      savedPath = process.env.PATH;
      process.env.PATH = '/nonexistent';
      try {
        srv = await startTestServer(this, kind, { smb: { mode: 'on' } });
      } finally {
        process.env.PATH = savedPath;
      }
    });
    after(() => srv?.close());

    it('starts and reports SMB off because Samba is not installed', async () => {
      const admin = await loginAdmin(srv);
      process.env.PATH = '/nonexistent';
      try {
        const res = await api(srv.baseUrl, 'GET', '/api/smb', { token: admin.accessToken });
        expect(res.status).to.equal(200);
        expect(res.body.enabled).to.equal(false);
        expect(res.body.samba.installed).to.equal(false);
        expect(res.body.samba.message).to.match(/smbd.*not installed/);
        expect(fs.existsSync(res.body.includeFile), 'nothing generated').to.equal(false);
      } finally {
        process.env.PATH = savedPath;
      }
    });
  });

  describe('with Samba present', () => {
    let srv: TestServer;
    let tmp: ReturnType<typeof makeTmpDir>;
    let include: string;
    let avahiDir: string;
    // Random per run: creating it also creates the Unix account nasd-<name>.
    const plainUser = `p${crypto.randomBytes(3).toString('hex')}`;

    before(async function () {
      if (!requireSambaTool(this, 'testparm')) return;
      tmp = makeTmpDir('nasd-smb-api-');
      include = path.join(tmp.dir, 'samba', 'nasd.conf');
      // No smbd runs for this conf: reloads fail and say so, the rest works.
      const conf = path.join(tmp.dir, 'smb.conf');
      fs.mkdirSync(path.join(tmp.dir, 'private'));
      // Its own passdb, so that account changes never reach the machine's.
      fs.writeFileSync(conf, `[global]\n   private dir = ${tmp.dir}/private\n   passdb backend = tdbsam:${tmp.dir}/private/passdb.tdb\n   include = ${include}\n`);
      avahiDir = path.join(tmp.dir, 'avahi-services');
      fs.mkdirSync(avahiDir);
      srv = await startTestServer(this, kind, { smb: { mode: 'on', conf, include, reload: 'true', avahiDir, intervalSeconds: 3600 } });
    });
    after(async () => {
      await srv?.close();
      tmp?.remove();
      if (spawnSync('id', ['-u', `nasd-${plainUser}`]).status === 0) spawnSync('userdel', [`nasd-${plainUser}`]);
    });

    it('is for administrators only', async () => {
      const admin = await loginAdmin(srv);
      const user = await createUser(srv, admin.accessToken, { username: plainUser });
      for (const [method, p] of [['GET', '/api/smb'], ['GET', '/api/smb/config'], ['PUT', '/api/smb'], ['POST', '/api/smb/regenerate']] as const) {
        const res = await api(srv.baseUrl, method, p, { token: user.token, body: method === 'PUT' ? { enabled: false } : undefined });
        expect(res.status, `${method} ${p}`).to.equal(403);
      }
      expect((await api(srv.baseUrl, 'GET', '/api/smb')).status).to.equal(401);
    });

    it('reports Samba, the installed configuration, shares and users', async () => {
      const admin = await loginAdmin(srv);
      expect((await api(srv.baseUrl, 'POST', '/api/shares', { token: admin.accessToken, body: { name: 'docs', timeMachine: true } })).status).to.equal(201);
      const res = await api(srv.baseUrl, 'POST', '/api/smb/regenerate', { token: admin.accessToken });
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ enabled: true, includeFile: include });
      expect(res.body.samba.installed).to.equal(true);
      expect(res.body.samba.version).to.match(/^Version 4\./);
      expect(res.body.lastResult).to.include({ installed: true, reloaded: true });
      expect(res.body.shares.find((s: { name: string }) => s.name === 'docs')).to.deep.include({ readers: ['admin'], writers: ['admin'], timeMachine: true });
      expect(res.body.users.find((u: { username: string }) => u.username === 'admin')).to.include({ account: 'nasd-admin', disabled: false, readOnly: false });
      const cfg = await api(srv.baseUrl, 'GET', '/api/smb/config', { token: admin.accessToken });
      expect(cfg.body.text).to.equal(fs.readFileSync(include, 'utf8'));
      expect(cfg.body.text).to.match(/\[docs\][^[]*fruit:time machine = yes/);
      const avahi = fs.readFileSync(path.join(avahiDir, 'nasd.service'), 'utf8');
      expect(avahi).to.include('<type>_smb._tcp</type>');
      expect(avahi).to.include(`<port>${srv.nasd.config.port}</port>`);
      expect(avahi).to.include('<txt-record>dk0=adVN=docs,adVF=0x82</txt-record>');
    });

    it('regenerates soon after a share or ACL change, without waiting for the interval', async () => {
      const admin = await loginAdmin(srv);
      const created = await api(srv.baseUrl, 'POST', '/api/shares', { token: admin.accessToken, body: { name: 'fresh' } });
      expect(created.status).to.equal(201);
      const until = Date.now() + 10_000;
      while (Date.now() < until && !/^\[fresh\]$/m.test(fs.readFileSync(include, 'utf8'))) await new Promise((r) => setTimeout(r, 100));
      expect(fs.readFileSync(include, 'utf8')).to.match(/^\[fresh\]$/m);
    });

    it('an admin turns SMB off (an include without shares) and on again, audited', async () => {
      const admin = await loginAdmin(srv);
      const off = await api(srv.baseUrl, 'PUT', '/api/smb', { token: admin.accessToken, body: { enabled: false } });
      expect(off.status).to.equal(200);
      expect(off.body.enabled).to.equal(false);
      const text = fs.readFileSync(include, 'utf8');
      expect(text).not.to.match(/^\[/m);
      const on = await api(srv.baseUrl, 'PUT', '/api/smb', { token: admin.accessToken, body: { enabled: true } });
      expect(on.body.enabled).to.equal(true);
      expect(fs.readFileSync(include, 'utf8')).to.match(/^\[home\]$/m);
      const audit = await api(srv.baseUrl, 'GET', '/api/audit?action=smb.disable', { token: admin.accessToken });
      expect(audit.body.items.length).to.be.greaterThan(0);
      expect((await api(srv.baseUrl, 'PUT', '/api/smb', { token: admin.accessToken, body: { enabled: 'yes' } })).status).to.equal(400);
    });

    it('an administrator\'s off switch outlives a restart (stored in the database)', async () => {
      const admin = await loginAdmin(srv);
      expect((await api(srv.baseUrl, 'PUT', '/api/smb', { token: admin.accessToken, body: { enabled: false } })).status).to.equal(200);
      try {
        // A process starting now on the same database (what a restart is) stays off.
        const backend = createSmbBackend({ storageRoot: srv.nasd.config.storageRoot, smbConf: srv.nasd.config.smb.conf, includeFile: include, reload: ['true'], helper: ['false'], run: runCommand });
        const restarted = new SmbSync(backend, { loadModel: () => loadSmbModel(srv.nasd.db.knex, srv.nasd.vfs), logger: createLogger('silent'), enabled: true, includeFile: include, accountOf: () => undefined, switchStore: knexSmbSwitchStore(srv.nasd.db.knex) });
        await restarted.start();
        const status = await restarted.status();
        await restarted.close();
        expect(status.enabled).to.equal(false);
        expect(fs.readFileSync(include, 'utf8')).to.not.match(/^\[home\]/m);
      } finally {
        expect((await api(srv.baseUrl, 'PUT', '/api/smb', { token: admin.accessToken, body: { enabled: true } })).status).to.equal(200);
      }
      expect(await knexSmbSwitchStore(srv.nasd.db.knex).load()).to.equal(true);
    });

    it('a configuration testparm refuses is not installed and the status says why', async () => {
      const backend = createSmbBackend({ storageRoot: srv.nasd.config.storageRoot, smbConf: '/dev/null', includeFile: include, reload: ['true'], helper: ['false'], run: runCommand });
      const broken = { ...backend, render: (model: Parameters<typeof backend.render>[0]) => {
        const r = backend.render(model);
        return { ...r, conf: `${r.conf}   not a samba parameter = 1\n` };
      } };
      const before = fs.readFileSync(include, 'utf8');
      const sync = new SmbSync(broken, { loadModel: () => loadSmbModel(srv.nasd.db.knex, srv.nasd.vfs), logger: createLogger('silent'), enabled: true, includeFile: include, accountOf: () => undefined });
      await sync.start();
      const status = await sync.status();
      await sync.close();
      expect(status.lastResult).to.include({ installed: false, reloaded: false });
      expect(status.lastResult!.testparm).to.match(/Unknown parameter encountered: "not a samba parameter"/);
      expect(fs.readFileSync(include, 'utf8')).to.equal(before);
    });
  });
});
