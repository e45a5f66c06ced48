import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { createUser, loginAdmin } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';

const SCRAPE_TOKEN = 'scrape-token-for-tests-0123456789';

/** `promtool check metrics` on the text; null when promtool is absent off CI (the test then skips with the reason). */
function promtool(text: string): { status: number; output: string } | null {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') {
    if (process.env.CI) throw new Error('promtool is required under CI (Debian package prometheus)');
    return null;
  }
  return { status: run.status ?? -1, output: `${run.stdout}${run.stderr}` };
}

describeEachDb('/metrics: Prometheus exposition', (kind) => {
  let srv: TestServer;
  let admin: string;
  let user: string;
  let userPassword: string;

  before(async function () {
    srv = await startTestServer(this, kind, { metricsToken: SCRAPE_TOKEN, scheduler: { processEveryMs: 100 }, hardware: { simulatedClock: 'manual', fanIntervalSeconds: 0, telemetryIntervalSeconds: 0 } });
    admin = (await loginAdmin(srv)).accessToken;
    const created = await createUser(srv, admin, { username: 'metricsuser', quotaBytes: 10_000_000 });
    user = created.token;
    userPassword = created.password;
    await api(srv.baseUrl, 'POST', '/api/hardware/simulation', { token: admin, body: { failRaidMember: { array: 'md0', device: 'vdb' } } });
    await api(srv.baseUrl, 'GET', '/api/raid/arrays', { token: admin });
  });
  after(async () => srv?.close());

  it('serves system, storage, RAID, SMART, fan and HTTP metrics to an admin', async () => {
    const res = await api(srv.baseUrl, 'GET', '/metrics', { token: admin });
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.contain('text/plain');
    const text = res.body as string;
    for (const line of [
      'nasd_hardware_backend{area="raid",kind="simulated"} 1',
      'nasd_raid_array_degraded{array="md0"} 1',
      'nasd_raid_array_disks{array="md0",kind="failed"} 1',
      'nasd_smart_disk_verdict{device="sdd",verdict="failing"} 1',
      'nasd_smart_disk_temperature_celsius{device="sda"} 34',
      'nasd_memory_total_bytes 8589934592',
      'nasd_storage_user_quota_bytes{user="metricsuser"} 10000000',
      'nasd_hardware_scrape_ok{area="smart"} 1',
    ]) {
      expect(text).to.contain(line);
    }
    expect(text).to.match(/^nasd_storage_user_used_bytes\{user="metricsuser"\} \d+$/m);
    expect(text).to.match(/^nasd_fan_speed_rpm\{fan="sim.pwm1"\} \d+$/m);
    expect(text).to.match(/^nasd_http_requests_total\{method="GET",route="\/api\/raid\/arrays",status="200"\} [1-9]\d*$/m);
    expect(text).to.not.contain('route="/api/no-such');
  });

  it('counts committed upload bytes by protocol and finished job runs by outcome', async () => {
    const put = await fetch(`${srv.baseUrl}/dav/home/counted.bin`, {
      method: 'PUT',
      headers: { Authorization: `Basic ${Buffer.from(`metricsuser:${userPassword}`).toString('base64')}` },
      body: new Uint8Array(1234),
    });
    expect(put.status).to.equal(201);
    const run = await api(srv.baseUrl, 'POST', '/api/jobs/identity.prune/run', { token: admin });
    expect(run.status).to.equal(202);
    let status = 'queued';
    for (let i = 0; i < 100 && (status === 'queued' || status === 'running'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await api(srv.baseUrl, 'GET', `/api/jobs/executions/${run.body.executionId}`, { token: admin })).body.status;
    }
    expect(status).to.equal('ok');
    const text = (await api(srv.baseUrl, 'GET', '/metrics', { token: admin })).body as string;
    expect(text).to.match(/^nasd_upload_bytes_total\{protocol="webdav"\} 1234$/m);
    expect(text).to.match(/^nasd_job_runs_total\{job="identity.prune",outcome="ok"\} 1$/m);
  });

  it('accepts the scrape token and refuses anything else', async () => {
    expect((await api(srv.baseUrl, 'GET', '/metrics', { token: SCRAPE_TOKEN })).status).to.equal(200);
    expect((await api(srv.baseUrl, 'GET', '/metrics', { token: `${SCRAPE_TOKEN}x` })).status).to.equal(401);
    expect((await api(srv.baseUrl, 'GET', '/metrics', { headers: { Authorization: `Basic ${Buffer.from(`admin:${SCRAPE_TOKEN}`).toString('base64')}` } })).status).to.equal(401);
    expect((await api(srv.baseUrl, 'GET', '/metrics')).status).to.equal(401);
    expect((await api(srv.baseUrl, 'GET', '/metrics', { token: user })).status).to.equal(403);
    expect((await api(srv.baseUrl, 'POST', '/metrics', { token: admin })).status).to.be.oneOf([404, 405, 501]);
  });

  it('counts unknown paths under one label instead of one series each', async () => {
    for (const p of ['/api/no-such-1', '/api/no-such-2']) await api(srv.baseUrl, 'GET', p);
    const text = (await api(srv.baseUrl, 'GET', '/metrics', { token: admin })).body as string;
    expect(text).to.match(/^nasd_http_requests_total\{method="GET",route="unmatched",status="404"\} [2-9]\d*$/m);
  });

  it('passes promtool check metrics', async function () {
    const text = (await api(srv.baseUrl, 'GET', '/metrics', { token: admin })).body as string;
    const result = promtool(text);
    if (!result) {
      console.log('      (skipped: promtool is not installed; install the Debian package prometheus)');
      this.skip();
    }
    expect(result?.output ?? '').to.equal('');
    expect(result?.status).to.equal(0);
  });
});
