import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { createUser, loginAdmin } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';

const FAST = { processEveryMs: 150, lockLifetimeMs: 2000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeEachDb('jobs API', (kind) => {
  let srv: TestServer;
  let admin: string;
  let user: string;
  /** `token` null sends no Authorization header. */
  const call = (method: string, url: string, body?: unknown, token: string | null = admin) => api(srv.baseUrl, method, url, { token: token ?? undefined, body });

  /** Polls an execution until it has finished. */
  async function finished(id: number): Promise<Record<string, any>> {
    const until = Date.now() + 10_000;
    for (;;) {
      const res = await call('GET', `/api/jobs/executions/${id}`);
      expect(res.status).to.equal(200);
      if (res.body.status === 'ok' || res.body.status === 'failed') return res.body;
      if (Date.now() > until) throw new Error(`execution ${id} did not finish: ${JSON.stringify(res.body)}`);
      await sleep(50);
    }
  }

  async function run(job: string): Promise<Record<string, any>> {
    const res = await call('POST', `/api/jobs/${job}/run`);
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    expect(res.body).to.include({ job, status: 'queued' });
    return finished(res.body.executionId);
  }

  before(async function () {
    srv = await startTestServer(this, kind, { scheduler: FAST, hardware: { simulatedClock: 'manual', fanIntervalSeconds: 0, telemetryIntervalSeconds: 0 } });
    admin = (await loginAdmin(srv)).accessToken;
    user = (await createUser(srv, admin, { username: 'jobsuser' })).token;
  });
  after(async () => srv?.close());

  it('lists the managed jobs with their settings', async () => {
    const res = await call('GET', '/api/jobs');
    expect(res.status).to.equal(200);
    const byName = Object.fromEntries(res.body.items.map((j: { name: string }) => [j.name, j]));
    expect(Object.keys(byName)).to.have.members(['storage.reconcile', 'uploads.cleanup', 'audit.retention', 'identity.prune', 'smart.scan', 'raid.scrub']);
    expect(byName['storage.reconcile']).to.include({ enabled: true, interval: '1 day', intervalMs: 86_400_000, lastRun: null, current: null });
    expect(byName['uploads.cleanup']).to.include({ interval: '1 hour' });
    expect(byName['raid.scrub']).to.include({ interval: '30 days' });
    expect(byName['identity.prune'].nextRunAt).to.be.greaterThan(Date.now());
  });

  it('is for administrators only: 401 without a token, 403 for a user', async () => {
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/api/jobs'],
      ['GET', '/api/jobs/storage.reconcile'],
      ['PATCH', '/api/jobs/storage.reconcile', { enabled: false }],
      ['POST', '/api/jobs/storage.reconcile/run'],
      ['GET', '/api/jobs/storage.reconcile/executions'],
      ['GET', '/api/jobs/executions/1'],
      ['POST', '/api/jobs/executions/1/retry'],
    ];
    for (const [method, url, body] of routes) {
      expect((await call(method, url, body, null)).status, `${method} ${url} without a token`).to.equal(401);
      expect((await call(method, url, body, 'not-a-token')).status, `${method} ${url} with a bad token`).to.equal(401);
      const asUser = await call(method, url, body, user);
      expect(asUser.status, `${method} ${url} as a user`).to.equal(403);
      expect(asUser.body.error.code).to.equal('FORBIDDEN');
    }
    expect((await call('GET', '/api/jobs/storage.reconcile')).body.enabled).to.equal(true);
  });

  it('reconciles now: a file written behind nasd\u2019s back shows up in the drift report and the usage', async () => {
    const home = path.join(srv.nasd.config.storageRoot, 'homes', 'jobsuser');
    fs.mkdirSync(home, { recursive: true });
    fs.writeFileSync(path.join(home, 'via-smb.bin'), Buffer.alloc(4096, 1));
    const done = await run('storage.reconcile');
    expect(done).to.include({ job: 'storage.reconcile', status: 'ok', trigger: 'manual', requestedBy: 'admin' });
    expect(done.report.added).to.equal(1);
    expect(done.report.usage.some((d: { after: { bytes: number } }) => d.after.bytes === 4096)).to.equal(true);
    const usage = await call('GET', '/api/usage', undefined, user);
    expect(usage.body.usedBytes).to.equal(4096);
    const audit = await call('GET', '/api/audit?action=job.run');
    expect(audit.body.items[0]).to.include({ action: 'job.run', target: 'storage.reconcile', outcome: 'success', actorName: 'admin' });
  });

  it('runs the housekeeping jobs and records what they did', async () => {
    const earlier = (await call('GET', '/api/jobs/uploads.cleanup/executions')).body.total as number;
    expect((await run('uploads.cleanup')).report).to.deep.equal({ deleted: 0 });
    expect((await run('identity.prune')).report).to.have.keys('refreshTokens', 'throttleWindows');
    expect((await run('audit.retention')).report).to.deep.equal({ deleted: 0 });
    const smart = await run('smart.scan');
    expect(smart.status).to.equal('ok');
    expect(smart.report.recorded).to.be.greaterThan(0);
    const list = await call('GET', '/api/jobs/uploads.cleanup/executions');
    expect(list.body.total).to.equal(earlier + 1);
    expect(list.body.items[0].report).to.deep.equal({ deleted: 0 });
  });

  it('records a refused RAID scrub as failed, and retries it once the array is fine', async () => {
    expect((await call('POST', '/api/hardware/simulation', { failRaidMember: { array: 'md0', device: 'vdb' } })).status).to.equal(200);
    const failed = await run('raid.scrub');
    expect(failed.status).to.equal('failed');
    expect(failed.message).to.match(/md0 is degraded/);
    expect((await call('DELETE', '/api/raid/arrays/md0/members/vdb')).status).to.equal(200);
    expect((await call('POST', '/api/raid/arrays/md0/members', { device: 'vdb' })).status).to.equal(202);
    expect((await call('POST', '/api/hardware/simulation', { advanceSeconds: 120 })).status).to.equal(200);

    const retry = await call('POST', `/api/jobs/executions/${failed.id}/retry`);
    expect(retry.status).to.equal(202);
    expect(retry.body).to.include({ job: 'raid.scrub', status: 'queued' });
    const again = await finished(retry.body.executionId);
    expect(again).to.include({ status: 'ok', trigger: 'retry', retryOf: failed.id });
    expect(again.report).to.deep.equal({ started: ['md0'], skipped: [] });

    const second = await call('POST', `/api/jobs/executions/${again.id}/retry`);
    expect(second.status).to.equal(409);
    expect(second.body.error.message).to.match(/only a failed execution/);
    expect((await call('POST', '/api/jobs/executions/999999/retry')).status).to.equal(404);
    const busy = await run('raid.scrub');
    expect(busy.report.skipped[0]).to.include({ array: 'md0' });
  });

  it('validates changes: interval of at least a minute, known fields only, JSON body', async () => {
    const bad: unknown[] = [{ interval: '30 seconds' }, { interval: 'whenever' }, { interval: 1000 }, { interval: '1 month' }, { enabled: 'yes' }, {}, { enabled: true, extra: 1 }, { interval: 'x'.repeat(100) }];
    for (const body of bad) {
      const res = await call('PATCH', '/api/jobs/identity.prune', body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(res.body.error.code).to.equal('VALIDATION');
    }
    expect((await call('PATCH', '/api/jobs/identity.prune', { interval: '30 seconds' })).body.error.message).to.match(/at least 1 minute/);
    const raw = await api(srv.baseUrl, 'PATCH', '/api/jobs/identity.prune', { token: admin, rawBody: 'enabled=false', headers: { 'Content-Type': 'text/plain' } });
    expect(raw.status).to.equal(415);
    expect((await call('GET', '/api/jobs/identity.prune')).body).to.include({ enabled: true, intervalMs: 3_600_000 });
  });

  it('changes the interval and disables a job, audited', async () => {
    let res = await call('PATCH', '/api/jobs/identity.prune', { interval: '6 hours' });
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ intervalMs: 21_600_000, interval: '6 hours', enabled: true });
    expect(res.body.nextRunAt).to.be.greaterThan(Date.now() + 5 * 3_600_000);
    res = await call('PATCH', '/api/jobs/identity.prune', { enabled: false, interval: 120_000 });
    expect(res.body).to.include({ enabled: false, intervalMs: 120_000, nextRunAt: null });
    expect((await call('GET', '/api/jobs')).body.items.find((j: { name: string }) => j.name === 'identity.prune').enabled).to.equal(false);
    const audit = await call('GET', '/api/audit?action=job.update');
    expect(audit.body.items[0]).to.include({ target: 'identity.prune', outcome: 'success', actorName: 'admin' });
    expect(audit.body.items[0].details).to.deep.include({ enabled: false, intervalMs: 120_000 });
    expect((await call('PATCH', '/api/jobs/identity.prune', { enabled: true })).body.nextRunAt).to.be.a('number');
  });

  it('answers 404 for unknown jobs and executions, 400 for malformed names, ids and paging', async () => {
    for (const [method, url] of [['GET', '/api/jobs/no.such'], ['POST', '/api/jobs/no.such/run'], ['GET', '/api/jobs/no.such/executions'], ['GET', '/api/jobs/executions/424242']]) {
      const res = await call(method, url);
      expect(res.status, url).to.equal(404);
      expect(res.body.error.code).to.equal('NOT_FOUND');
    }
    expect((await call('PATCH', '/api/jobs/no.such', { enabled: false })).status).to.equal(404);
    for (const url of ['/api/jobs/..%2F..%2Fetc', '/api/jobs/Storage.Reconcile', '/api/jobs/a%00b/run', `/api/jobs/${'a'.repeat(65)}`, '/api/jobs/executions/abc', '/api/jobs/executions/-1', '/api/jobs/executions/1e99']) {
      expect((await call(url.endsWith('/run') ? 'POST' : 'GET', url)).status, url).to.equal(400);
    }
    for (const query of ['limit=0', 'limit=201', 'offset=-1', 'limit=ten', 'sort=desc']) {
      expect((await call('GET', `/api/jobs/storage.reconcile/executions?${query}`)).status, query).to.equal(400);
    }
    const earlier = (await call('GET', '/api/jobs/audit.retention/executions')).body.total as number;
    const runs = [await run('audit.retention'), await run('audit.retention'), await run('audit.retention')];
    const page = await call('GET', '/api/jobs/audit.retention/executions?limit=1&offset=1');
    expect(page.status).to.equal(200);
    expect(page.body.total).to.equal(earlier + 3);
    expect(page.body.items.map((e: { id: number }) => e.id)).to.deep.equal([runs[1].id]);
  });
});

describeEachDb('jobs API with the scheduler turned off (NASD_SCHEDULER=false)', (kind) => {
  let srv: TestServer;
  let admin: string;

  before(async function () {
    srv = await startTestServer(this, kind, { scheduler: { ...FAST, enabled: false } });
    admin = (await loginAdmin(srv)).accessToken;
  });
  after(async () => srv?.close());

  it('queues a run that no process picks up, and refuses a second one with 409', async () => {
    const first = await api(srv.baseUrl, 'POST', '/api/jobs/uploads.cleanup/run', { token: admin });
    expect(first.status).to.equal(202);
    await sleep(600); // four poll periods of a scheduler that would be running
    const execution = await api(srv.baseUrl, 'GET', `/api/jobs/executions/${first.body.executionId}`, { token: admin });
    expect(execution.body).to.include({ status: 'queued', startedAt: null });
    const second = await api(srv.baseUrl, 'POST', '/api/jobs/uploads.cleanup/run', { token: admin });
    expect(second.status).to.equal(409);
    expect(second.body.error.message).to.match(/already queued or running/);
    const job = await api(srv.baseUrl, 'GET', '/api/jobs/uploads.cleanup', { token: admin });
    expect(job.body.current).to.include({ id: first.body.executionId, status: 'queued' });
  });
});
