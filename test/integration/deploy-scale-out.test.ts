import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { createUser, loginAdmin, type CreatedUser } from '../helpers/auth.js';
import { createPgDatabase } from '../helpers/db.js';
import { expectAllLitmusSuitesPass, requireLitmus } from '../helpers/litmus.js';
import { httpsRequest, startNginx, type RunningNginx } from '../helpers/nginx.js';
import { spawnChildNasd, type ChildNasd } from '../helpers/spawn-nasd.js';
import { makeTmpDir } from '../helpers/tmp.js';
import { tusUpload } from '../helpers/tus.js';

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The secrets every process of one deployment shares (NASD_JWT_SECRET, NASD_TOTP_KEY). */
const SHARED_SECRETS = { jwtSecret: crypto.randomBytes(48).toString('base64url'), totpKey: crypto.randomBytes(32).toString('base64') };

/** Sum of one Prometheus counter's samples matching `labels`, in a /metrics text. */
function counterValue(metrics: string, name: string, labels: string): number {
  return metrics
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && l.includes(labels))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/** How many of a process's recorded requests match `method` and a URL prefix. */
function countRequests(nasd: ChildNasd, method: string, urlPrefix: string): number {
  return nasd.requests().filter((r) => r.method === method && r.url.startsWith(urlPrefix)).length;
}

// The deployment of deploy/nginx/nasd-upstream-scale-out.conf: two nasd processes with their own
// data directories (as on two machines), one PostgreSQL database and one storage root, nginx
// sending each request to the next process in turn.
describe('deploy: two nasd processes on one PostgreSQL database and storage root behind nginx (scale out)', () => {
  const tmp = makeTmpDir('nasd-scale-out-');
  const storageRoot = path.join(tmp.dir, 'storage');
  let pg: { url: string; drop: () => Promise<void> } | undefined;
  let nasds: ChildNasd[] = [];
  let nginx: RunningNginx;
  let adminToken: string;

  const viaNginx = (p: string, options: { method?: string; token?: string; headers?: Record<string, string>; body?: string | Buffer } = {}) =>
    httpsRequest(`${nginx.baseUrl}${p}`, {
      ca: nginx.ca,
      method: options.method,
      body: options.body,
      headers: { ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}), ...options.headers },
    });
  const json = async (p: string, options: Parameters<typeof viaNginx>[1] = {}) => {
    const res = await viaNginx(p, options);
    return { status: res.status, body: res.body ? JSON.parse(res.body) : undefined };
  };
  const metricsOf = async (nasd: ChildNasd) => {
    const res = await fetch(`${nasd.baseUrl}/metrics`, { headers: { Authorization: `Bearer ${adminToken}` } });
    expect(res.status).to.equal(200);
    return res.text();
  };

  before(async function () {
    this.timeout(120_000);
    requireLitmus(this);
    pg = await createPgDatabase(this);
    const config = { storageRoot, trustProxy: true, auth: SHARED_SECRETS, scheduler: { processEveryMs: 200 } };
    // Started together, as a boot starts both units: the first start (migrations, the
    // administrator, the job schedules) races on the one database.
    nasds = await Promise.all(['a', 'b'].map((name) => spawnChildNasd(path.join(tmp.dir, `data-${name}`), pg!.url, { config, logRequests: true })));
    nginx = await startNginx(this, nasds.map((n) => n.port), { scaleOut: true });
    adminToken = (await loginAdmin(nasds[0])).accessToken;
  });
  after(async () => {
    await nginx?.stop();
    await Promise.all(nasds.map((n) => n.kill()));
    await pg?.drop();
    tmp.remove();
  });

  it('runs the shipped two-upstream site: nginx -t passes and both processes answer through it', async () => {
    const { status, output } = nginx.check();
    expect(status, output).to.equal(0);
    expect(fs.readFileSync(nginx.confFile, 'utf8')).to.contain(`server 127.0.0.1:${nasds[1].port} max_fails=3`);
    const before = nasds.map((n) => countRequests(n, 'GET', '/api/health'));
    for (let i = 0; i < 4; i++) expect((await viaNginx('/api/health')).status).to.equal(200);
    expect(nasds.map((n, i) => countRequests(n, 'GET', '/api/health') - before[i])).to.deep.equal([2, 2]);
  });

  it('accepts an access token and a refresh token issued by one process at the other', async () => {
    const user = await createUser(nasds[0], adminToken, { username: 'roaming' });
    const me = await fetch(`${nasds[1].baseUrl}/api/me`, { headers: { Authorization: `Bearer ${user.token}` } });
    expect(me.status).to.equal(200);
    const refreshed = await fetch(`${nasds[1].baseUrl}/api/auth/refresh`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refreshToken: user.refreshToken }),
    });
    expect(refreshed.status).to.equal(200);
    const { accessToken } = (await refreshed.json()) as { accessToken: string };
    expect((await fetch(`${nasds[0].baseUrl}/api/me`, { headers: { Authorization: `Bearer ${accessToken}` } })).status).to.equal(200);
  });

  // As in the single-process deploy test: over TLS litmus skips its expect100 test ("skipping
  // for SSL server"), so 103 of its 104 tests run, each request to the next process in turn.
  it('passes litmus through nginx across both processes: 103 passed, expect100 skipped by litmus over TLS', async function () {
    this.timeout(600_000);
    const user = await createUser(nasds[0], adminToken, { username: 'litmus' });
    const before = nasds.map((n) => n.requests().length);
    const { passed, skippedForTls } = await expectAllLitmusSuitesPass(`${nginx.baseUrl}/dav/home/`, user.username, user.password, tmp.dir);
    expect(skippedForTls).to.deep.equal(['expect100']);
    expect(passed).to.equal(103);
    for (const [i, n] of nasds.entries()) expect(n.requests().slice(before[i]).filter((r) => r.url.startsWith('/dav/')).length).to.be.greaterThan(50);
  });

  it('takes a tus upload whose PATCHes reach both processes, complete and byte for byte', async () => {
    const user = await createUser(nasds[0], adminToken, { username: 'uploader' });
    const data = crypto.randomBytes(2 * 1024 * 1024 + 33);
    const chunkSize = 256 * 1024;
    const { url } = await tusUpload(`${nginx.baseUrl}/api/uploads/`, user.token, data, { filename: 'both-ways.bin', chunkSize, ca: nginx.ca });
    const uploadPath = new URL(url).pathname;
    const patches = nasds.map((n) => countRequests(n, 'PATCH', uploadPath));
    expect(patches[0] + patches[1]).to.equal(Math.ceil(data.length / chunkSize));
    expect(patches[0], `PATCHes per process: ${patches}`).to.be.greaterThan(0);
    expect(patches[1], `PATCHes per process: ${patches}`).to.be.greaterThan(0);
    const stored = fs.readFileSync(path.join(storageRoot, 'homes', user.username, 'both-ways.bin'));
    expect(stored.length).to.equal(data.length);
    expect(sha256(stored)).to.equal(sha256(data));
  });

  it('keeps a user within quota when parallel PUTs through both processes together exceed it', async () => {
    const quota = 1024 * 1024;
    const size = 100_000;
    const user: CreatedUser = await createUser(nasds[0], adminToken, { username: 'racer', quotaBytes: quota });
    const basic = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
    const before = nasds.map((n) => countRequests(n, 'PUT', '/dav/home/race-'));
    const statuses = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        viaNginx(`/dav/home/race-${i}.bin`, { method: 'PUT', headers: { Authorization: basic, 'Content-Length': String(size) }, body: crypto.randomBytes(size) }).then((r) => r.status),
      ),
    );
    expect(new Set(statuses)).to.deep.equal(new Set([201, 507]));
    for (const [i, n] of nasds.entries()) expect(countRequests(n, 'PUT', '/dav/home/race-') - before[i], 'PUTs per process').to.be.greaterThan(0);
    const usage = await json('/api/usage', { token: user.token });
    const home = path.join(storageRoot, 'homes', user.username);
    const onDisk = fs.readdirSync(home).reduce((sum, f) => sum + fs.statSync(path.join(home, f)).size, 0);
    expect(usage.body.usedBytes).to.be.at.most(quota);
    expect(usage.body.usedBytes).to.equal(onDisk);
    expect(usage.body.usedBytes).to.equal(statuses.filter((s) => s === 201).length * size);
    expect(usage.body.reservedBytes).to.equal(0);
  });

  it('runs a job started with "run now" once, in one of the two processes', async () => {
    const runsBefore = (await Promise.all(nasds.map(metricsOf))).map((m) => counterValue(m, 'nasd_job_runs_total', 'job="uploads.cleanup"'));
    const run = await json('/api/jobs/uploads.cleanup/run', { method: 'POST', token: adminToken });
    expect(run.status).to.equal(202);
    let execution = run.body;
    while (execution.status === 'queued' || execution.status === 'running') {
      await sleep(100);
      execution = (await json(`/api/jobs/executions/${run.body.executionId}`, { token: adminToken })).body;
    }
    expect(execution.status).to.equal('ok');
    const runsAfter = (await Promise.all(nasds.map(metricsOf))).map((m) => counterValue(m, 'nasd_job_runs_total', 'job="uploads.cleanup"'));
    expect(runsAfter[0] - runsBefore[0] + runsAfter[1] - runsBefore[1]).to.equal(1);
  });

  it('runs a scheduled job once per interval, not once per process', async function () {
    this.timeout(150_000);
    // The shortest interval an administrator may set; the first run is one interval from now.
    const changed = await json('/api/jobs/identity.prune', { method: 'PATCH', token: adminToken, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ interval: '1 minute' }) });
    expect(changed.status).to.equal(200);
    const scheduled = async () => (await json('/api/jobs/executions?job=identity.prune&limit=100', { token: adminToken })).body.items.filter((e: { trigger: string }) => e.trigger === 'schedule');
    let runs = await scheduled();
    while (!runs.some((e: { status: string }) => e.status === 'ok')) {
      await sleep(500);
      runs = await scheduled();
    }
    // Ten poll periods of each process: a second process taking the same due run would have by now.
    await sleep(2000);
    expect((await scheduled()).map((e: { status: string }) => e.status)).to.deep.equal(['ok']);
    const perProcess = (await Promise.all(nasds.map(metricsOf))).map((m) => counterValue(m, 'nasd_job_runs_total', 'job="identity.prune"'));
    expect(perProcess[0] + perProcess[1], `runs per process: ${perProcess}`).to.equal(1);
  });
});
