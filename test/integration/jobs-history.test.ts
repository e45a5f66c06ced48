import { expect } from 'chai';
import { createUser, loginAdmin } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';

const FAST = { processEveryMs: 150, lockLifetimeMs: 2000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Execution {
  id: number;
  job: string;
  status: string;
  trigger: string;
}

describeEachDb('jobs history (GET /api/jobs/executions)', (kind) => {
  let srv: TestServer;
  let admin: string;
  let user: string;
  /** The runs made in `before`, oldest first. */
  const runs: Execution[] = [];
  const call = (method: string, url: string, body?: unknown, token: string | null = admin) => api(srv.baseUrl, method, url, { token: token ?? undefined, body });
  const history = async (query: string) => {
    const res = await call('GET', `/api/jobs/executions${query}`);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body as { items: Execution[]; total: number };
  };

  /** Runs a job now and waits until its execution has finished. */
  async function run(job: string): Promise<Execution> {
    const queued = await call('POST', `/api/jobs/${job}/run`);
    expect(queued.status, JSON.stringify(queued.body)).to.equal(202);
    const until = Date.now() + 10_000;
    for (;;) {
      const res = await call('GET', `/api/jobs/executions/${queued.body.executionId}`);
      if (res.body.status === 'ok' || res.body.status === 'failed') return res.body;
      if (Date.now() > until) throw new Error(`execution ${queued.body.executionId} did not finish: ${JSON.stringify(res.body)}`);
      await sleep(50);
    }
  }

  before(async function () {
    srv = await startTestServer(this, kind, { scheduler: FAST, hardware: { simulatedClock: 'manual', fanIntervalSeconds: 0, telemetryIntervalSeconds: 0 } });
    admin = (await loginAdmin(srv)).accessToken;
    user = (await createUser(srv, admin, { username: 'historyuser' })).token;
    runs.push(await run('uploads.cleanup'), await run('identity.prune'), await run('uploads.cleanup'));
    expect((await call('POST', '/api/hardware/simulation', { failRaidMember: { array: 'md0', device: 'vdb' } })).status).to.equal(200);
    runs.push(await run('raid.scrub'));
    expect(runs.map((r) => r.status)).to.deep.equal(['ok', 'ok', 'ok', 'failed']);
  });
  after(async () => srv?.close());

  it('is for administrators only: 401 without or with a bad token, 403 for a user', async () => {
    for (const query of ['', '?job=uploads.cleanup&status=ok']) {
      expect((await call('GET', `/api/jobs/executions${query}`, undefined, null)).status).to.equal(401);
      expect((await call('GET', `/api/jobs/executions${query}`, undefined, 'not-a-token')).status).to.equal(401);
      const asUser = await call('GET', `/api/jobs/executions${query}`, undefined, user);
      expect(asUser.status).to.equal(403);
      expect(asUser.body.error.code).to.equal('FORBIDDEN');
    }
  });

  it('lists every job\u2019s executions, newest first', async () => {
    const all = await history('');
    const ours = all.items.filter((e) => runs.some((r) => r.id === e.id));
    expect(ours.map((e) => e.id)).to.deep.equal(runs.map((r) => r.id).reverse());
    const ids = all.items.map((e) => e.id);
    expect(ids).to.deep.equal([...ids].sort((a, b) => b - a));
    expect(all.total).to.equal(all.items.length);
  });

  it('filters by job, by status, and by both', async () => {
    const cleanup = await history('?job=uploads.cleanup');
    expect(cleanup.items.map((e) => e.id)).to.deep.equal([runs[2].id, runs[0].id]);
    expect(cleanup.total).to.equal(2);
    const failed = await history('?status=failed');
    expect(failed.items.map((e) => [e.id, e.job])).to.deep.equal([[runs[3].id, 'raid.scrub']]);
    expect((await history('?status=ok')).items.every((e) => e.status === 'ok')).to.equal(true);
    expect((await history('?job=identity.prune&status=ok')).items.map((e) => e.id)).to.deep.equal([runs[1].id]);
    expect(await history('?job=uploads.cleanup&status=failed')).to.deep.equal({ items: [], total: 0 });
    expect(await history('?job=storage.reconcile')).to.deep.equal({ items: [], total: 0 });
    expect((await history('?status=queued')).total).to.equal(0);
  });

  it('pages with limit and offset, the total counting every match', async () => {
    const all = (await history('?limit=200')).items.map((e) => e.id);
    const first = await history('?limit=2');
    const second = await history('?limit=2&offset=2');
    expect(first.items.map((e) => e.id)).to.deep.equal(all.slice(0, 2));
    expect(second.items.map((e) => e.id)).to.deep.equal(all.slice(2, 4));
    expect(first.total).to.equal(all.length);
    const one = await history('?job=uploads.cleanup&limit=1&offset=1');
    expect(one).to.deep.include({ total: 2 });
    expect(one.items.map((e) => e.id)).to.deep.equal([runs[0].id]);
    expect((await history(`?offset=${all.length}`)).items).to.have.length(0);
  });

  it('answers 404 for an unknown job and 400 for malformed parameters', async () => {
    const unknown = await call('GET', '/api/jobs/executions?job=no.such');
    expect(unknown.status).to.equal(404);
    expect(unknown.body.error.code).to.equal('NOT_FOUND');
    for (const query of ['job=Storage.Reconcile', 'job=..%2Fetc', `job=${'a'.repeat(65)}`, 'job=', 'status=done', 'status=OK', 'limit=0', 'limit=201', 'limit=ten', 'offset=-1', 'offset=1000001', 'sort=desc']) {
      const res = await call('GET', `/api/jobs/executions?${query}`);
      expect(res.status, query).to.equal(400);
      expect(res.body.error.code, query).to.equal('VALIDATION');
    }
  });
});
