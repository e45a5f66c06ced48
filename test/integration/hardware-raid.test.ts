import { expect } from 'chai';
import { loginAdmin, createUser } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The simulated RAID story through the API. Simulated time is manual here
 * (`hardware.simulatedClock: 'manual'`) and moved with POST /api/hardware/simulation, so nothing
 * waits on real time.
 */
describeEachDb('hardware API: RAID with the simulated md0', (kind) => {
  let srv: TestServer;
  let admin: string;
  let user: string;
  const call = (method: string, path: string, body?: unknown, token = admin) => api(srv.baseUrl, method, path, { token, body });
  const advance = (seconds: number) => call('POST', '/api/hardware/simulation', { advanceSeconds: seconds });

  before(async function () {
    srv = await startTestServer(this, kind, { hardware: { simulatedClock: 'manual', fanIntervalSeconds: 0, telemetryIntervalSeconds: 0 } });
    admin = (await loginAdmin(srv)).accessToken;
    user = (await createUser(srv, admin, { username: 'raiduser' })).token;
  });
  after(async () => srv?.close());

  it('says which backend serves each area', async () => {
    const res = await call('GET', '/api/hardware');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ backends: { raid: 'simulated', smart: 'simulated', power: 'simulated', fans: 'simulated', system: 'simulated' }, simulated: true });
  });

  it('lets an admin watch a disk fail, the array degrade, a rebuild progress and finish', async () => {
    let res = await call('GET', '/api/raid/arrays');
    expect(res.body.backend).to.equal('simulated');
    expect(res.body.arrays[0]).to.deep.include({ name: 'md0', level: 'raid1', state: 'active', degraded: false, sync: null });

    expect((await call('POST', '/api/hardware/simulation', { failRaidMember: { array: 'md0', device: 'vdb' } })).status).to.equal(200);
    res = await call('GET', '/api/raid/arrays');
    const degraded = res.body.arrays[0];
    expect(degraded.degraded).to.equal(true);
    expect(degraded.disks).to.deep.equal({ active: 1, total: 2, failed: 1, spare: 0 });
    expect(degraded.members).to.deep.include({ device: 'vdb', slot: null, role: 'faulty' });

    res = await call('POST', '/api/raid/arrays/md0/members/vda/fail');
    expect(res.status).to.equal(409);
    expect(res.body.error.message).to.match(/refusing to fail vda/);
    res = await call('DELETE', '/api/raid/arrays/md0/members/vda');
    expect(res.status).to.equal(409);

    expect((await call('DELETE', '/api/raid/arrays/md0/members/vdb')).status).to.equal(200);
    expect((await call('GET', '/api/raid/candidates')).body.devices).to.deep.equal(['vdb', 'vdc', 'vdd']);
    res = await call('POST', '/api/raid/arrays/md0/members', { device: 'vdc' });
    expect(res.status).to.equal(202);
    expect(res.body.sync).to.deep.include({ action: 'recovery', percent: 0, status: 'running' });

    await advance(20);
    res = await call('GET', '/api/raid/arrays');
    expect(res.body.arrays[0].sync.percent).to.be.within(40, 42);
    expect(res.body.arrays[0].degraded).to.equal(true);
    await advance(40);
    res = await call('GET', '/api/raid/arrays');
    expect(res.body.arrays[0]).to.deep.include({ degraded: false, sync: null });
    expect(res.body.arrays[0].members.map((m: { device: string }) => m.device)).to.deep.equal(['vda', 'vdc']);

    const audit = await call('GET', '/api/audit?action=raid.');
    const actions = audit.body.items.map((e: { action: string; outcome: string }) => `${e.action}:${e.outcome}`);
    expect(actions).to.include.members(['raid.member.add:success', 'raid.member.remove:success', 'raid.member.fail:failure']);
  });

  it('scrubs: check progress, then a clean array with a mismatch count; refuses a second scrub', async () => {
    let res = await call('POST', '/api/raid/arrays/md0/scrub');
    expect(res.status).to.equal(202);
    expect(res.body.sync.action).to.equal('check');
    expect((await call('POST', '/api/raid/arrays/md0/scrub')).status).to.equal(409);
    await advance(10);
    res = await call('GET', '/api/raid/arrays/md0');
    expect(res.body.sync.percent).to.be.greaterThan(0).and.lessThan(100);
    await advance(60);
    res = await call('GET', '/api/raid/arrays/md0');
    expect(res.body).to.deep.include({ sync: null, mismatchCount: 128, syncAction: 'idle', backend: 'simulated' });
    expect((await call('DELETE', '/api/raid/arrays/md0/scrub')).status).to.equal(409);
  });

  it('validates names and bodies before anything reaches a backend', async () => {
    const cases: [string, string, unknown, number][] = [
      ['POST', '/api/raid/arrays/md0/members', { device: '../../etc/passwd' }, 400],
      ['POST', '/api/raid/arrays/md0/members', { device: 'vdd', force: true }, 400],
      ['POST', '/api/raid/arrays/md0/members', { device: 'sda' }, 404],
      ['POST', '/api/raid/arrays/md0/members', { device: 'vda' }, 409],
      ['GET', '/api/raid/arrays/md9', undefined, 404],
      ['GET', '/api/raid/arrays/..%2Fetc%2Fshadow', undefined, 400],
      ['GET', '/api/smart/disks/sda%00', undefined, 400],
      ['POST', '/api/raid/arrays/md0/members/nope/fail', undefined, 404],
      ['POST', '/api/hardware/simulation', { advanceSeconds: -1 }, 400],
      ['POST', '/api/hardware/simulation', { reboot: true }, 400],
    ];
    for (const [method, path, body, status] of cases) {
      const res = await call(method, path, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).to.equal(status);
      expect(res.body.error.message).to.be.a('string');
    }
    const raw = await api(srv.baseUrl, 'POST', '/api/raid/arrays/md0/members', { token: admin, rawBody: '{"device":', headers: { 'Content-Type': 'application/json' } });
    expect(raw.status).to.equal(400);
  });

  it('is admin only on every hardware endpoint: no token → 401, a user token → 403', async () => {
    const endpoints: [string, string, unknown?][] = [
      ['GET', '/api/hardware'], ['POST', '/api/hardware/simulation', { advanceSeconds: 1 }],
      ['GET', '/api/raid/arrays'], ['GET', '/api/raid/arrays/md0'], ['GET', '/api/raid/candidates'],
      ['POST', '/api/raid/arrays/md0/scrub'], ['DELETE', '/api/raid/arrays/md0/scrub'],
      ['POST', '/api/raid/arrays/md0/members/vda/fail'], ['DELETE', '/api/raid/arrays/md0/members/vda'], ['POST', '/api/raid/arrays/md0/members', { device: 'vdd' }],
      ['GET', '/api/smart/disks'], ['GET', '/api/smart/disks/sda'], ['POST', '/api/smart/disks/sda/self-test', { kind: 'short' }], ['POST', '/api/smart/scan'],
      ['GET', '/api/smart/disks/sda/history'], ['POST', '/api/smart/disks/sdb/acknowledgements', { attribute: 'ata.199' }], ['DELETE', '/api/smart/disks/sdb/acknowledgements/ata.199'],
      ['GET', '/api/power'], ['PUT', '/api/power/profile', { profile: 'performance' }],
      ['GET', '/api/fans'], ['PUT', '/api/fans/sim.pwm1/curve', { sensorId: 'sim.temp1', points: [{ tempC: 30, duty: 30 }, { tempC: 60, duty: 100 }] }], ['DELETE', '/api/fans/sim.pwm1/curve'],
      ['GET', '/api/telemetry/live'], ['GET', '/api/telemetry/history?from=0'], ['GET', '/metrics'],
    ];
    for (const [method, path, body] of endpoints) {
      const anonymous = await api(srv.baseUrl, method, path, { body });
      expect(anonymous.status, `${method} ${path} without a token`).to.equal(401);
      const asUser = await api(srv.baseUrl, method, path, { body, token: user });
      expect(asUser.status, `${method} ${path} as a user`).to.equal(403);
      const forged = await api(srv.baseUrl, method, path, { body, token: `${admin.slice(0, -4)}AAAA` });
      expect(forged.status, `${method} ${path} with a forged token`).to.equal(401);
    }
    const md0 = await call('GET', '/api/raid/arrays/md0');
    expect(md0.body.members.every((m: { role: string }) => m.role === 'active')).to.equal(true);
  });
});
