import { expect } from 'chai';
import { createUser, loginAdmin, type CreatedUser } from '../../helpers/auth.js';
import { describeEachDb } from '../../helpers/db.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { auditRetentionJob } from '../../../src/services/audit-retention.js';

describeEachDb('identity: audit API', (kind) => {
  let srv: TestServer;
  let adminToken: string;
  let nia: CreatedUser;

  before(async function () {
    srv = await startTestServer(this, kind);
    adminToken = (await loginAdmin(srv)).accessToken;
    nia = await createUser(srv, adminToken, { username: 'nia' });
    await api(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'nia', password: 'not-her-password' } });
  });
  after(async () => srv?.close());

  const get = (query: string, token = adminToken) => api(srv.baseUrl, 'GET', `/api/audit${query}`, { token });

  it('records logins, failed logins and user creation with actor, address and target', async () => {
    const res = await get('');
    expect(res.status).to.equal(200);
    const items = res.body.items as Array<{ action: string; outcome: string; actorName: string | null; target: string; address: string }>;
    expect(items.find((e) => e.action === 'user.create' && e.target === 'nia')).to.include({ actorName: 'admin', outcome: 'success' });
    expect(items.find((e) => e.action === 'auth.login' && e.outcome === 'success' && e.target === 'nia')).to.include({ actorName: 'nia' });
    const failed = items.find((e) => e.action === 'auth.login' && e.outcome === 'failure');
    expect(failed).to.include({ target: 'nia', actorName: null });
    expect(failed?.address).to.match(/127\.0\.0\.1$/);
    expect(items.find((e) => e.action === 'user.create' && e.target === 'admin')).to.include({ protocol: 'system' });
  });

  it('filters by actor, action prefix, outcome and time', async () => {
    const byActor = await get('?actor=nia');
    expect(byActor.body.items.length).to.be.greaterThan(0);
    expect(byActor.body.items.every((e: { actorName: string }) => e.actorName === 'nia')).to.equal(true);
    const failures = await get('?action=auth.&outcome=failure');
    expect(failures.body.items.length).to.be.greaterThan(0);
    expect(failures.body.items.every((e: { action: string; outcome: string }) => e.action.startsWith('auth.') && e.outcome === 'failure')).to.equal(true);
    const future = await get(`?from=${Date.now() + 3_600_000}`);
    expect(future.body).to.include({ total: 0 });
    const past = await get(`?to=${Date.now() - 3_600_000}`);
    expect(past.body.total).to.equal(0);
    const all = await get(`?from=0&to=${Date.now() + 1000}`);
    expect(all.body.total).to.be.greaterThan(3);
  });

  it('paginates newest first', async () => {
    const all = await get('?limit=500');
    const total = all.body.total as number;
    expect(all.body.items).to.have.length(total);
    const first = await get('?limit=2&offset=0');
    const second = await get('?limit=2&offset=2');
    expect(first.body).to.include({ total, limit: 2, offset: 0 });
    expect(first.body.items.map((e: { id: number }) => e.id)).to.deep.equal(all.body.items.slice(0, 2).map((e: { id: number }) => e.id));
    expect(second.body.items.map((e: { id: number }) => e.id)).to.deep.equal(all.body.items.slice(2, 4).map((e: { id: number }) => e.id));
    expect(first.body.items[0].id).to.be.greaterThan(first.body.items[1].id);
  });

  it('rejects bad query parameters', async () => {
    for (const q of ['?limit=0', '?limit=501', '?offset=-1', '?outcome=maybe', '?from=yesterday', '?sort=id']) {
      expect((await get(q)).status, q).to.equal(400);
    }
  });

  it('is for administrators only', async () => {
    expect((await get('', nia.token)).status).to.equal(403);
    expect((await api(srv.baseUrl, 'GET', '/api/audit')).status).to.equal(401);
  });

  it('prunes entries older than the retention period', async () => {
    await srv.nasd.db.knex('audit_log').insert({ at: Date.now() - 400 * 86_400_000, action: 'test.old', outcome: 'success' });
    const job = auditRetentionJob(srv.nasd.audit, 365, srv.nasd.logger);
    expect(await job()).to.deep.equal({ deleted: 1 });
    expect((await get('?action=test.old')).body.total).to.equal(0);
    expect((await get('?action=user.create')).body.total).to.be.greaterThan(0);
  });
});
