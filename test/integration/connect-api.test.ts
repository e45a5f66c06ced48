import crypto from 'node:crypto';
import { expect } from 'chai';
import { generate } from 'otplib';
import { createUser, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { createShare } from '../helpers/files.js';
import { privateSambaSettings, removeSmbAccount, requireSambaTool } from '../helpers/samba.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { makeTmpDir } from '../helpers/tmp.js';

describeEachDb('GET /api/me/connect (what a user needs to connect over SMB)', (kind) => {
  describe('with SMB off', () => {
    let srv: TestServer;
    before(async function () {
      srv = await startTestServer(this, kind);
    });
    after(() => srv?.close());

    it('says SMB is off, and needs a signed-in user', async () => {
      const admin = await loginAdmin(srv);
      const res = await api(srv.baseUrl, 'GET', '/api/me/connect', { token: admin.accessToken });
      expect([res.status, res.body]).to.deep.equal([200, { smb: { enabled: false, shares: [], needsAppPassword: false } }]);
      expect((await api(srv.baseUrl, 'GET', '/api/me/connect')).status).to.equal(401);
      expect((await api(srv.baseUrl, 'GET', '/api/me/connect', { token: 'not.a.token' })).status).to.equal(401);
    });
  });

  describe('with Samba present', () => {
    let srv: TestServer;
    let tmp: ReturnType<typeof makeTmpDir>;
    let admin: string;
    let reader: CreatedUser;
    // Random per run: creating it also creates the Unix account nasd-<name>.
    const name = `c${crypto.randomBytes(3).toString('hex')}`;

    before(async function () {
      if (!requireSambaTool(this, 'testparm')) return;
      tmp = makeTmpDir('nasd-connect-');
      srv = await startTestServer(this, kind, { smb: privateSambaSettings(tmp.dir) });
      admin = (await loginAdmin(srv)).accessToken;
      reader = await createUser(srv, admin, { username: name });
      await createShare(srv, admin, 'readable', [{ userId: reader.id, access: 'read' }]);
      await createShare(srv, admin, 'writable', [{ userId: reader.id, access: 'write' }]);
      await createShare(srv, admin, 'closed', [{ userId: reader.id, access: 'none' }]);
    });
    after(async () => {
      await srv?.close();
      tmp?.remove();
      removeSmbAccount(name);
    });

    const connectOf = async (token: string) => {
      const res = await api(srv.baseUrl, 'GET', '/api/me/connect', { token });
      expect(res.status).to.equal(200);
      return res.body.smb;
    };

    it("lists only the shares the caller may open, and nothing of other users'", async () => {
      const smb = await connectOf(reader.token);
      expect(smb).to.deep.equal({ enabled: true, shares: ['readable', 'writable'], needsAppPassword: false });
      expect(JSON.stringify(smb)).not.to.include('admin');
    });

    it('says an SMB app password is needed once 2FA is on', async () => {
      const own = `t${crypto.randomBytes(3).toString('hex')}`;
      try {
        const user = await createUser(srv, admin, { username: own });
        const enrol = await api(srv.baseUrl, 'POST', '/api/me/totp', { token: user.token });
        const code = await generate({ secret: enrol.body.secret, epoch: Math.floor(Date.now() / 1000) });
        expect((await api(srv.baseUrl, 'POST', '/api/me/totp/confirm', { token: user.token, body: { code, password: user.password } })).status).to.equal(200);
        expect(await connectOf(user.token)).to.deep.equal({ enabled: true, shares: [], needsAppPassword: true });
      } finally {
        removeSmbAccount(own);
      }
    });

    it('is off for a user whose name can have no Samba account', async () => {
      const long = await createUser(srv, admin, { username: `l${'x'.repeat(27)}` });
      expect(await connectOf(long.token)).to.deep.equal({ enabled: false, shares: [], needsAppPassword: false });
    });

    it('follows the admin switch', async () => {
      expect((await api(srv.baseUrl, 'PUT', '/api/smb', { token: admin, body: { enabled: false } })).status).to.equal(200);
      try {
        expect(await connectOf(reader.token)).to.deep.equal({ enabled: false, shares: [], needsAppPassword: false });
      } finally {
        expect((await api(srv.baseUrl, 'PUT', '/api/smb', { token: admin, body: { enabled: true } })).status).to.equal(200);
      }
      expect((await connectOf(reader.token)).enabled).to.equal(true);
    });
  });
});
