import { expect } from 'chai';
import { generate } from 'otplib';
import { createUser, login, loginAdmin, type CreatedUser } from '../../helpers/auth.js';
import { describeEachDb } from '../../helpers/db.js';
import { ADMIN_PASSWORD, api, startTestServer, type TestServer } from '../../helpers/server.js';
import { dav } from '../../helpers/webdav.js';

/** Status counts of a batch of answers. */
function tally(statuses: number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1;
  return out;
}

// Default throttle limits on purpose (5 per account and address, 20 per address, 100 per account,
// 15 min); the hashing queue is long enough that no check here is shed for load (tested apart).
describeEachDb('identity: failed-login throttle', (kind) => {
  let srv: TestServer;
  let adminToken: string;

  before(async function () {
    srv = await startTestServer(this, kind, { trustProxy: true, auth: { hashQueueLength: 1000 } });
    adminToken = (await loginAdmin(srv)).accessToken;
  });
  after(async () => srv?.close());

  const attempt = (username: string, password: string, from: string, totp?: string) =>
    api(srv.baseUrl, 'POST', '/api/auth/login', { body: { username, password, ...(totp ? { totp } : {}) }, headers: { 'X-Forwarded-For': from } });

  it('answers 120 concurrent wrong logins for one account from one address with exactly 5 × 401, then 429', async () => {
    await createUser(srv, adminToken, { username: 'max' });
    const answers = await Promise.all(Array.from({ length: 120 }, (_, i) => attempt('max', `wrong-password-${i}`, '198.51.100.1')));
    expect(tally(answers.map((a) => a.status))).to.deep.equal({ 401: 5, 429: 115 });
    const refused = answers.find((a) => a.status === 429)!;
    expect(refused.body.error.code).to.equal('RATE_LIMITED');
    expect(Number(refused.headers.get('retry-after'))).to.be.within(1, 900);
  });

  it('throttles a right password among 119 concurrent wrong ones like a sequential run', async () => {
    const mia = await createUser(srv, adminToken, { username: 'mia' });
    const passwords = Array.from({ length: 120 }, (_, i) => (i === 60 ? mia.password : `wrong-password-${i}`));
    const answers = await Promise.all(passwords.map((p) => attempt('mia', p, '198.51.100.2')));
    answers.forEach((a, i) => {
      if (a.status === 200) expect(passwords[i]).to.equal(mia.password);
    });
    const counts = tally(answers.map((a) => a.status));
    // sequentially: at most 4 failures before the success (which forgives them) and 5 after it; else 5
    if (counts[200]) expect(counts[401]).to.be.at.most(9);
    else expect(counts[401]).to.equal(5);
    expect((counts[401] ?? 0) + (counts[200] ?? 0) + counts[429]).to.equal(120);
  });

  it('answers 300 concurrent bad Basic credentials from one address with 20 × 401 (the address limit) and 280 × 429', async () => {
    const before = srv.nasd.identity.hashingStats().completed;
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => dav(srv.baseUrl, 'PROPFIND', '/dav/', { auth: [`nobody${i}`, 'wrong-password'], headers: { Depth: '0', 'X-Forwarded-For': '198.51.100.3' } })),
    );
    expect(tally(answers.map((a) => a.status))).to.deep.equal({ 401: 20, 429: 280 });
    expect(answers.find((a) => a.status === 429)!.headers['retry-after']).to.match(/^\d+$/);
    expect(srv.nasd.identity.hashingStats().completed - before).to.be.at.most(20);
  });

  it('does not lock the owner out of their usual address while the account is attacked from elsewhere', async () => {
    const ola = await createUser(srv, adminToken, { username: 'ola' });
    expect((await attempt('ola', ola.password, '198.51.100.4')).status).to.equal(200);
    // 20 addresses × 5 failures = the account-wide limit of 100
    const attacks = await Promise.all(
      Array.from({ length: 20 * 6 }, (_, i) => attempt('ola', `guess-${i}-password`, `203.0.113.${(i % 20) + 1}`)),
    );
    expect(tally(attacks.map((a) => a.status))).to.deep.equal({ 401: 100, 429: 20 });
    // a new address is refused even with the right password: the account is slowed down...
    expect((await attempt('ola', ola.password, '203.0.113.200')).status).to.equal(429);
    // ...but its owner logs in from their usual address, on the API and on WebDAV
    expect((await attempt('ola', ola.password, '198.51.100.4')).status).to.equal(200);
    const propfind = await dav(srv.baseUrl, 'PROPFIND', '/dav/', { auth: ['ola', ola.password], headers: { Depth: '0', 'X-Forwarded-For': '198.51.100.4' } });
    expect(propfind.status).to.equal(207);
  });

  it('forgives a user\u2019s own failures on success, so typos behind one address never block it', async () => {
    const ned = await createUser(srv, adminToken, { username: 'ned' });
    for (let round = 0; round < 8; round++) {
      for (let i = 0; i < 4; i++) expect((await attempt('ned', `typo-${round}-${i}-xx`, '198.51.100.5')).status).to.equal(401);
      expect((await attempt('ned', ned.password, '198.51.100.5')).status).to.equal(200);
    }
    // 32 failures in all, above the address limit of 20: another account from there still logs in
    const other = await createUser(srv, adminToken, { username: 'pia' });
    expect((await attempt('pia', other.password, '198.51.100.5')).status).to.equal(200);
  });

  it('answers a wrong password, a disabled account and an unknown user identically', async () => {
    const dora = await createUser(srv, adminToken, { username: 'dora' });
    expect((await api(srv.baseUrl, 'PATCH', `/api/users/${dora.id}`, { token: adminToken, body: { disabled: true } })).status).to.equal(200);
    const wrong = await attempt('admin', 'not-the-password', '198.51.100.6');
    const disabled = await attempt('dora', dora.password, '198.51.100.6');
    const unknown = await attempt('ghost', 'whatever-password', '198.51.100.6');
    for (const res of [wrong, disabled, unknown]) {
      expect(res.status).to.equal(401);
      expect(res.body.error).to.deep.equal(wrong.body.error);
    }
    expect(wrong.body.error.message).to.equal('invalid username or password');
  });

  it('asks for a second factor only after the right password, and counts that half-login', async () => {
    const tia: CreatedUser = await createUser(srv, adminToken, { username: 'tia' });
    const enrol = await api(srv.baseUrl, 'POST', '/api/me/totp', { token: tia.token });
    const code = await generate({ secret: enrol.body.secret, epoch: Math.floor(Date.now() / 1000) });
    expect((await api(srv.baseUrl, 'POST', '/api/me/totp/confirm', { token: tia.token, body: { code, password: tia.password } })).status).to.equal(200);
    const wrong = await attempt('tia', 'not-the-password', '198.51.100.7');
    expect(wrong.body.error.message).to.equal('invalid username or password');
    expect(wrong.body.error).to.not.have.property('details');
    const half = await attempt('tia', tia.password, '198.51.100.7');
    expect(half.status).to.equal(401);
    expect(half.body.error.details).to.deep.equal({ totpRequired: true });
    // 1 wrong + 4 half-logins reach the limit of 5
    for (let i = 0; i < 3; i++) expect((await attempt('tia', tia.password, '198.51.100.7')).status).to.equal(401);
    expect((await attempt('tia', tia.password, '198.51.100.7')).status).to.equal(429);
  });

  it('audits failures and refusals with their reasons', async () => {
    const res = await api(srv.baseUrl, 'GET', '/api/audit?action=auth.login&outcome=failure&limit=500', { token: adminToken });
    const reasons = new Set(res.body.items.map((e: { details: { reason: string } }) => e.details.reason));
    for (const r of ['bad_password', 'unknown_user', 'disabled', 'rate_limited', 'second_factor_missing']) expect(reasons).to.include(r);
    expect((await login(srv.baseUrl, 'admin', ADMIN_PASSWORD)).user.username).to.equal('admin');
  });
});
