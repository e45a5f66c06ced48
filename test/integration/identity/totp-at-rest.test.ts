import { expect } from 'chai';
import { generate, generateSecret } from 'otplib';
import { pino } from 'pino';
import { loadTotpKey, TotpSecretCipher } from '../../../src/services/identity/totp-cipher.js';
import { TwoFactor } from '../../../src/services/identity/two-factor.js';
import { NO_CREDENTIAL_EVENTS } from '../../../src/services/identity/credential-events.js';
import { TrustEpoch } from '../../../src/services/identity/trust-epoch.js';
import { UserRepo } from '../../../src/services/identity/user-repo.js';
import { createUser, loginAdmin, type CreatedUser } from '../../helpers/auth.js';
import { describeEachDb } from '../../helpers/db.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

/** The code of the time step `offsetSteps` periods from now (the server accepts ±1 step). */
function codeAt(secret: string, offsetSteps: number): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSteps * 30 });
}

describeEachDb('identity: TOTP secrets encrypted at rest', (kind) => {
  let srv: TestServer;
  let adminToken: string;

  before(async function () {
    srv = await startTestServer(this, kind, { auth: { maxFailuresPerAccountAddress: 50, maxFailuresPerAddress: 200 } });
    adminToken = (await loginAdmin(srv)).accessToken;
  });
  after(async () => srv?.close());

  const knex = () => srv.nasd.db.knex;
  const storedSecret = async (userId: number): Promise<string | null> =>
    ((await knex()('users').where({ id: userId }).first('totp_secret')) as { totp_secret: string | null }).totp_secret;
  const setStored = (userId: number, value: string) => knex()('users').where({ id: userId }).update({ totp_secret: value });
  const loginWith = (user: CreatedUser, totp: string) =>
    api(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: user.username, password: user.password, totp } });

  /** Enrols and confirms 2FA for a new user (the confirmation uses step -1); returns the user, secret and recovery codes. */
  async function enrolled(username: string): Promise<{ user: CreatedUser; secret: string; recovery: string[] }> {
    const user = await createUser(srv, adminToken, { username });
    const enrol = await api(srv.baseUrl, 'POST', '/api/me/totp', { token: user.token });
    expect(enrol.status).to.equal(201);
    const confirm = await api(srv.baseUrl, 'POST', '/api/me/totp/confirm', { token: user.token, body: { code: await codeAt(enrol.body.secret, -1), password: user.password } });
    expect(confirm.status).to.equal(200);
    return { user, secret: enrol.body.secret, recovery: confirm.body.recoveryCodes };
  }

  it('stores only ciphertext after enrolment, and login with a code still works', async () => {
    const user = await createUser(srv, adminToken, { username: 'enc' });
    const enrol = await api(srv.baseUrl, 'POST', '/api/me/totp', { token: user.token });
    const secret: string = enrol.body.secret;
    const pending = await storedSecret(user.id);
    expect(pending).to.match(/^v1:/);
    expect(pending).to.not.contain(secret);
    const confirm = await api(srv.baseUrl, 'POST', '/api/me/totp/confirm', { token: user.token, body: { code: await codeAt(secret, 0), password: user.password } });
    expect(confirm.status).to.equal(200);
    expect(await storedSecret(user.id)).to.equal(pending);
    expect((await loginWith(user, await codeAt(secret, 1))).status).to.equal(200);
  });

  it('accepts a legacy plain-text secret and re-encrypts it on the accepted code', async () => {
    const { user } = await enrolled('legacy');
    const plain = generateSecret();
    await knex()('users').where({ id: user.id }).update({ totp_secret: plain, totp_last_step: null });
    expect(await storedSecret(user.id)).to.equal(plain);
    // a refused code leaves the row as it is
    const valid = await Promise.all([-2, -1, 0, 1, 2].map((o) => codeAt(plain, o)));
    const wrong = ['000000', '111111', '222222', '333333', '444444', '555555'].find((c) => !valid.includes(c))!;
    expect((await loginWith(user, wrong)).status).to.equal(401);
    expect(await storedSecret(user.id)).to.equal(plain);
    expect((await loginWith(user, await codeAt(plain, 0))).status).to.equal(200);
    const upgraded = await storedSecret(user.id);
    expect(upgraded).to.match(/^v1:/);
    expect(upgraded).to.not.contain(plain);
    // the re-encrypted value still verifies
    expect((await loginWith(user, await codeAt(plain, 1))).status).to.equal(200);
    expect(await storedSecret(user.id)).to.equal(upgraded);
  });

  it('refuses a valid code when the ciphertext was tampered with, without crashing; recovery codes still work', async () => {
    const { user, secret, recovery } = await enrolled('tamper');
    const stored = (await storedSecret(user.id))!;
    const [v, iv, tag, ct] = stored.split(':');
    const flipped = Buffer.from(ct, 'base64');
    flipped[0] ^= 0x01;
    await setStored(user.id, [v, iv, tag, flipped.toString('base64')].join(':'));
    const refused = await loginWith(user, await codeAt(secret, 0));
    expect(refused.status).to.equal(401);
    expect(refused.body.error.code).to.equal('UNAUTHENTICATED');
    await setStored(user.id, `${v}:garbage`);
    expect((await loginWith(user, await codeAt(secret, 1))).status).to.equal(401);
    expect((await loginWith(user, recovery[0])).status).to.equal(200);
    // the refusal is logged as an error naming the user and the cause
    const lines: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
    const twoFactor = new TwoFactor(knex(), srv.nasd.audit, new TotpSecretCipher(loadTotpKey(undefined, srv.dataDir)), logger, Date.now, NO_CREDENTIAL_EVENTS, new TrustEpoch());
    const row = (await new UserRepo(knex()).byId(user.id))!;
    expect(await twoFactor.consume(row, await codeAt(secret, 1))).to.equal(null);
    expect(lines).to.have.length(1);
    expect(JSON.parse(lines[0])).to.include({ level: 50, userId: user.id, username: 'tamper', msg: 'two-factor check refused: stored TOTP secret is unreadable' });
    expect(lines[0]).to.match(/cannot be decrypted/);
    expect((await api(srv.baseUrl, 'GET', '/api/health')).status).to.equal(200);
  });

  it('does not let a secret copied onto another user\u2019s row verify (user id is bound in)', async () => {
    const a = await enrolled('owner');
    const b = await enrolled('thief');
    await setStored(b.user.id, (await storedSecret(a.user.id))!);
    expect((await loginWith(b.user, await codeAt(a.secret, 0))).status).to.equal(401);
    expect((await loginWith(b.user, await codeAt(b.secret, 0))).status).to.equal(401);
  });

  it('refuses to confirm an unreadable pending secret with a clear 409', async () => {
    const user = await createUser(srv, adminToken, { username: 'pending' });
    const enrol = await api(srv.baseUrl, 'POST', '/api/me/totp', { token: user.token });
    await setStored(user.id, 'v1:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA==:AAAA');
    const res = await api(srv.baseUrl, 'POST', '/api/me/totp/confirm', { token: user.token, body: { code: await codeAt(enrol.body.secret, 0), password: user.password } });
    expect(res.status).to.equal(409);
    expect(res.body.error.message).to.match(/start enrolment again/);
    expect((await api(srv.baseUrl, 'GET', '/api/me', { token: user.token })).body.totpEnabled).to.equal(false);
  });
});
