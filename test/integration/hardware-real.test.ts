import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { loginAdmin } from '../helpers/auth.js';
import { describeEachDb } from '../helpers/db.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { makeTmpDir } from '../helpers/tmp.js';

const FIXTURES = path.resolve('test/fixtures');

/**
 * `real` mode against recorded hardware: a copy of test/fixtures/sysfs/nas1 as /proc and /sys,
 * and NASD_SMARTCTL / NASD_MDADM pointing at scripts that print recorded output (and log their
 * argv). nasd must show what that box would show, and its writes must land in the tree.
 */
describeEachDb('hardware API: real backends on a recorded box', (kind) => {
  let srv: TestServer;
  let admin: string;
  let tmp: ReturnType<typeof makeTmpDir>;
  let log: string;
  const call = (method: string, p: string, body?: unknown) => api(srv.baseUrl, method, p, { token: admin, body });
  const sysFile = (rel: string) => fs.readFileSync(path.join(tmp.dir, 'sys', rel), 'utf8');

  before(async function () {
    tmp = makeTmpDir();
    fs.cpSync(path.join(FIXTURES, 'sysfs/nas1'), tmp.dir, { recursive: true });
    log = path.join(tmp.dir, 'commands.log');
    process.env.NASD_FAKE_LOG = log;
    srv = await startTestServer(this, kind, {
      hardware: {
        mode: 'real',
        system: 'simulated',
        procRoot: path.join(tmp.dir, 'proc'),
        sysRoot: path.join(tmp.dir, 'sys'),
        smartctl: path.join(FIXTURES, 'smartctl/fake-smartctl.sh'),
        mdadm: path.join(FIXTURES, 'mdadm/fake-mdadm.sh'),
        fanIntervalSeconds: 0,
        telemetryIntervalSeconds: 0,
      },
    });
    admin = (await loginAdmin(srv)).accessToken;
  });
  after(async () => {
    await srv?.close();
    delete process.env.NASD_FAKE_LOG;
    tmp?.remove();
  });

  it('reports the real backends', async () => {
    expect((await call('GET', '/api/hardware')).body.backends).to.deep.equal({ raid: 'real', smart: 'real', power: 'real', fans: 'real', system: 'simulated' });
  });

  it('shows the recorded arrays exactly: a clean mirror and a raid5 rebuilding', async () => {
    const res = await call('GET', '/api/raid/arrays');
    expect(res.body).to.deep.equal({
      backend: 'real',
      arrays: [
        {
          name: 'md1', level: 'raid5', state: 'active', sizeBytes: 5860147200 * 1024, degraded: true,
          disks: { active: 3, total: 4, failed: 0, spare: 0 },
          members: [{ device: 'sdc1', slot: 0, role: 'active' }, { device: 'sdd1', slot: 1, role: 'active' }, { device: 'sde1', slot: 2, role: 'active' }, { device: 'sdf1', slot: 3, role: 'active' }],
          sync: { action: 'recovery', percent: 31.6, speedKiBs: 146620, finishMinutes: 151.8, status: 'running' },
        },
        {
          name: 'md0', level: 'raid1', state: 'active', sizeBytes: 976630464 * 1024, degraded: false,
          disks: { active: 2, total: 2, failed: 0, spare: 0 },
          members: [{ device: 'sda1', slot: 0, role: 'active' }, { device: 'sdb1', slot: 1, role: 'active' }], sync: null,
        },
      ],
    });
    const md0 = await call('GET', '/api/raid/arrays/md0');
    expect(md0.body).to.include({ uuid: '3f1c9a2e:7b4d6e80:a9c1d2e3:f4051627', metadata: '1.2', mismatchCount: 0, syncAction: 'idle' });
    expect((await call('GET', '/api/raid/candidates')).body.devices).to.deep.equal(['sdg', 'sdh1']);
  });

  it('acts through sysfs and mdadm argv, and refuses what would lose data', async () => {
    expect((await call('POST', '/api/raid/arrays/md0/scrub')).status).to.equal(202);
    expect(sysFile('block/md0/md/sync_action')).to.equal('check\n');
    expect((await call('POST', '/api/raid/arrays/md0/members', { device: 'sdg' })).status).to.equal(202);
    expect((await call('POST', '/api/raid/arrays/md1/members/sdc1/fail')).status).to.equal(409);
    expect((await call('POST', '/api/raid/arrays/md0/members', { device: 'nvme0n1p2' })).status).to.equal(404);
    const commands = fs.readFileSync(log, 'utf8').split('\n');
    expect(commands).to.include('mdadm --manage /dev/md0 --add /dev/sdg');
    expect(commands.filter((c) => c.includes('--fail'))).to.deep.equal([]);
  });

  it('shows the recorded disks with the verdicts their data calls for', async () => {
    const res = await call('GET', '/api/smart/disks');
    expect(res.body.backend).to.equal('real');
    expect(res.body.disks.map((d: { device: string; availability: string; verdict: string; protocol: string }) => `${d.device} ${d.protocol} ${d.availability} ${d.verdict}`)).to.deep.equal([
      'sda ata available warning', 'sdb ata available ok', 'sdc scsi available ok', 'sdd ata available failing',
      'sde scsi unsupported unknown', 'sdf ata standby unknown', 'nvme0 nvme available ok',
    ]);
    const nvme = await call('GET', '/api/smart/disks/nvme0');
    expect(nvme.body).to.include({ model: 'Samsung SSD 980 PRO 1TB', temperatureC: 44, powerOnHours: 6510 });
    expect((await call('POST', '/api/smart/disks/sda/self-test', { kind: 'long' })).status).to.equal(202);
    expect(fs.readFileSync(log, 'utf8')).to.contain('smartctl -j -t long -d sat /dev/sda');
    expect((await call('POST', '/api/smart/disks/sdb/self-test', { kind: 'short' })).status).to.equal(409);
  });

  it('reads and writes cpufreq and hwmon in the tree', async () => {
    let res = await call('GET', '/api/power');
    expect(res.body).to.include({ backend: 'real', profile: 'balanced' });
    expect(res.body.cpus.map((c: { curKHz: number }) => c.curKHz)).to.deep.equal([1197023, 3400117]);
    res = await call('PUT', '/api/power/profile', { profile: 'performance' });
    expect(res.body.profile).to.equal('performance');
    expect(sysFile('devices/system/cpu/cpu1/cpufreq/scaling_governor')).to.equal('performance\n');

    res = await call('GET', '/api/fans');
    expect(res.body.fans.map((f: { id: string; rpm: number }) => `${f.id}=${f.rpm}`)).to.deep.equal(['nct6775.pwm1=812', 'nct6775.pwm2=640', 'nct6775.fan3=0']);
    const curve = { sensorId: 'coretemp.temp1', points: [{ tempC: 40, duty: 40 }, { tempC: 60, duty: 80 }], minDuty: 30, maxDuty: 100, hysteresisC: 3 };
    expect((await call('PUT', '/api/fans/nct6775.pwm1/curve', curve)).status).to.equal(200);
    expect(sysFile('class/hwmon/hwmon1/pwm1_enable')).to.equal('1\n');
    expect(sysFile('class/hwmon/hwmon1/pwm1')).to.equal(`${Math.round((50 * 255) / 100)}\n`);
    fs.writeFileSync(path.join(tmp.dir, 'sys/class/hwmon/hwmon0/temp1_input'), 'EIO');
    await srv.nasd.hardware.fans.tick();
    expect(sysFile('class/hwmon/hwmon1/pwm1')).to.equal('255\n');
    expect((await call('GET', '/api/fans')).body.fans[0].failsafe.reason).to.contain('coretemp.temp1');
    expect((await call('PUT', '/api/fans/nct6775.fan3/curve', curve)).status).to.equal(501);
    expect((await call('DELETE', '/api/fans/nct6775.pwm1/curve')).status).to.equal(204);
    expect(sysFile('class/hwmon/hwmon1/pwm1_enable')).to.equal('2\n');
    expect((await call('POST', '/api/hardware/simulation', { advanceSeconds: 1 })).status).to.equal(200);
    expect((await call('POST', '/api/hardware/simulation', { failRaidMember: { array: 'md0', device: 'sda1' } })).status).to.equal(501);
  });
});
