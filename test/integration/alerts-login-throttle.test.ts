import { expect } from 'chai';
import { createUser, loginAdmin } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { startSmtpServer } from '../helpers/receivers.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';

const SMTP_USER = 'nasd-mailer';
const SMTP_PASS = 'throttle-mail-pass';

/** Login throttling as an alert: identity audits the moment a lock starts, alerts turn it into one notice. */
describeEachDb('alerts: login throttling', (kind) => {
  let srv: TestServer;
  let admin: string;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  const badLogin = (username: string) => api(srv.baseUrl, 'POST', '/api/auth/login', { body: { username, password: 'wrong-password-guess' } });
  const throttleEvents = async (target: string) => srv.nasd.db.knex('audit_log').where({ action: 'auth.throttle', target });

  before(async function () {
    smtp = await startSmtpServer({ user: SMTP_USER, pass: SMTP_PASS });
    srv = await startTestServer(this, kind, {
      auth: { maxFailuresPerAccountAddress: 3, maxFailuresPerAddress: 50, maxFailuresPerAccount: 50 },
      alerts: {
        evaluateIntervalSeconds: 0,
        smtpUrl: `smtp://${SMTP_USER}:${SMTP_PASS}@127.0.0.1:${smtp.port}`,
        smtpFrom: 'nasd@example.test',
        email: ['owner@example.test'],
      },
    });
    admin = (await loginAdmin(srv)).accessToken;
  });
  after(async () => {
    await srv?.close();
    await smtp?.close();
  });

  it('enough bad logins for one account: one audited throttle event, one alert, one mail, however many attempts are refused', async () => {
    await createUser(srv, admin, { username: 'guessed' });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await badLogin('guessed')).status);
    expect(statuses).to.deep.equal([401, 401, 401, 429, 429, 429, 429, 429]);
    await srv.nasd.alerts.idle();

    const events = await throttleEvents('guessed');
    expect(events, 'once per lock, not per refused attempt').to.have.length(1);
    expect(JSON.parse(events[0].details)).to.deep.include({ scopes: ['pair'], via: 'auth.login' });
    const open = (await api(srv.baseUrl, 'GET', '/api/alerts/?state=open', { token: admin })).body.items as { ruleId: string; key: string }[];
    expect(open.filter((a) => a.ruleId === 'security.login_throttled').map((a) => a.key)).to.deep.equal(['guessed']);
    expect(smtp.mails.map((m) => m.subject).filter((s) => s.includes('throttling'))).to.deep.equal(['nasd warning: Login throttling triggered for guessed']);
  });

  it('failures that stay under the limit, or end in a successful login, audit no throttle event', async () => {
    const user = await createUser(srv, admin, { username: 'forgetful' });
    expect((await badLogin('forgetful')).status).to.equal(401);
    expect((await badLogin('forgetful')).status).to.equal(401);
    expect((await api(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'forgetful', password: user.password } })).status).to.equal(200);
    expect((await badLogin('forgetful')).status).to.equal(401);
    await srv.nasd.alerts.idle();
    expect(await throttleEvents('forgetful')).to.have.length(0);
    const open = (await api(srv.baseUrl, 'GET', '/api/alerts/?state=open', { token: admin })).body.items as { ruleId: string; key: string }[];
    expect(open.filter((a) => a.key === 'forgetful')).to.deep.equal([]);
  });
});
