import { expect } from 'chai';
import { generate } from 'otplib';
import { createUser, login, loginAdmin, type CreatedUser } from '../../helpers/auth.js';
import { describeEachDb } from '../../helpers/db.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

/** The code of the time step `offsetSteps` periods from now (the server accepts ±1 step). */
function codeAt(secret: string, offsetSteps: number): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSteps * 30 });
}

/** A six-digit code that is valid in none of the steps the server accepts now. */
async function notCurrent(secret: string): Promise<string> {
  const valid = await Promise.all([-2, -1, 0, 1, 2].map((o) => codeAt(secret, o)));
  return ['000000', '111111', '222222', '333333', '444444', '555555'].find((c) => !valid.includes(c))!;
}

describeEachDb('identity: TOTP and recovery codes', (kind) => {
  let srv: TestServer;
  let adminToken: string;
  let jo: CreatedUser;
  let secret: string;
  let recovery: string[];

  before(async function () {
    srv = await startTestServer(this, kind, { auth: { maxFailuresPerAccountAddress: 50, maxFailuresPerAddress: 200 } });
    adminToken = (await loginAdmin(srv)).accessToken;
    jo = await createUser(srv, adminToken, { username: 'jo' });
  });
  after(async () => srv?.close());

  const loginWith = (totp?: string) =>
    api(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'jo', password: jo.password, ...(totp === undefined ? {} : { totp }) } });

  it('enrols with a secret, an otpauth URI and a QR code', async () => {
    const res = await api(srv.baseUrl, 'POST', '/api/me/totp', { token: jo.token });
    expect(res.status).to.equal(201);
    expect(res.body.secret).to.match(/^[A-Z2-7]{16,}$/);
    expect(res.body.otpauthUri).to.match(/^otpauth:\/\/totp\/nasd:jo\?/);
    expect(res.body.otpauthUri).to.contain(`secret=${res.body.secret}`);
    expect(res.body.qrCodeDataUrl).to.match(/^data:image\/png;base64,/);
    secret = res.body.secret;
    // not on yet: login needs no code
    expect((await loginWith()).status).to.equal(200);
  });

  it('refuses a wrong confirmation code and enables 2FA with a right one', async () => {
    const wrongCode = await notCurrent(secret);
    const wrong = await api(srv.baseUrl, 'POST', '/api/me/totp/confirm', { token: jo.token, body: { code: wrongCode, password: jo.password } });
    expect(wrong.status).to.equal(400);
    const ok = await api(srv.baseUrl, 'POST', '/api/me/totp/confirm', { token: jo.token, body: { code: await codeAt(secret, 0), password: jo.password } });
    expect(ok.status).to.equal(200);
    recovery = ok.body.recoveryCodes;
    expect(recovery).to.have.length(10);
    expect(new Set(recovery).size).to.equal(10);
    expect((await api(srv.baseUrl, 'GET', '/api/me', { token: jo.token })).body.totpEnabled).to.equal(true);
    expect((await api(srv.baseUrl, 'POST', '/api/me/totp', { token: jo.token })).status).to.equal(409);
  });

  it('asks for the code when it is missing', async () => {
    const res = await loginWith();
    expect(res.status).to.equal(401);
    expect(res.body.error.code).to.equal('UNAUTHENTICATED');
    expect(res.body.error.details).to.deep.equal({ totpRequired: true });
  });

  it('logs in with a fresh code and refuses the same code again (replay)', async () => {
    const code = await codeAt(secret, 1);
    const first = await loginWith(code);
    expect(first.status).to.equal(200);
    const replay = await loginWith(code);
    expect(replay.status).to.equal(401);
    // the code of the step already used at confirmation is refused too
    expect((await loginWith(await codeAt(secret, 0))).status).to.equal(401);
  });

  it('refuses wrong codes', async () => {
    for (const code of [await notCurrent(secret), 'abcdef', '12345', 'zzzz-zzzz-zzzz-zzzz']) {
      expect((await loginWith(code)).status, code).to.equal(401);
    }
  });

  it('accepts a recovery code once, in any case and with or without dashes', async () => {
    const code = recovery[0];
    const first = await loginWith(code.toUpperCase().replace(/-/g, ''));
    expect(first.status).to.equal(200);
    expect((await loginWith(code)).status).to.equal(401);
    const status = await api(srv.baseUrl, 'GET', '/api/me/recovery-codes', { token: first.body.accessToken });
    expect(status.body).to.deep.equal({ totpEnabled: true, remaining: 9 });
  });

  it('does not accept the account password for Basic auth while 2FA is on', async () => {
    let err: unknown;
    try {
      await srv.nasd.identity.verifyBasic('jo', jo.password, { principal: null, protocol: 'webdav', address: '10.9.9.9' });
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).to.equal('UNAUTHENTICATED');
  });

  it('regenerates recovery codes with the password; old ones stop working', async () => {
    const wrong = await api(srv.baseUrl, 'POST', '/api/me/recovery-codes', { token: jo.token, body: { password: 'not-the-password' } });
    expect(wrong.status).to.equal(403);
    const res = await api(srv.baseUrl, 'POST', '/api/me/recovery-codes', { token: jo.token, body: { password: jo.password } });
    expect(res.status).to.equal(200);
    expect(res.body.recoveryCodes).to.have.length(10);
    expect((await loginWith(recovery[1])).status).to.equal(401);
    recovery = res.body.recoveryCodes;
    expect((await loginWith(recovery[1])).status).to.equal(200);
  });

  it('disables 2FA only with the password or a code', async () => {
    expect((await api(srv.baseUrl, 'POST', '/api/me/totp/disable', { token: jo.token, body: {} })).status).to.equal(400);
    expect((await api(srv.baseUrl, 'POST', '/api/me/totp/disable', { token: jo.token, body: { password: 'wrong-password' } })).status).to.equal(403);
    const ok = await api(srv.baseUrl, 'POST', '/api/me/totp/disable', { token: jo.token, body: { code: recovery[2] } });
    expect(ok.status).to.equal(204);
    expect((await loginWith()).status).to.equal(200);
    expect((await api(srv.baseUrl, 'GET', '/api/me/recovery-codes', { token: jo.token })).body).to.deep.equal({ totpEnabled: false, remaining: 0 });
  });

  it('lets an admin reset a user\u2019s 2FA', async () => {
    const enrol = await api(srv.baseUrl, 'POST', '/api/me/totp', { token: jo.token });
    await api(srv.baseUrl, 'POST', '/api/me/totp/confirm', { token: jo.token, body: { code: await codeAt(enrol.body.secret, 0), password: jo.password } });
    expect((await loginWith()).status).to.equal(401);
    expect((await api(srv.baseUrl, 'DELETE', `/api/users/${jo.id}/totp`, { token: adminToken })).status).to.equal(204);
    const session = await login(srv.baseUrl, 'jo', jo.password);
    expect(session.user.totpEnabled).to.equal(false);
    const audit = await api(srv.baseUrl, 'GET', '/api/audit?action=user.totp.reset', { token: adminToken });
    expect(audit.body.items[0]).to.include({ target: 'jo', actorName: 'admin', outcome: 'success' });
    expect((await api(srv.baseUrl, 'DELETE', '/api/users/999999/totp', { token: adminToken })).status).to.equal(404);
  });
});
