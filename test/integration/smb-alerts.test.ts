import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { loginAdmin } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { requireSambaTool } from '../helpers/samba.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { makeTmpDir } from '../helpers/tmp.js';

describeEachDb('SMB outcomes reach the alerts', (kind) => {
  let srv: TestServer;
  let tmp: ReturnType<typeof makeTmpDir>;

  before(async function () {
    if (!requireSambaTool(this, 'testparm')) return;
    tmp = makeTmpDir('nasd-smb-alerts-');
    const include = path.join(tmp.dir, 'samba', 'nasd.conf');
    const conf = path.join(tmp.dir, 'smb.conf');
    fs.mkdirSync(path.join(tmp.dir, 'private'));
    fs.writeFileSync(conf, `[global]\n   private dir = ${tmp.dir}/private\n   passdb backend = tdbsam:${tmp.dir}/private/passdb.tdb\n   include = ${include}\n`);
    // A reload command that always fails: the configuration is installed, the reload is not.
    srv = await startTestServer(this, kind, { smb: { mode: 'on', conf, include, reload: 'false', avahi: 'off', intervalSeconds: 3600 } });
  });
  after(async () => {
    await srv?.close();
    tmp?.remove();
  });

  it('a failed Samba reload opens one "reload failed" alert with the reason', async () => {
    const admin = await loginAdmin(srv);
    let alert: { ruleId: string; details?: Record<string, unknown> } | undefined;
    for (let i = 0; i < 50 && !alert; i++) {
      const res = await api(srv.baseUrl, 'GET', '/api/alerts', { token: admin.accessToken });
      expect(res.status).to.equal(200);
      alert = res.body.items.find((a: { ruleId: string }) => a.ruleId === 'smb.reload_failed');
      if (!alert) await new Promise((r) => setTimeout(r, 100));
    }
    expect(alert, 'an open smb.reload_failed alert').to.not.equal(undefined);
    const all = (await api(srv.baseUrl, 'GET', '/api/alerts', { token: admin.accessToken })).body.items;
    expect(all.filter((a: { ruleId: string }) => a.ruleId === 'smb.reload_failed')).to.have.length(1);
    expect(all.some((a: { ruleId: string }) => a.ruleId === 'smb.config_refused'), 'the configuration itself was fine').to.equal(false);
  });
});
