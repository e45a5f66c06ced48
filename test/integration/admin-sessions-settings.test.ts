import { expect } from 'chai';
import { createUser, login, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';

// The API the admin cockpit's Users and Settings pages need: last login, every user's sessions
// with revoke, and the configuration in effect without its secrets.
describeEachDb('admin API: last login, all sessions, settings summary', (kind) => {
  let srv: TestServer;
  let adminToken: string;
  let erin: CreatedUser;

  before(async function () {
    this.timeout(30_000);
    srv = await startTestServer(this, kind, { metricsToken: 'scrape-token-0123456789', auth: { jwtSecret: 'j'.repeat(40) } });
    adminToken = (await loginAdmin(srv)).accessToken;
    erin = await createUser(srv, adminToken, { username: 'erin' });
  });
  after(async () => srv?.close());

  const call = (method: string, p: string, token?: string) => api(srv.baseUrl, method, p, { token });

  it('records the last login: null before the first, the login time after it', async () => {
    const before = Date.now();
    const created = await api(srv.baseUrl, 'POST', '/api/users', { token: adminToken, body: { username: 'fred', password: 'fred-password-1' } });
    expect(created.body.lastLoginAt).to.equal(null);
    await login(srv.baseUrl, 'fred', 'fred-password-1');
    const fred = (await call('GET', `/api/users/${created.body.id}`, adminToken)).body;
    expect(fred.lastLoginAt).to.be.a('number').and.to.be.at.least(before);
    // a login is not a credential change: the credential generation stays
    expect(fred.updatedAt).to.equal(created.body.updatedAt);
  });

  it('lists every user’s sessions for an admin, and only for an admin', async () => {
    const all = await call('GET', '/api/sessions', adminToken);
    expect(all.status).to.equal(200);
    const names = all.body.items.map((s: { username: string }) => s.username);
    expect(names).to.include.members(['admin', 'erin']);
    const mine = all.body.items.filter((s: { current: boolean }) => s.current);
    expect(mine).to.have.length(1);
    expect(mine[0].username).to.equal('admin');
    const refused = await call('GET', '/api/sessions', erin.token);
    expect(refused.status).to.equal(403);
    expect((await call('GET', '/api/sessions')).status).to.equal(401);
  });

  it('an admin ends another user’s session: its refresh and access tokens stop working, and it is audited', async () => {
    const session = await login(srv.baseUrl, 'erin', erin.password);
    const listed = (await call('GET', '/api/sessions', adminToken)).body.items as { id: string; username: string }[];
    const erinsSessions = listed.filter((s) => s.username === 'erin').map((s) => s.id);
    const id = ((await call('GET', '/api/me/sessions', session.accessToken)).body.items as { id: string; current: boolean }[]).find((s) => s.current)!.id;
    expect(erinsSessions).to.have.length(2);
    expect(erinsSessions).to.include(id);

    expect((await call('DELETE', `/api/sessions/${id}`, erin.token)).status).to.equal(403);
    expect((await call('DELETE', `/api/sessions/${id}`, adminToken)).status).to.equal(204);
    const refresh = await api(srv.baseUrl, 'POST', '/api/auth/refresh', { body: { refreshToken: session.refreshToken } });
    expect(refresh.status).to.equal(401);
    expect((await call('GET', '/api/me', session.accessToken)).status).to.equal(401);
    // erin's other session is untouched
    expect((await call('GET', '/api/me', erin.token)).status).to.equal(200);

    const again = await call('DELETE', `/api/sessions/${id}`, adminToken);
    expect(again.status).to.equal(404);
    expect(again.body.error.message).to.match(/no active session/);
    const audit = await call('GET', '/api/audit?action=auth.session.revoke', adminToken);
    expect(audit.body.items.some((e: { target: string; actorName: string }) => e.target === 'erin' && e.actorName === 'admin')).to.equal(true);
  });

  it('refuses a malformed session id with 400', async () => {
    const bad = await call('DELETE', '/api/sessions/not-a-uuid', adminToken);
    expect(bad.status).to.equal(400);
    expect(bad.body.error.message).to.match(/params\.id/);
  });

  it('shows the configuration in effect with env names, secrets only as set/unset, to admins only', async () => {
    expect((await call('GET', '/api/settings', erin.token)).status).to.equal(403);
    const res = await call('GET', '/api/settings', adminToken);
    expect(res.status).to.equal(200);
    const byName = new Map((res.body.settings as { setting: string; env: string | null; value: unknown; secret: boolean }[]).map((s) => [s.setting, s]));
    expect(byName.get('port')).to.include({ env: 'NASD_PORT', value: 0, secret: false });
    expect(byName.get('auth.accessTokenTtlSeconds')).to.include({ env: 'NASD_ACCESS_TOKEN_TTL', value: 900 });
    expect(byName.get('metricsToken')).to.include({ env: 'NASD_METRICS_TOKEN', value: true, secret: true });
    expect(byName.get('auth.jwtSecret')).to.include({ value: true, secret: true });
    expect(byName.get('alerts.smtpUrl')).to.include({ value: false, secret: true });
    expect(byName.get('hardware.raid')).to.include({ env: 'NASD_HW_RAID', value: null });
    if (kind === 'postgres') expect(byName.get('databaseUrl')!.value).to.match(/^postgres/);
    const text = JSON.stringify(res.body);
    for (const secret of ['scrape-token-0123456789', 'j'.repeat(40), 'admin-test-password-1']) expect(text).to.not.include(secret);
    expect(res.body.telemetryRetentionSeconds).to.deep.equal({ raw: 86_400, minute: 7 * 86_400, hour: 365 * 86_400 });
  });
});
