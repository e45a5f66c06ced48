import { expect } from 'chai';
import { createUser, login, loginAdmin, type CreatedUser } from '../../helpers/auth.js';
import { describeEachDb } from '../../helpers/db.js';
import { ADMIN_PASSWORD, api, startTestServer, type TestServer } from '../../helpers/server.js';

describeEachDb('identity: failed-login throttle', (kind) => {
  let srv: TestServer;
  let adminToken: string;
  let max: CreatedUser;

  before(async function () {
    srv = await startTestServer(this, kind, { auth: { maxFailuresPerAccount: 3, maxFailuresPerAddress: 7, loginWindowSeconds: 600 } });
    adminToken = (await loginAdmin(srv)).accessToken;
    max = await createUser(srv, adminToken, { username: 'max' });
  });
  after(async () => srv?.close());

  const attempt = (username: string, password: string) => api(srv.baseUrl, 'POST', '/api/auth/login', { body: { username, password } });

  it('blocks an account after its failures, even with the right password (429 + Retry-After)', async () => {
    for (let i = 0; i < 3; i++) expect((await attempt('admin', `wrong-${i}-password`)).status).to.equal(401);
    const blocked = await attempt('admin', ADMIN_PASSWORD);
    expect(blocked.status).to.equal(429);
    expect(blocked.body.error.code).to.equal('RATE_LIMITED');
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).to.be.within(1, 600);
    expect(blocked.body.error.details.retryAfterSeconds).to.equal(retryAfter);
    // Basic auth shares the account counter
    let code: string | undefined;
    await srv.nasd.identity.verifyBasic('admin', ADMIN_PASSWORD, { protocol: 'webdav' }).catch((e: { code?: string }) => (code = e.code));
    expect(code).to.equal('RATE_LIMITED');
    // another account from the same address is not affected yet
    expect((await login(srv.baseUrl, 'max', max.password)).user.username).to.equal('max');
  });

  it('blocks the address after failures spread over many accounts', async () => {
    // 3 failures so far from 127.0.0.1; 4 more on names that do not exist reach the limit of 7
    for (const name of ['u1', 'u2', 'u3', 'u4']) expect((await attempt(name, 'whatever-pass')).status).to.equal(401);
    const blocked = await attempt('max', max.password);
    expect(blocked.status).to.equal(429);
    expect(Number(blocked.headers.get('retry-after'))).to.be.greaterThan(0);
    // an existing token keeps working: only credential checks are throttled
    expect((await api(srv.baseUrl, 'GET', '/api/me', { token: max.token })).status).to.equal(200);
  });

  it('audits every failure, including the refused ones', async () => {
    const res = await api(srv.baseUrl, 'GET', '/api/audit?action=auth.login&outcome=failure&limit=100', { token: adminToken });
    expect(res.status).to.equal(200);
    const reasons = res.body.items.map((e: { details: { reason: string } }) => e.details.reason);
    expect(reasons.filter((r: string) => r === 'bad_password')).to.have.length(3);
    expect(reasons.filter((r: string) => r === 'unknown_user')).to.have.length(4);
    expect(reasons.filter((r: string) => r === 'rate_limited')).to.have.length(2);
    expect(res.body.items.every((e: { address: string }) => e.address === '127.0.0.1' || e.address === '::ffff:127.0.0.1')).to.equal(true);
  });
});
